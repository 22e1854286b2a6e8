"""The editor schemas (`chipcheck schema`) with a pack's declared fields and attributes.

The models give every pack's shape; a pack adds fields to orders and attributes to
its reference data, which an editor should complete and check like the others.
"""

from __future__ import annotations

from typing import Any

from checker.schema.forms import ITEMS_MAX, TEXT_MAX, anchored
from checker.schema.records import Declared, PackMeta

_DEFS = {
    "order": {
        "order": "Order",
        "buyer": "Buyer",
        "lines": "Line",
        "justification": "Justification",
    },
    "pack": {"catalog": "Chip", "batches": "Batch", "entities": "Entity"},
    "waivers": {},
    "rules": {
        "order": "Order",
        "buyer": "Buyer",
        "lines": "Line",
        "justification": "Justification",
    },
}


def json_schema(declared: Declared) -> dict[str, Any]:
    """The JSON Schema of one declared value."""
    item = _item(declared.of or declared.type, declared)
    if declared.type == "list":
        item = {"type": "array", "items": item, "maxItems": ITEMS_MAX}
    if declared.description:
        item["description"] = declared.description.strip()
    return item


def _item(kind: str, declared: Declared) -> dict[str, Any]:
    if kind == "text":
        if declared.values:
            return {"enum": list(declared.values)}
        text: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": TEXT_MAX}
        if declared.pattern is not None:
            text["pattern"] = anchored(declared.pattern)
        return text
    if kind == "date":
        return {"type": "string", "format": "date"}
    if kind == "boolean":
        return {"type": "boolean"}
    found: dict[str, Any] = {"type": "integer" if kind == "integer" else "number"}
    if declared.min is not None:
        found["minimum"] = declared.min
    if declared.max is not None:
        found["maximum"] = declared.max
    return found


def with_declarations(schema: dict[str, Any], kind: str, meta: PackMeta) -> dict[str, Any]:
    """`schema` (of an order, a rule file or pack.yaml) with `meta`'s declarations."""
    places = meta.attributes if kind == "pack" else meta.fields
    if places is None:
        return schema
    defs = schema.get("$defs", {})
    for place, name in _DEFS[kind].items():
        declared: dict[str, Declared] = dict(getattr(places, place))
        target = schema if name == "Order" and kind == "order" else defs.get(name)
        if not declared or target is None:
            continue
        target["properties"].update({n: json_schema(d) for n, d in declared.items()})
        required = [n for n, d in declared.items() if d.required]
        if required:
            target["required"] = [*target.get("required", []), *required]
    return schema
