"""The JSON report (schema chipcheck/report/v1), and the JSON of results that the
HTML page, attestations and diff-rules reuse."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from checker.core.escaping import (
    unicode_safe_data,
)
from checker.core.results import (
    OrderResult,
    PackInfo,
    RuleResult,
    Tally,
    Waived,
    WaiversInfo,
)

SCHEMA = "chipcheck/report/v1"


def indented(data: Any) -> str:
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONEncodeError:
        # A lone surrogate (a JSON \ud800 escape, a file name that is not UTF-8): no
        # UTF-8 text can hold it, so it is written escaped. Rare, so only then searched.
        return orjson.dumps(unicode_safe_data(data), option=orjson.OPT_INDENT_2).decode()


class JsonWriter:
    """The JSON report, with the bytes of `json.dumps(data, indent=2, ensure_ascii=False)`.

    orjson formats each order about ten times faster than the json module's indenting
    encoder, which is pure Python.
    """

    def __init__(self, pack: PackInfo) -> None:
        self.pack = pack
        self._separator = "\n    "

    def begin(self) -> Iterable[str]:
        head = {"schema": SCHEMA, "rulepack": self.pack.identity()}
        return (indented(head).removesuffix("\n}") + ',\n  "orders": [',)

    def order(self, order: OrderResult) -> Iterable[str]:
        text = self._separator + indented(order_json(order)).replace("\n", "\n    ")
        self._separator = ",\n    "
        return (text,)

    def end(self, tally: Tally) -> Iterable[str]:
        summary = summary_json(tally, self.pack)
        tail = ""
        if self.pack.waivers is not None:
            waivers = waivers_json(tally, self.pack.waivers)
            tail = ',\n  "waivers": ' + indented(waivers).replace("\n", "\n  ")
        close = "\n  ]" if tally.orders else "]"
        text = close + ',\n  "summary": ' + indented(summary).replace("\n", "\n  ")
        return (text + tail + "\n}\n",)


def summary_json(tally: Tally, pack: PackInfo) -> dict[str, int]:
    """The report's summary: orders and verdicts, and the results waived with a
    waivers file (without one, the report is as it was before waivers)."""
    summary = {
        "orders": tally.orders,
        "pass": tally.verdicts["pass"],
        "fail": tally.verdicts["fail"],
        "error": tally.verdicts["error"],
    }
    if pack.waivers is not None:
        summary["waived"] = tally.waived
    return summary


def order_json(order: OrderResult) -> dict[str, Any]:
    return {
        "file": order.file,
        "order_id": order.order_id,
        "verdict": order.verdict,
        "results": [_result_json(r) for r in order.results],
        "errors": [
            {"message": e.message, "line": e.line, "column": e.column} for e in order.errors
        ],
    }


def _result_json(r: RuleResult) -> dict[str, Any]:
    found = {
        "rule": r.rule,
        "status": r.status,
        "message": r.message,
        "facts": dict(r.facts),
        "line": r.line,
        "column": r.column,
    }
    if r.waiver is not None:  # only with a waivers file: other reports keep their bytes
        found["waiver"] = waiver_json(r.waiver)
    return found


def waiver_json(waived: Waived) -> dict[str, Any]:
    """A matched waiver: its terms, whether it applied, and the rule's own status."""
    return {**waived.terms, "applied": waived.applied, "status": waived.status}


def waivers_json(tally: Tally, info: WaiversInfo) -> dict[str, Any]:
    return {
        "file": info.file,
        "sha256": info.sha256,
        "as_of": info.as_of,
        "waived": tally.waived,
        "applied": sorted(tally.used),
        "out_of_force": sorted(tally.out_of_force),
        "unused": unused(tally, info),
    }


def unused(tally: Tally, info: WaiversInfo) -> list[str]:
    """The waivers that matched no failing or warning result of the run."""
    matched = tally.used.keys() | tally.out_of_force.keys()
    return [str(t["id"]) for t in info.waivers if t["id"] not in matched]
