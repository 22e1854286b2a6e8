"""Judging a set of orders: local facts -> ledgers -> engine -> results.

Data flows one way: checker.judge.reading turns files into each order's local facts (or
errors), the ledgers complete them for the whole set, the engine decides which checks
fire, explaining words the outcome.
"""

from __future__ import annotations

import gc
import heapq
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from checker.core.problems import Problem
from checker.engine.compiling import PERIOD, SKIP, compile_pack, engine_rule_name
from checker.engine.rulesets import Engine, EngineError
from checker.judge.facts import Deriver
from checker.judge.ledgers import Local, Used
from checker.judge.reading import Loaded, Reader, Tick, default_jobs
from checker.judge.wording import explain_check
from checker.lang.templates import Template
from checker.lang.tree import names_of
from checker.pack.rulepack import PackRule, RulePack
from checker.pack.vocabulary import LEDGER_EXACT
from checker.schema.declared import Extras
from checker.schema.records import Order
from checker.source.documents import discover

if TYPE_CHECKING:
    from checker.judge.waiving import WaiverSet
from checker.core.results import (
    OrderResult,
    PackInfo,
    Report,
    RuleInfo,
    RuleResult,
    Status,
    Verdict,
    Words,
)

MEMO_SIZE = 1024  # results, and wordings, remembered per rule (a few MB at most)
SKIP_MARK = -1  # a rule's skip condition held; sorts before its check indices
PERIOD_MARK = -2  # the order is dated outside the rule's effective period; sorts first
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

    def __init__(
        self, pack: RulePack, *, enforce_proposed: bool = False, waivers: WaiverSet | None = None
    ) -> None:
        self.pack = pack
        self.enforce_proposed = enforce_proposed
        self.waivers = waivers
        compiled = compile_pack(pack)
        self._read = compiled.read
        self._derived = tuple((d.name, d.function()) for d in compiled.derived)
        self._engines = tuple(Engine(name, definition) for name, definition in compiled.rulesets)
        self._deriver = Deriver(pack.meta, pack.vocabulary, pack.attrs)
        self._judged = tuple(dict.fromkeys(c.judged for r in pack.rules for c in r.checks))
        self._judged_index = {fact: i for i, fact in enumerate(self._judged)}
        self._rules = tuple(
            _RuleJudge(
                r,
                "warn" if r.rule.status == "proposed" and not enforce_proposed else "fail",
                pack.vocabulary.facts,
            )
            for r in pack.rules
        )
        # engine rule name -> (rule index, check index, or SKIP_MARK for the skip rule)
        self._owner: dict[str, tuple[int, int]] = {}
        for index, r in enumerate(pack.rules):
            if r.skip is not None:
                self._owner[engine_rule_name(r.rule.id, SKIP)] = (index, SKIP_MARK)
            if r.period is not None:
                self._owner[engine_rule_name(r.rule.id, PERIOD)] = (index, PERIOD_MARK)
            for check in range(len(r.checks)):
                self._owner[engine_rule_name(r.rule.id, check)] = (index, check)
        self._read_values = _values_of(self._read)
        self._places = pack.order_places
        self._reader = Reader(
            pack.order_places, self._deriver, pack.vocabulary.locators, self._judged
        )

    @property
    def deriver(self) -> Deriver:
        return self._deriver

    @property
    def info(self) -> PackInfo:
        rules = tuple(
            RuleInfo(r.id, r.title, r.status, r.source, r.description.strip())
            for r in (p.rule for p in self.pack.rules)
        )
        waivers = self.waivers.info if self.waivers is not None else None
        return PackInfo(self.pack.name, self.pack.version, self.pack.sha256, rules, waivers)

    def evaluate(
        self,
        orders: Sequence[Order],
        tick: Tick | None = None,
        extras: Sequence[Extras] | None = None,
    ) -> list[tuple[RuleResult, ...] | EngineError | LedgerRangeError]:
        """Results of every rule for each order, judged together (ledgers are
        cumulative); `extras` are each order's declared fields, if the pack has any."""
        with _gc_paused():
            given = extras or [{}] * len(orders)
            locals_ = [self._deriver.local(o, x) for o, x in zip(orders, given, strict=True)]
            outcomes = []
            for local, used in zip(locals_, self._deriver.ledger(locals_), strict=True):
                if tick:
                    tick()
                outcomes.append(self.judge(local, used))
            return outcomes

    def evaluate_documents(
        self, documents: Sequence[Mapping[str, Any]]
    ) -> list[tuple[RuleResult, ...] | EngineError | LedgerRangeError]:
        """`evaluate` for plain order documents (generated ones): each is validated,
        its declared fields taken out first. Raises ValueError for an invalid one."""
        from checker.schema.declared import order_records

        orders, extras = order_records(self._places, documents)
        return self.evaluate(orders, extras=extras)

    def judge(
        self, local: Local, used: Used
    ) -> tuple[RuleResult, ...] | EngineError | LedgerRangeError:
        """Every rule's result for one order, given what earlier orders used of each
        ledger (checker.proof confirms its orders so)."""
        for ledger, before in zip(self.pack.vocabulary.ledgers, used, strict=True):
            if abs(before) > LEDGER_EXACT:
                return LedgerRangeError(
                    f"the orders before this one in ledger {ledger.name} already add up to "
                    f"{before:,} {ledger.amount}, more than a ledger holds ({LEDGER_EXACT:,}, "
                    "2^51, so that sums with it stay exact in the engine): no real limit is "
                    "that large; check the amounts of these orders"
                )
        try:
            facts, fired = self.fired(local, used)
        except EngineError as exc:
            return exc
        marks: dict[int, list[int]] = {}
        for name in fired:
            rule, mark = self._owner[name]
            marks.setdefault(rule, []).append(mark)
        results = tuple(
            judge.result(facts, tuple(sorted(marks[index])) if index in marks else ())
            for index, judge in enumerate(self._rules)
        )
        return results if self.waivers is None else self.waivers.apply(results, facts)

    def fired(self, local: Local, used: Used) -> tuple[Mapping[str, Any], list[str]]:
        """An order's facts, and the engine rules (checker.engine.compiling's names) that
        fired on them: the engine's whole verdict, before it is worded."""
        facts = self._deriver.facts(local, used)
        fact = dict(zip(self._read, self._read_values(facts), strict=True))
        for name, value in self._derived:
            fact[name] = value(facts)
        return facts, [name for engine in self._engines for name in engine.fired(fact)]

    def check_paths(
        self,
        paths: Iterable[Path],
        progress: Progress | None = None,
        jobs: int | None = None,
        skip: frozenset[Path] = frozenset(),
    ) -> Report:
        """Check every order file under `paths` as one set, keeping every result."""
        return Report(self.info, tuple(self.results(paths, progress, jobs, skip)))

    def results(
        self,
        paths: Iterable[Path],
        progress: Progress | None = None,
        jobs: int | None = None,
        skip: frozenset[Path] = frozenset(),
        keep: list[Loaded] | None = None,
    ) -> Iterator[OrderResult]:
        """Check every order file under `paths` as one set; results one at a time, by file.

        Every file is read first (the quota ledger needs the whole set), keeping each
        order only as its local facts; the rules are then run as results are taken, so
        a caller that writes and drops each result holds one at a time: 100,000 orders
        in a fraction of the memory of a Report. `progress(steps)` may return a tick to
        call per step (each file read, each order judged), e.g. for a progress bar.
        `jobs` processes read the files (default: one per CPU for large sets). Files
        in `skip` (resolved paths: the waivers file) are not orders. `keep`, if given,
        receives every valid order's local facts (for the ledger view).
        """
        files, missing = discover(paths)
        if skip:
            files = [f for f in files if f.resolve() not in skip]
        with _gc_paused():
            read = self._reader.read(files, default_jobs(len(files)) if jobs is None else jobs)
            with (progress or _no_progress)(2 * len(files)) as tick:
                loaded, errors = self._reader.load(paths, read, missing, tick)
                if keep is not None:
                    keep.extend(loaded)
                pending = sorted(
                    zip(loaded, self._deriver.ledger([item.local for item in loaded]), strict=True),
                    key=lambda pair: pair[0].file,
                )
                del loaded
                checked = (self._order_result(item, used, tick) for item, used in pending)
                yield from heapq.merge(checked, sorted(errors, key=_by_file), key=_by_file)

    def _order_result(self, item: Loaded, used: Used, tick: Tick | None) -> OrderResult:
        if tick:
            tick()
        outcome = self.judge(item.local, used)
        if isinstance(outcome, EngineError):
            raise outcome  # a bug, not a verdict: the run ends with exit 3
        if isinstance(outcome, LedgerRangeError):
            problem = Problem(item.file, *item.id_mark, str(outcome))
            return OrderResult(item.file, item.order_id, "error", errors=(problem,))
        located = tuple(
            self._locate(item, pack_rule, result)
            for pack_rule, result in zip(self.pack.rules, outcome, strict=True)
        )
        verdict: Verdict = "fail" if any(r.status == "fail" for r in located) else "pass"
        return OrderResult(item.file, item.order_id, verdict, located)

    def _locate(self, item: Loaded, pack_rule: PackRule, result: RuleResult) -> RuleResult:
        if not result.failed:
            return result
        fact = pack_rule.checks[result.failed[0]].judged
        line, column = item.marks[self._judged_index[fact]]
        return result._replace(line=line, column=column)


