"""Reading a set of order files: each parsed, validated and reduced to its local facts
and the positions a report may point at, by worker processes for large sets; files
that cannot be read, and orders sharing an id, become error results.

What is kept of an order is small (a tuple of facts, a few marks), so 100,000 files fit
in memory at once: the ledgers need the whole set before anything is judged.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from checker.core.problems import Problem, ReadError
from checker.core.results import OrderResult
from checker.judge.facts import Deriver
from checker.judge.ledgers import Local
from checker.pack.vocabulary import Locator
from checker.schema.declared import Extras, Places, validate_declared
from checker.schema.records import Order
from checker.source.documents import Document, Mark, read_document
from checker.source.locating import position

if TYPE_CHECKING:
    from concurrent.futures import Executor

PARALLEL_FILES = 3000
MAX_READERS = 8
Tick = Callable[[], None]


class Reader:
    """Reads order files for one pack: validated with its declared fields, reduced to
    the local facts its deriver gives, with the position of each judged fact."""

    def __init__(
        self,
        places: Places,
        deriver: Deriver,
        locators: dict[str, Locator],
        judged: tuple[str, ...],
    ) -> None:
        self._places = places
        self._deriver = deriver
        self._locators = locators
        self._judged = judged

    def read(self, files: list[Path], jobs: int) -> Iterator[_Read]:
        """Each file read, in order: here, or by `jobs` forked worker processes.

        Parsing and validating is most of the work per file and needs nothing from the
        other files, so it spreads over CPUs. The workers are forked here, before any
        progress bar thread starts, send back only the compact records, and exit once
        the last file is read.
        """
        if jobs < 2 or len(files) < 2:
            return map(self.read_file, files)
        import multiprocessing  # here: about 10 ms of imports that small runs skip
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("fork")
        chunk = max(1, min(500, len(files) // (jobs * 4)))
        pool = ProcessPoolExecutor(jobs, context, _start_worker, (self,))
        return _draining(pool, lambda: pool.map(_read_in_worker, files, chunksize=chunk))

    def load(
        self,
        paths: Iterable[Path],
        read: Iterable[_Read],
        missing: list[Problem],
        tick: Tick | None,
    ) -> tuple[list[Loaded], list[OrderResult]]:
        """The valid, uniquely identified orders, and an error result for every other file."""
        errors: list[OrderResult] = [
            OrderResult(p.file, None, "error", errors=(p,)) for p in missing
        ]
        loaded: list[Loaded] = []
        shared = _Shared()
        for item in read:
            if tick:
                tick()
            if isinstance(item, OrderResult):
                errors.append(item)
            else:
                file, order_id, id_mark, marks, local = item
                loaded.append(
                    Loaded(
                        file,
                        order_id,
                        id_mark,
                        shared.marks(marks),
                        tuple(map(shared.value, local)),
                    )
                )
        if not loaded and not errors:
            where = ", ".join(p.as_posix() for p in paths) or "."
            problem = Problem(where, None, None, "no order files (*.yaml, *.yml, *.json) found")
            errors.append(OrderResult(where, None, "error", errors=(problem,)))
        loaded, duplicates = _split_duplicates(loaded)
        return loaded, errors + duplicates

    def read_file(self, path: Path) -> _Read:
        """One file as an error result, or a valid order's record: file, order_id, the
        order_id's position, the marks and the local facts (a plain tuple, which a
        worker process pickles twice as fast as a dataclass)."""
        doc = read_document(path)
        found = doc if isinstance(doc, list) else validate_declared(Order, doc, self._places)
        if isinstance(found, list):
            order_id = (
                doc.data.get("order_id")
                if isinstance(doc, Document) and isinstance(doc.data, dict)
                else None
            )
            return OrderResult(
                path.as_posix(),
                order_id if isinstance(order_id, str) else None,
                "error",
                errors=tuple(found),
            )
        assert isinstance(doc, Document)
        order, extras = found
        return (
            doc.file,
            order.order_id,
            doc.locate(("order_id",)) or (1, 1),
            self._marks(doc, order, extras),
            self._deriver.local(order, extras),
        )

    def _marks(self, doc: Document, order: Order, extras: Extras) -> tuple[Mark, ...]:
        """Where each judged fact's field is, so the parsed document need not be kept.

        A document keys the position of every value by its path, about 8 KB an order;
        keeping these few marks instead took 20,000 files from 377 to 241 MB peak RSS.
        """
        locators = self._locators
        return tuple(position(doc, locators[fact](order, extras)) for fact in self._judged)


class _Shared:
    """One copy of each equal string and position kept for a set of orders.

    Dates, batches, buyers and field positions repeat from order to order; sharing
    them took the kept record of an order from about 1.7 to about 0.75 KB.
    """

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._marks: dict[tuple[Mark, ...], tuple[Mark, ...]] = {}
        self._mark: dict[Mark, Mark] = {}

    def value(self, value: Any) -> Any:
        return self._strings.setdefault(value, value) if type(value) is str else value

    def marks(self, marks: tuple[Mark, ...]) -> tuple[Mark, ...]:
        found = self._marks.get(marks)
        if found is None:
            found = self._marks[marks] = tuple(self._mark.setdefault(m, m) for m in marks)
        return found


def default_jobs(files: int) -> int:
    """Worker processes for reading `files` files: one per CPU for large sets on Linux.

    Forking costs about 20 ms and each record about 10 us of pickling; on 2 cores,
    two readers against one (median of per-round ratios, runs in turn) took x0.97 the
    time for 2,000 files, x0.90 for 5,000 and x0.80 for 20,000. Elsewhere than Linux,
    fork is unsafe or missing and one process reads. A reader spends about 100 us a
    file and the parent about 10 us taking its record, so beyond MAX_READERS more
    readers (about 40 MB each) would wait on the parent (estimated, not measured on
    more than 2 cores).
    """
    if files < PARALLEL_FILES or not sys.platform.startswith("linux"):
        return 1
    return min(len(os.sched_getaffinity(0)), MAX_READERS)


_worker: Reader | None = None


def _start_worker(reader: Reader) -> None:
    global _worker
    _worker = reader
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _draining(pool: Executor, submit: Callable[[], Iterator[_Read]]) -> Iterator[_Read]:
    """The workers' records in file order; a worker that dies is a ReadError, whether
    it dies while the jobs are still being submitted or while they are drained."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        yield from submit()
    except BrokenProcessPool as exc:
        raise ReadError(
            f"a process reading order files ended abruptly ({exc}); "
            "if memory is short, retry with --jobs 1"
        ) from None
    finally:
        pool.shutdown(cancel_futures=True)


