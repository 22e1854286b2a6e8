"""The check pipeline: files -> validated orders -> facts -> engine -> results.

Data flows one way: loading and validation produce orders or problems, facts are
derived for the valid set, the engine decides, explaining words the outcome.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from checker.compiling import SKIP, compile_pack, engine_rule_name
from checker.engine import Engine, EngineError
from checker.explaining import explain_check
from checker.facts import Deriver
from checker.loading import Document, Mark, discover, read_document
from checker.locating import field_of, position
from checker.models import Order
from checker.problems import Problem
from checker.results import (
    OrderResult,
    PackInfo,
    Report,
    RuleInfo,
    RuleResult,
    Status,
    Verdict,
)
from checker.rulepack import PackRule, RulePack
from checker.validation import validate

Tick = Callable[[], None]
Progress = Callable[[int], AbstractContextManager[Tick | None]]


@contextmanager
def _no_progress(_steps: int) -> Iterator[None]:
    yield None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a check builds its (acyclic) data.

    Every few hundred allocations it rescans all live objects, which grow with the
    order count: 100,000 files took 5.65 times as long as 20,000 instead of 5. Reference
    counting still frees everything; nothing a check builds is a cycle.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Checker:
    """A pack compiled once, ready to judge any number of order sets."""

    def __init__(self, pack: RulePack, *, enforce_proposed: bool = False) -> None:
        self.pack = pack
        self.enforce_proposed = enforce_proposed
        name, definition, self._read = compile_pack(pack)
        self._engine = Engine(name, definition)
        self._deriver = Deriver(pack.meta)
        self._judged = tuple(
            dict.fromkeys(c.condition[-1].fact for r in pack.rules for c in r.checks)
        )
        self._judged_index = {fact: i for i, fact in enumerate(self._judged)}
        self._names = [
            (
                engine_rule_name(r.rule.id, SKIP),
                [engine_rule_name(r.rule.id, i) for i in range(len(r.checks))],
            )
            for r in pack.rules
        ]

    @property
    def info(self) -> PackInfo:
        rules = tuple(
            RuleInfo(r.id, r.title, r.status, r.source, r.description.strip())
            for r in (p.rule for p in self.pack.rules)
        )
        return PackInfo(self.pack.name, self.pack.version, self.pack.sha256, rules)

    def evaluate(
        self, orders: Sequence[Order], tick: Tick | None = None
    ) -> list[tuple[RuleResult, ...] | EngineError]:
        """Results of every rule for each order, judged together (quotas are cumulative)."""
        with _gc_paused():
            return self._evaluate(orders, tick)

    def _evaluate(
        self, orders: Sequence[Order], tick: Tick | None
    ) -> list[tuple[RuleResult, ...] | EngineError]:
        outcomes: list[tuple[RuleResult, ...] | EngineError] = []
        for facts in self._deriver.derive(orders):
            if tick:
                tick()
            try:
                fired = set(self._engine.fired({k: facts[k] for k in self._read}))
            except EngineError as exc:
                outcomes.append(exc)
                continue
            outcomes.append(
                tuple(
                    self._result(rule, facts, fired, skip, checks)
                    for rule, (skip, checks) in zip(self.pack.rules, self._names, strict=True)
                )
            )
        return outcomes

    def _result(
        self,
        pack_rule: PackRule,
        facts: Mapping[str, Any],
        fired: set[str],
        skip: str,
        checks: list[str],
    ) -> RuleResult:
        rule = pack_rule.rule
        shown = {name: facts[name] for name in pack_rule.facts}
        if skip in fired:
            assert pack_rule.skip_message is not None
            return RuleResult(rule.id, "skip", pack_rule.skip_message.render(facts), shown)
        failed = tuple(i for i, name in enumerate(checks) if name in fired)
        if not failed:
            return RuleResult(rule.id, "pass", pack_rule.pass_message.render(facts), shown)
        status: Status = (
            "warn" if rule.status == "proposed" and not self.enforce_proposed else "fail"
        )
        details = "; ".join(explain_check(pack_rule.checks[i], facts) for i in failed)
        message = f"{pack_rule.message.render(facts)}: {details}"
        return RuleResult(rule.id, status, message, shown, failed)

    def check_paths(self, paths: Iterable[Path], progress: Progress | None = None) -> Report:
        """Check every order file under `paths` as one set.

        `progress(steps)` may return a tick to call per step (each file read, each order
        judged), e.g. for a progress bar.
        """
        files, missing = discover(paths)
        with _gc_paused(), (progress or _no_progress)(2 * len(files)) as tick:
            return self._check_files(paths, files, missing, tick)

    def _check_files(
        self, paths: Iterable[Path], files: list[Path], missing: list[Problem], tick: Tick | None
    ) -> Report:
        errors: list[OrderResult] = [
            OrderResult(p.file, None, "error", errors=(p,)) for p in missing
        ]
        if not files and not missing:
            where = ", ".join(p.as_posix() for p in paths) or "."
            problem = Problem(where, None, None, "no order files (*.yaml, *.yml, *.json) found")
            errors.append(OrderResult(where, None, "error", errors=(problem,)))
        loaded: list[_Loaded] = []
        for path in files:
            if tick:
                tick()
            doc = read_document(path)
            order = doc if isinstance(doc, list) else validate(Order, doc)
            if isinstance(order, list):
                order_id = (
                    doc.data.get("order_id")
                    if isinstance(doc, Document) and isinstance(doc.data, dict)
                    else None
                )
                errors.append(
                    OrderResult(
                        path.as_posix(),
                        order_id if isinstance(order_id, str) else None,
                        "error",
                        errors=tuple(order),
                    )
                )
            else:
                assert isinstance(doc, Document)
                id_mark = doc.locate(("order_id",)) or (1, 1)
                loaded.append(_Loaded(doc.file, order, id_mark, self._marks(doc, order)))
        loaded, duplicates = _split_duplicates(loaded)
        errors += duplicates
        outcomes = self.evaluate([item.order for item in loaded], tick)
        checked = [
            self._order_result(item, outcome)
            for item, outcome in zip(loaded, outcomes, strict=True)
        ]
        return Report(self.info, tuple(sorted(checked + errors, key=lambda o: o.file)))

    def _marks(self, doc: Document, order: Order) -> tuple[Mark, ...]:
        """Where each judged fact's field is, so the parsed document need not be kept.

        A document keys the position of every value by its path, about 8 KB an order;
        keeping these few marks instead took 20,000 files from 377 to 241 MB peak RSS.
        """
        meta = self.pack.meta
        return tuple(position(doc, field_of(fact, meta, order)) for fact in self._judged)

    def _order_result(
        self, item: _Loaded, outcome: tuple[RuleResult, ...] | EngineError
    ) -> OrderResult:
        if isinstance(outcome, EngineError):
            problem = Problem(item.file, None, None, f"internal error, please report it: {outcome}")
            return OrderResult(item.file, item.order.order_id, "error", errors=(problem,))
        located = tuple(
            self._locate(item, pack_rule, result)
            for pack_rule, result in zip(self.pack.rules, outcome, strict=True)
        )
        verdict: Verdict = "fail" if any(r.status == "fail" for r in located) else "pass"
        return OrderResult(item.file, item.order.order_id, verdict, located)

    def _locate(self, item: _Loaded, pack_rule: PackRule, result: RuleResult) -> RuleResult:
        if not result.failed:
            return result
        fact = pack_rule.checks[result.failed[0]].condition[-1].fact
        line, column = item.marks[self._judged_index[fact]]
        return replace(result, line=line, column=column)


@dataclass(frozen=True, slots=True)
class _Loaded:
    """A valid order and the positions a report may point at."""

    file: str
    order: Order
    id_mark: Mark  # the order_id value, for duplicate ids
    marks: tuple[Mark, ...]  # aligned with Checker._judged


def _split_duplicates(loaded: list[_Loaded]) -> tuple[list[_Loaded], list[OrderResult]]:
    """Orders whose order_id is unique, and errors for every file sharing an id."""
    by_id: dict[str, list[_Loaded]] = defaultdict(list)
    for item in loaded:
        by_id[item.order.order_id].append(item)
    unique = [item for item in loaded if len(by_id[item.order.order_id]) == 1]
    errors = []
    for order_id, items in by_id.items():
        if len(items) < 2:
            continue
        for item in items:
            others = ", ".join(
                f"{o.file}:{o.id_mark[0]}:{o.id_mark[1]}" for o in items if o is not item
            )
            message = f"order_id {order_id} is also used by {others}: give each order its own id"
            problem = Problem(item.file, *item.id_mark, message)
            errors.append(OrderResult(item.file, order_id, "error", errors=(problem,)))
    return unique, errors
