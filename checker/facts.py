"""The fact vocabulary rules may read, and its derivation from validated orders.

durable_rules compares fields of one flat fact; it cannot sum lines, walk a ledger, count
code points or subtract dates. Those are computed here, once per order, so rule
conditions stay plain comparisons. Every fact is always present (no missing field can
make a condition silently not match); `has_*` facts say whether an optional input was
given.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import operator
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

from checker.formats import ENGINE_EXACT, visible_length
from checker.records import Order, PackMeta


class FactSpec(NamedTuple):
    type: type
    doc: str
    # the largest magnitude a numeric fact can take, so a pack's arithmetic can be
    # proven to stay inside the engine's exact range when it loads
    bound: int = 0
    choices: tuple[str, ...] = ()  # a text fact's every possible value, if closed
    # facts that change with this one, and by how much per unit: adding a domestic unit
    # adds one to total_units (so a fix is computed with them; checker.soundness)
    moves: tuple[tuple[str, int], ...] = ()


# An order has at most 1,000 lines of at most 10**9 units (checker/models.py).
ORDER_UNITS = 1000 * 10**9
DAYS = (dt.date.max - dt.date.min).days


FACTS: dict[str, FactSpec] = {
    "order_id": FactSpec(str, "the order's id"),
    "date": FactSpec(str, "the order date, YYYY-MM-DD"),
    "batch": FactSpec(str, "the licence batch the order draws on"),
    "buyer_name": FactSpec(str, "the buyer name as written in the order"),
    "buyer_uscc": FactSpec(str, "the buyer's USCC"),
    "total_units": FactSpec(int, "units over all lines", bound=ORDER_UNITS),
    "controlled_units": FactSpec(
        int,
        "units of catalog models marked controlled",
        bound=ORDER_UNITS,
        moves=(("total_units", 1), ("buyer_remaining_after", -1)),
    ),
    "domestic_units": FactSpec(
        int,
        "units of catalog models of domestic origin",
        bound=ORDER_UNITS,
        moves=(("total_units", 1),),
    ),
    "unknown_model_count": FactSpec(int, "lines whose model is not in the catalog", bound=1000),
    "unknown_models": FactSpec(str, "unknown models, each with the closest catalog id"),
    "buyer_status": FactSpec(
        str,
        "the buyer's standing for the order's batch by USCC: approved, queued, "
        "not-approved (listed, but not for this batch) or unknown",
        choices=("approved", "queued", "not-approved", "unknown"),
    ),
    "registered_name": FactSpec(str, "the registry name for the buyer's USCC, or ''"),
    "buyer_name_matches": FactSpec(
        bool, "the buyer name equals the registered name or an alias (NFKC, casefold, spaces)"
    ),
    "batch_known": FactSpec(bool, "the batch is in the rule pack"),
    "batch_opens": FactSpec(str, "the batch's first day, or ''"),
    "batch_closes": FactSpec(str, "the batch's last day, or ''"),
    "days_before_open": FactSpec(
        int, "days from the order date to the batch opening (0 if none)", bound=DAYS
    ),
    "days_after_close": FactSpec(
        int, "days from the batch closing to the order date (0 if none)", bound=DAYS
    ),
    "has_allocation": FactSpec(bool, "the buyer has an allocation in the order's batch"),
    "buyer_allocation": FactSpec(
        int, "the buyer's allocation in the batch (0 if none)", bound=ENGINE_EXACT
    ),
    "buyer_used_before": FactSpec(
        int,
        "the buyer's controlled units in this batch in earlier orders (date, order_id)",
        bound=ENGINE_EXACT,
    ),
    "buyer_remaining": FactSpec(
        int, "allocation minus used before, at least 0", bound=ENGINE_EXACT
    ),
    "buyer_remaining_after": FactSpec(
        int, "buyer_remaining minus this order, may be negative", bound=ENGINE_EXACT
    ),
    "batch_cap": FactSpec(
        int, "the batch's cap in controlled units (0 if unknown batch)", bound=ENGINE_EXACT
    ),
    "batch_used_before": FactSpec(
        int,
        "controlled units of all approved buyers in this batch in earlier orders",
        bound=ENGINE_EXACT,
    ),
    "batch_remaining": FactSpec(int, "cap minus batch used before, at least 0", bound=ENGINE_EXACT),
    "has_justification": FactSpec(bool, "the order has a justification"),
    "purpose_chars": FactSpec(
        int,
        "length of the purpose in code points, trimmed, without Cf characters (0 if none)",
        bound=5000,
    ),
    "site_chars": FactSpec(
        int,
        "length of the site in code points, trimmed, without Cf characters (0 if none)",
        bound=500,
    ),
    "has_needed_by": FactSpec(bool, "the justification gives needed_by"),
    "needed_by": FactSpec(str, "needed_by, YYYY-MM-DD, or ''"),
    "days_until_needed": FactSpec(
        int, "days from the order date to needed_by (0 if none)", bound=DAYS
    ),
    "has_utilization": FactSpec(bool, "the justification gives utilization"),
    "utilization": FactSpec(float, "share of installed accelerators in use (0.0 if none)", bound=1),
}


@functools.lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """NFKC, case folding and collapsed whitespace: nothing looser (no homoglyph folding)."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def closest(word: str, choices: Sequence[str]) -> str:
    """The most similar choice; there is always one, so a message can always name it."""
    return max(choices, key=lambda c: (difflib.SequenceMatcher(None, word, c).ratio(), c))


