"""The one module that talks to durable_rules.

Usage follows the field notes (shared/notes/durable-rules.md) plus what we measured,
each point covered by tests/test_engine.py:
- one fact per order, asserted alone (never `assert_facts` batches, which drop firings);
- every fact matches a sentinel rule, so every assert is handled: after an unhandled
  assert (`MessageNotHandledException`), `delete_state` segfaults, and skipping it
  leaks the session until `MemoryError`;
- one session id, reused, cleared with `delete_state` after each order: memory stays
  flat and throughput does not decay as it does with a new sid per order;
- an `exception` key in the returned state means an action crashed: raised here, never
  passed silently; a missing sentinel firing means the engine did not see the order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from durable import engine as durable

SENTINEL = "#seen"
_SENTINEL_FIELD = "seen_"
_SID = "order"


class EngineError(RuntimeError):
    """The engine failed on an order: a chipcheck bug, never a verdict."""


class _Host(durable.Host):  # type: ignore[misc]
    """A host without the background dispatch threads.

    The stock host polls every ruleset from timer threads; a poll landing between
    `assert_fact` and its synchronous action dispatch could run our action on another
    thread. Nothing here uses timers or queued events, so the threads are not started.
    """

    def __init__(self, record: Callable[[str], None]) -> None:
        self._record = record
        super().__init__()

    def _run(self) -> None:
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        def action(_closure: Any) -> None:
            self._record(action_name)

        return action


class Engine:
    """A compiled ruleset registered in a host of its own."""

    def __init__(
        self,
        name: str,
        definition: Mapping[str, Any],
        record: Callable[[str], None] | None = None,
    ) -> None:
        self._fired: list[str] = []
        self._name = name
        rules = {rule: dict(body) for rule, body in definition.items()}  # durable edits it
        rules[SENTINEL] = {"all": [{"m": {"$eq": {_SENTINEL_FIELD: 1}}}], "run": SENTINEL}
        self._host = _Host(record or self._fired.append)
        self._host.register_rulesets({name: rules})

    def fired(self, fact: Mapping[str, Any]) -> list[str]:
        """Names of the engine rules whose condition holds for `fact`."""
        self._fired.clear()
        try:
            state = self._host.assert_fact(self._name, {**fact, _SENTINEL_FIELD: 1, "sid": _SID})
        except Exception as exc:
            raise EngineError(f"durable_rules failed: {exc}") from exc
        finally:
            self._host.delete_state(self._name, _SID)
        if state and "exception" in state:
            raise EngineError(f"a rule action raised: {state['exception']}")
        if SENTINEL not in self._fired:
            raise EngineError("the engine did not match the order's fact at all")
        return [name for name in self._fired if name != SENTINEL]
