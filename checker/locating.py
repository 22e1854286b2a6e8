"""Where a rule result points in its order file: the field its failing check judged.

SARIF and GitHub annotations show a result at a line, so a quota failure should point
at the `units` of the controlled line, a wrong name at `buyer.name`. The judged fact of
the first failing check is its fix fact (`has_justification == true and purpose_chars
< ...` judges `purpose_chars`), else the first fact of its last top-level conjunct;
each fact maps to the field it comes from. A field the order lacks points at its
nearest present parent, else line 1.
"""

from __future__ import annotations

from collections.abc import Callable

from checker.loading import Document, Loc, Mark
from checker.records import Order, PackMeta


def _controlled_line(meta: PackMeta, order: Order) -> Loc:
    """The largest controlled line's units: the line to cut when a quota is exceeded."""
    lines = [
        (line.units, i)
        for i, line in enumerate(order.lines)
        if (chip := meta.catalog.get(line.model)) and chip.controlled
    ]
    return ("lines", max(lines)[1], "units") if lines else ("lines",)


def _unknown_line(meta: PackMeta, order: Order) -> Loc:
    index = next((i for i, line in enumerate(order.lines) if line.model not in meta.catalog), None)
    return ("lines",) if index is None else ("lines", index, "model")


def _at(*loc: str) -> Callable[[PackMeta, Order], Loc]:
    return lambda _meta, _order: loc


_FIELDS: dict[str, Callable[[PackMeta, Order], Loc]] = {
    "order_id": _at("order_id"),
    "date": _at("date"),
    "days_before_open": _at("date"),
    "days_after_close": _at("date"),
    "batch": _at("batch"),
    "batch_known": _at("batch"),
    "batch_opens": _at("batch"),
    "batch_closes": _at("batch"),
    "has_allocation": _at("batch"),
    "batch_cap": _at("batch"),
    "buyer_name": _at("buyer", "name"),
    "buyer_name_matches": _at("buyer", "name"),
    "buyer_uscc": _at("buyer", "uscc"),
    "buyer_status": _at("buyer", "uscc"),
    "registered_name": _at("buyer", "uscc"),
    "total_units": _at("lines"),
    "domestic_units": _at("lines"),
    "unknown_model_count": _unknown_line,
    "unknown_models": _unknown_line,
    "controlled_units": _controlled_line,
    "buyer_allocation": _controlled_line,
    "buyer_used_before": _controlled_line,
    "buyer_remaining": _controlled_line,
    "buyer_remaining_after": _controlled_line,
    "batch_used_before": _controlled_line,
    "batch_remaining": _controlled_line,
    "has_justification": _at("justification"),
    "purpose_chars": _at("justification", "purpose"),
    "site_chars": _at("justification", "site"),
    "has_needed_by": _at("justification", "needed_by"),
    "needed_by": _at("justification", "needed_by"),
    "days_until_needed": _at("justification", "needed_by"),
    "has_utilization": _at("justification", "utilization"),
    "utilization": _at("justification", "utilization"),
}


def field_of(fact: str, meta: PackMeta, order: Order) -> Loc:
    return _FIELDS[fact](meta, order)


def position(doc: Document, loc: Loc) -> Mark:
    """Line and column of the field (its key, for a mapping entry), else of its parent."""
    while loc:
        mark = doc.keys.get(loc) if isinstance(loc[-1], str) else doc.values.get(loc)
        if mark is not None:
            return mark
        loc = loc[:-1]
    return (1, 1)