class LedgerRangeError(ValueError):
    """The quota ledger left the range the engine computes exactly: an input error."""


class _RuleJudge:
    """One rule's results from the engine's firings, remembered for repeated inputs.

    A rule's outcome is given by its marks: which of its engine rules fired (check
    indices, SKIP_MARK first). Its status follows from the marks alone; its result is a
    function of the marks and the facts it shows; its words, of the marks and the facts
    that outcome's messages read, which are fewer (a pass message does not name the
    order date). Orders repeat most of those (the same buyer, batch and model mix), so
    each distinct input has one Words, worded only if a report reads it. Both memories
    are bounded: they start over when one holds MEMO_SIZE entries.
    """

    def __init__(self, rule: PackRule, fail: Status, facts: Mapping[str, object]) -> None:
        self.rule = rule
        self.fail = fail
        self.facts = facts
        self.shown = _values_of(rule.facts)
        self.results: dict[tuple[Any, ...], RuleResult] = {}
        self.wordings: dict[tuple[Any, ...], Words] = {}
        self.reads: dict[
            tuple[int, ...], tuple[tuple[str, ...], Callable[[Mapping[str, Any]], tuple[Any, ...]]]
        ] = {}
        skips = ((PERIOD_MARK, rule.period_message), (SKIP_MARK, rule.skip_message))
        self.skips = {mark: template for mark, template in skips if template is not None}

    def result(self, facts: Mapping[str, Any], marks: tuple[int, ...]) -> RuleResult:
        key = (marks, self.shown(facts))
        found = self.results.get(key)
        if found is None:
            if len(self.results) >= MEMO_SIZE or len(self.wordings) >= MEMO_SIZE:
                self.results.clear()
                self.wordings.clear()
            skipped = self._skipped(marks) is not None
            status: Status = "skip" if skipped else self.fail if marks else "pass"
            shown = MappingProxyType(dict(zip(self.rule.facts, key[1], strict=True)))
            words = self._words(facts, marks)
            found = RuleResult(self.rule.rule.id, status, words, shown, () if skipped else marks)
            self.results[key] = found
        return found

    def _words(self, facts: Mapping[str, Any], marks: tuple[int, ...]) -> Words:
        reads = self.reads.get(marks)
        if reads is None:
            names = self._read_by(marks)
            reads = self.reads[marks] = (names, _values_of(names))
        names, values_of = reads
        values = values_of(facts)
        key = (marks, values)
        found = self.wordings.get(key)
        if found is None:
            found = self.wordings[key] = Words(partial(self._word, names, values, marks))
        return found

    def _skipped(self, marks: tuple[int, ...]) -> Template | None:
        """The message of a skip outcome, or None: marks sort the period, then the skip
        condition, before any check."""
        return self.skips.get(marks[0]) if marks else None

    def _read_by(self, marks: tuple[int, ...]) -> tuple[str, ...]:
        """Facts the messages of an outcome read, fix values included: the words are
        made of these alone."""
        pack_rule = self.rule
        if skipped := self._skipped(marks):
            return skipped.fields
        if not marks:
            return pack_rule.pass_message.fields
        read = list(pack_rule.message.fields)
        for index in marks:
            check = pack_rule.checks[index]
            if check.fix:
                read += [check.fix.fact, *names_of(check.fix.right)]
            read += [f for f in check.message.fields if f in self.facts]
        return tuple(dict.fromkeys(read))

    def _word(self, names: tuple[str, ...], values: tuple[Any, ...], marks: tuple[int, ...]) -> str:
        """The words of an outcome, from the facts its messages read (and no others)."""
        pack_rule = self.rule
        facts = dict(zip(names, values, strict=True))
        if skipped := self._skipped(marks):
            return skipped.render(facts)
        if not marks:
            return pack_rule.pass_message.render(facts)
        details = "; ".join(explain_check(pack_rule.checks[i], facts) for i in marks)
        return f"{pack_rule.message.render(facts)}: {details}"


def _values_of(names: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A function taking the values of `names` from a mapping, as a tuple (a C call)."""
    if len(names) == 1:
        (name,) = names
        return lambda mapping: (mapping[name],)
    if not names:
        return lambda _: ()
    return operator.itemgetter(*names)


def _by_file(result: OrderResult) -> str:
    return result.file