# Facts that depend on earlier orders in the set (the quota ledger); all others depend on
# the order alone, so they can be derived as each file is read and the order dropped.
LEDGER_FACTS = (
    "buyer_used_before",
    "buyer_remaining",
    "buyer_remaining_after",
    "batch_used_before",
    "batch_remaining",
)
LOCAL_FACTS = tuple(name for name in FACTS if name not in LEDGER_FACTS)
Local = tuple[Any, ...]  # an order's LOCAL_FACTS values, in that order
_ALL_FACTS = LOCAL_FACTS + LEDGER_FACTS
_local_values = operator.itemgetter(*LOCAL_FACTS)
_DATE, _ORDER_ID, _BATCH, _USCC, _CONTROLLED, _HAS_ALLOCATION, _ALLOCATION, _CAP = (
    LOCAL_FACTS.index(name)
    for name in (
        "date",
        "order_id",
        "batch",
        "buyer_uscc",
        "controlled_units",
        "has_allocation",
        "buyer_allocation",
        "batch_cap",
    )
)


class Deriver:
    """Derives facts for a set of orders against one pack's reference data.

    In two steps, so a large set need not be held as parsed orders: `local` reduces
    each order to a tuple of the facts it determines alone (about a tenth of the
    order's size), `facts` adds the quota ledger once the whole set is known.
    """

    def __init__(self, meta: PackMeta) -> None:
        self.meta = meta
        self._entities = {e.uscc: e for e in meta.entities}
        self._names = {
            e.uscc: {normalise_name(n) for n in (e.name, *e.aliases)} for e in meta.entities
        }
        self._catalog_ids = sorted(meta.catalog)
        self._batch_days = {
            name: (b.opens.isoformat(), b.closes.isoformat()) for name, b in meta.batches.items()
        }

    def facts(self, local: Local, used: tuple[int, int]) -> dict[str, Any]:
        """All facts of an order, from its local facts and its ledger entry."""
        buyer_used, batch_used = used
        buyer_remaining = max(0, local[_ALLOCATION] - buyer_used)
        ledger_values = (
            buyer_used,
            buyer_remaining,
            buyer_remaining - local[_CONTROLLED],
            batch_used,
            max(0, local[_CAP] - batch_used),
        )
        return dict(zip(_ALL_FACTS, local + ledger_values, strict=True))

    def local(self, order: Order) -> Local:
        """The facts an order determines alone, as a tuple aligned with LOCAL_FACTS."""
        catalog = self.meta.catalog
        unknown: list[str] = []
        total = controlled = domestic = 0
        for line in order.lines:  # one pass: this runs for every order
            units = line.units
            total += units
            chip = catalog.get(line.model)
            if chip is None:
                unknown.append(line.model)
                continue
            if chip.controlled:
                controlled += units
            if chip.origin == "domestic":
                domestic += units
        entity = self._entities.get(order.buyer.uscc)
        standing = entity.batches.get(order.batch) if entity else None
        if entity is None:
            status = "unknown"
        elif standing is None:
            status = "not-approved"
        else:
            status = standing.status
        batch = self.meta.batches.get(order.batch)
        opens, closes = self._batch_days.get(order.batch, ("", ""))
        allocation = standing.allocation if standing is not None and batch is not None else None
        just = order.justification
        needed_by = just.needed_by if just else None
        utilization = just.utilization if just else None
        values = {
            "order_id": order.order_id,
            "date": order.date.isoformat(),
            "batch": order.batch,
            "buyer_name": order.buyer.name,
            "buyer_uscc": order.buyer.uscc,
            "total_units": total,
            "controlled_units": controlled,
            "domestic_units": domestic,
            "unknown_model_count": len(unknown),
            "unknown_models": ", ".join(
                f"{m} (closest: {closest(m, self._catalog_ids)})" for m in dict.fromkeys(unknown)
            ),
            "buyer_status": status,
            "registered_name": entity.name if entity else "",
            "buyer_name_matches": entity is not None
            and normalise_name(order.buyer.name) in self._names[entity.uscc],
            "batch_known": batch is not None,
            "batch_opens": opens,
            "batch_closes": closes,
            "days_before_open": max(0, (batch.opens - order.date).days) if batch else 0,
            "days_after_close": max(0, (order.date - batch.closes).days) if batch else 0,
            "has_allocation": allocation is not None,
            "buyer_allocation": allocation or 0,
            "batch_cap": batch.cap if batch else 0,
            "has_justification": just is not None,
            "purpose_chars": visible_length(just.purpose) if just and just.purpose else 0,
            "site_chars": visible_length(just.site) if just and just.site else 0,
            "has_needed_by": needed_by is not None,
            "needed_by": needed_by.isoformat() if needed_by else "",
            "days_until_needed": (needed_by - order.date).days if needed_by else 0,
            "has_utilization": utilization is not None,
            # + 0.0 turns -0.0 into 0.0: equal as numbers, they must be one fact, or a
            # result remembered for one would be reported for the other.
            "utilization": float(utilization) + 0.0 if utilization is not None else 0.0,
        }
        local: Local = _local_values(values)
        return local


def ledger(locals_: Sequence[Local]) -> list[tuple[int, int]]:
    """Per order: the buyer's and the batch's controlled units in earlier orders.

    The ledger runs in (date, order_id) order and counts every order whose buyer has
    an allocation in its batch, whatever that order's other results.
    """
    used: list[tuple[int, int]] = [(0, 0)] * len(locals_)
    by_buyer: dict[tuple[str, str], int] = defaultdict(int)
    by_batch: dict[str, int] = defaultdict(int)
    for index in sorted(
        range(len(locals_)), key=lambda i: (locals_[i][_DATE], locals_[i][_ORDER_ID])
    ):
        local = locals_[index]
        buyer = (local[_BATCH], local[_USCC])
        used[index] = (by_buyer[buyer], by_batch[local[_BATCH]])
        if local[_HAS_ALLOCATION]:
            by_buyer[buyer] += local[_CONTROLLED]
            by_batch[local[_BATCH]] += local[_CONTROLLED]
    return used
