"""Renderers: one function per output format, each from a Report to text."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from checker.results import OrderResult, Report

SCHEMA = "chipcheck/report/v1"


def render_json(report: Report) -> str:
    data = {
        "schema": SCHEMA,
        "rulepack": {
            "name": report.pack.name,
            "version": report.pack.version,
            "sha256": report.pack.sha256,
        },
        "orders": [order_json(o) for o in report.orders],
        "summary": {
            "orders": len(report.orders),
            "pass": report.count("pass"),
            "fail": report.count("fail"),
            "error": report.count("error"),
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def order_json(order: OrderResult) -> dict[str, Any]:
    return {
        "file": order.file,
        "order_id": order.order_id,
        "verdict": order.verdict,
        "results": [
            {"rule": r.rule, "status": r.status, "message": r.message, "facts": r.facts}
            for r in order.results
        ],
        "errors": [
            {"message": e.message, "line": e.line, "column": e.column} for e in order.errors
        ],
    }


def render_text(report: Report) -> str:
    lines: list[str] = []
    width = max((len(r.rule) for o in report.orders for r in o.results), default=0)
    for order in report.orders:
        title = f"{order.file}  {order.order_id or ''}".rstrip()
        lines.append(f"{title}  {order.verdict.upper()}")
        lines.extend(f"  error  {problem}" for problem in order.errors)
        lines.extend(f"  {r.status:<4}  {r.rule:<{width}}  {r.message}" for r in order.results)
        lines.append("")
    lines.append(
        f"{len(report.orders)} orders: {report.count('pass')} pass, {report.count('fail')} fail, "
        f"{report.count('error')} error (rule pack {report.pack.name} {report.pack.version})"
    )
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[Report], str]] = {"text": render_text, "json": render_json}
