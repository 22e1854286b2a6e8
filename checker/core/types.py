"""The types of values a condition compares, defined once: each Python type a fact or
literal has, the name a pack declares it by, the kind the language checks, the words a
message uses, and a sample value (to try a message template's format on).
"""

from __future__ import annotations

from typing import NamedTuple

from checker.core.dates import Date


class ValueType(NamedTuple):
    declared: str  # as a pack declares it: `type: integer`
    kind: str  # what the language compares: number, text, date, boolean
    words: str  # in a message: "a whole number"
    sample: object  # a value to format with a template's spec


VALUE_TYPES: dict[type, ValueType] = {
    str: ValueType("text", "text", "text", "text"),
    Date: ValueType("date", "date", "date", "2026-01-31"),
    int: ValueType("integer", "number", "whole number", 1234),
    float: ValueType("decimal", "number", "number", 0.5),
    bool: ValueType("boolean", "boolean", "boolean", True),
}
DECLARED: dict[str, type] = {t.declared: python for python, t in VALUE_TYPES.items()}
NUMBERS = tuple(t.declared for t in VALUE_TYPES.values() if t.kind == "number")
