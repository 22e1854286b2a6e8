"""The one module that talks to durable_rules.

Usage follows the field notes (shared/notes/durable-rules.md) plus what we measured,
each point covered by tests/engine/test_engine.py:
- one fact per order, asserted alone (never `assert_facts` batches, which drop firings);
- every fact matches a sentinel rule, so every assert is handled: after an unhandled
  assert, `delete_state` segfaults, and skipping it leaks the session until `MemoryError`;
- one session id, reused, cleared with `delete_state` after each order: memory stays
  flat and throughput does not decay as it does with a new sid per order;
- a missing sentinel firing means the engine did not see the order: raised, never a pass;
- a rule matching with `$or` fires once per alternative that holds: names are deduplicated.

The ruleset is driven through durable's C extension (`durable_rules_engine`) directly,
the same calls `durable.engine.Host` makes, minus its Python action machinery: a rule
here has no action to run, we only need the names of the rules that matched, which the
engine hands out one action frame at a time. Skipping a Closure, a promise chain, a
state re-encode and a JSON decode of the whole fact per fired rule made the engine about
five times faster (see benchmarks/).
"""

from __future__ import annotations

import functools
import json
import math
import weakref
from collections.abc import Mapping
from typing import Any

import orjson

from checker.engine import _durable_rules_engine as _dre

# glibc's mallopt(M_TRIM_THRESHOLD): keep up to 64 MiB of freed heap instead of handing
# it back to the OS at once; mallopt(M_MMAP_THRESHOLD): serve blocks up to 32 MiB (glibc's
# largest such threshold on 64-bit) from that heap rather than from a fresh mapping each.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_KEEP_HEAP_BYTES = 64 * 1024 * 1024
_HEAP_BLOCK_BYTES = 32 * 1024 * 1024
_KEEP_HEAP_AFTER = 32  # facts; a one-file run does not pay for importing ctypes

SENTINEL = "#seen"
_SENTINEL_FIELD = "seen_"
_SID = "order"
_HANDLED = 0
_TAIL_ONLY = b'{"%s":1,"sid":"%s"}' % (_SENTINEL_FIELD.encode(), _SID.encode())
_TAIL = b"," + _TAIL_ONLY[1:]


class EngineError(RuntimeError):
    """The engine failed on an order: a chipcheck bug, never a verdict."""


@functools.cache
def _keep_heap() -> None:
    """Stop glibc trimming the heap after every order.

    Each assert allocates a large block at the top of the heap and `delete_state` frees
    it; with glibc's default trim threshold the heap was shrunk and grown again for every
    order (two `brk` calls and fresh zeroed pages each time), which made an assert cost
    ~115 us instead of ~9 us. Setting the trim threshold also freezes glibc's sliding
    mmap threshold where it stands, and where it stood at 128 KiB (it depends on what the
    process allocated before) each such block was a fresh mapping, faulted in page by
    page: so the mmap threshold is set too. Elsewhere (no glibc, no mallopt) nothing is
    changed.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_TRIM_THRESHOLD, _KEEP_HEAP_BYTES)
    mallopt(_M_MMAP_THRESHOLD, _HEAP_BLOCK_BYTES)


def _positional(fact: dict[str, Any], raw: bytes) -> bytes:
    """The fact's JSON with every number written without an exponent: durable_rules
    cannot read `1e-08` (it fails the assert), and a value derived before the assert can
    be that small. The digits are the double's exact decimal expansion, so the engine
    reads back the same number."""
    tiny = {k: v for k, v in fact.items() if type(v) is float and v != 0 and abs(v) < 1e-4}
    if not tiny:
        return raw
    marked = {k: f"\0{k}\0" if k in tiny else v for k, v in fact.items()}
    text = orjson.dumps(marked)
    for key, value in tiny.items():
        digits = format(value, ".1100f").rstrip("0")
        text = text.replace(orjson.dumps(f"\0{key}\0"), digits.encode())
    return text


def _not_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


class Engine:
    """A compiled ruleset, created once and judged against any number of facts.

    `definition` maps rule names to durable rule bodies (`{"all": [...]}`); a `run` key,
    if present, is ignored: the rule's name is what `fired` reports.
    """

    def __init__(self, name: str, definition: Mapping[str, Mapping[str, Any]]) -> None:
        bad = [rule for rule in definition if '"' in rule or "\\" in rule]
        if bad:
            raise EngineError(f"engine rule names may not hold quotes or backslashes: {bad}")
        rules = {
            rule: {k: v for k, v in body.items() if k != "run"} for rule, body in definition.items()
        }
        rules[SENTINEL] = {"all": [{"m": {"$eq": {_SENTINEL_FIELD: 1}}}]}
        try:
            self._handle: int = _dre.create_ruleset(name, json.dumps(rules, ensure_ascii=False))
        except _dre.error as exc:
            raise EngineError(f"durable_rules rejected the compiled ruleset: {exc}") from exc
        weakref.finalize(self, _dre.delete_ruleset, self._handle)
        self._broken: str | None = None
        self._judged = 0

    def fired(self, fact: dict[str, Any]) -> list[str]:
        """Names of the engine rules whose condition holds for `fact`."""
        if self._broken:
            raise EngineError(self._broken)
        self._judged += 1
        if self._judged == _KEEP_HEAP_AFTER:
            _keep_heap()
        if _SENTINEL_FIELD in fact or "sid" in fact:
            raise EngineError(f"a fact may not hold {_SENTINEL_FIELD!r} or 'sid': they are ours")
        try:
            raw = orjson.dumps(fact)
        except TypeError as exc:
            raise EngineError(f"a fact cannot be given to the engine: {exc}") from exc
        if b"null" in raw and any(_not_finite(v) for v in fact.values()):
            # orjson writes NaN and infinities as null, which no comparison would fail on.
            raise EngineError("a fact cannot be given to the engine: a number is not finite")
        if b"e-" in raw:  # rare: a tiny number (a derived 1e-08), or text holding "e-"
            raw = _positional(fact, raw)
        # The sentinel field and the session id appended to the JSON object as text: a
        # third of the cost of copying the fact into a new dict first.
        encoded = (raw[:-1] + _TAIL if len(raw) > 2 else _TAIL_ONLY).decode()
        handle = self._handle
        names: list[str] = []
        asserted = False
        try:
            code, state = _dre.assert_fact(handle, encoded)
            asserted = True
            if code != _HANDLED:
                raise EngineError(f"the engine did not handle the order's fact (code {code})")
            frame = _dre.start_action_for_state(handle, state)
            message = frame[1] if frame else None
            while message:
                # A frame is {"<rule name>":{"m":{...the fact...}}} and rule names hold no
                # quote, so the name ends at the next quote: no need to decode the fact.
                names.append(message[2 : message.index('"', 2)])
                message = _dre.complete_and_start_action(handle, state)
        except _dre.error as exc:
            raise EngineError(f"durable_rules failed: {exc}") from exc
        finally:
            self._clear(must_exist=asserted)
        if SENTINEL not in names:
            raise EngineError("the engine did not match the order's fact at all")
        # A rule whose match has `$or` fires once per alternative that holds: once here.
        return [name for name in dict.fromkeys(names) if name != SENTINEL]

    def _clear(self, *, must_exist: bool) -> None:
        """Drop the session; a session left behind would leak its fact into the next order."""
        try:
            _dre.delete_state(self._handle, _SID)
        except _dre.error as exc:
            if must_exist:
                self._broken = f"durable_rules could not clear its session: {exc}"
                raise EngineError(self._broken) from exc