def _read_in_worker(path: Path) -> _Read:
    assert _worker is not None
    return _worker.read_file(path)


class Loaded(NamedTuple):
    """A valid order, reduced to its local facts and the positions a report may point at."""

    file: str
    order_id: str
    id_mark: Mark  # the order_id value, for duplicate ids
    marks: tuple[Mark, ...]  # aligned with Checker._judged
    local: Local


_Read = OrderResult | tuple[str, str, Mark, tuple[Mark, ...], Local]


def _split_duplicates(loaded: list[Loaded]) -> tuple[list[Loaded], list[OrderResult]]:
    """Orders whose order_id is unique ignoring letter case, and errors for every file
    sharing one (SPEC 1: `BD-1` and `bd-1` name the same order to a reader)."""
    by_id: dict[str, list[Loaded]] = defaultdict(list)
    for item in loaded:
        by_id[item.order_id.lower()].append(item)
    unique = [item for item in loaded if len(by_id[item.order_id.lower()]) == 1]
    errors = []
    for items in by_id.values():
        if len(items) < 2:
            continue
        for item in items:
            others = ", ".join(
                f"{o.file}:{o.id_mark[0]}:{o.id_mark[1]}"
                + (f" (as {o.order_id})" if o.order_id != item.order_id else "")
                for o in items
                if o is not item
            )
            message = (
                f"order_id {item.order_id} is also used by {others} "
                "(ids are compared ignoring letter case): give each order its own id"
            )
            problem = Problem(item.file, *item.id_mark, message)
            errors.append(OrderResult(item.file, item.order_id, "error", errors=(problem,)))
    return unique, errors
