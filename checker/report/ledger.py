"""The ledger view's formats: a text table, JSON and CSV (the HTML page: checker.report.pages)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from checker.core.escaping import for_terminal, unicode_safe, unicode_safe_data
from checker.judge.ledger_view import LedgerReport, LedgerView, Row

SCHEMA = "chipcheck/ledger/v1"


def exit_code(report: LedgerReport) -> int:
    """2 when an order is in error (it is in no ledger), 1 when a total is past its
    limit, else 0."""
    if report.errors:
        return 2
    over = any(a.first_over for v in report.ledgers for a in v.accounts)
    return 1 if over else 0


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def limits(view: LedgerView) -> str:
    """The ledger's limits in words: its own, and each a rule states on its total."""
    stated = [f"{value:,} ({rule})" for rule, value in view.rule_limits]
    if view.limit:
        return "; ".join([f"limit: {view.limit}", *(f"a rule's limit: {s}" for s in stated)])
    if stated:
        return "limit as its rules state it: " + ", ".join(stated)
    return "no limit"


def text(report: LedgerReport) -> str:
    lines = []
    for view in report.ledgers:
        lines.append(
            for_terminal(f"ledger {view.name}: {view.description.strip()} ({limits(view)})")
        )
        for account in view.accounts:
            over = account.first_over
            first = (
                f"; first over the limit: {over.order_id} ({over.file})" if over is not None else ""
            )
            lines.append(
                for_terminal(
                    f"  {account.name}: limit {_n(account.limit)}, used "
                    f"{_n(account.used)}, reserved {_n(account.reserved)}, remaining "
                    f"{_n(account.remaining)}{first}"
                )
            )
            table = [("date", "order", "status", "verdict", "amount", "used", "reserved", "")]
            for r in account.rows:
                mark = "OVER" if r.over else ("not counted" if not r.counted else "")
                table.append(
                    (
                        r.date,
                        r.order_id,
                        r.status or "-",
                        r.verdict,
                        f"{r.amount:,}",
                        f"{r.used:,}",
                        f"{r.reserved_total:,}",
                        mark + (" (reserved)" if r.reserved else ""),
                    )
                )
            widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
            for row in table:
                cells = [
                    cell.rjust(w) if 4 <= i <= 6 else cell.ljust(w)
                    for i, (cell, w) in enumerate(zip(row, widths, strict=True))
                ]
                lines.append(for_terminal("    " + "  ".join(cells).rstrip()))
        lines.append("")
    errors = f", {len(report.errors)} in error and in no ledger" if report.errors else ""
    lines.append(
        for_terminal(
            f"{report.orders} orders in {len(report.ledgers)} ledgers{errors} "
            f"(rule pack {report.pack.name} {report.pack.version})"
        )
    )
    return "\n".join(lines) + "\n"


def _row(r: Row, limit: int | None) -> dict[str, Any]:
    return {
        "file": r.file,
        "order_id": r.order_id,
        "date": r.date,
        "status": r.status,
        "verdict": r.verdict,
        "amount": r.amount,
        "counted": r.counted,
        "reserved": r.reserved,
        "used_total": r.used,
        "reserved_total": r.reserved_total,
        "remaining_after": None if limit is None else limit - r.used - r.reserved_total,
        "over": r.over,
        "failing": r.failing,
    }


def data(report: LedgerReport) -> dict[str, Any]:
    """The report as plain data: JSON's, and the HTML page's."""
    return {
        "schema": SCHEMA,
        "rulepack": report.pack.identity(),
        "ledgers": [
            {
                "name": view.name,
                "description": view.description.strip(),
                "key": list(view.key),
                "limit": view.limit,
                "rule_limits": [{"rule": r, "limit": v} for r, v in view.rule_limits],
                "limits": limits(view),
                "rules": list(view.rules),
                "accounts": [
                    {
                        "key": dict(zip(view.key, account.key, strict=True)),
                        "name": account.name,
                        "limit": account.limit,
                        "used": account.used,
                        "reserved": account.reserved,
                        "remaining": account.remaining,
                        "first_over": None
                        if account.first_over is None
                        else {
                            "file": account.first_over.file,
                            "order_id": account.first_over.order_id,
                        },
                        "orders": [_row(r, account.limit) for r in account.rows],
                    }
                    for account in view.accounts
                ],
            }
            for view in report.ledgers
        ],
        "errors": [{"file": o.file, "messages": [str(p) for p in o.errors]} for o in report.errors],
        "summary": {"orders": report.orders, "errors": len(report.errors)},
    }


def as_json(report: LedgerReport) -> str:
    return json.dumps(unicode_safe_data(data(report)), indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = (
    "ledger", "key", "limit", "file", "order_id", "date", "status", "verdict", "amount",
    "counted", "reserved", "used_total", "reserved_total", "remaining_after", "over",
)  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (`=cmd|...`) is written with a leading
    apostrophe (OWASP's advice for CSV injection), in every column; numbers are left
    as they are."""
    text = unicode_safe(text)
    return "'" + text if text.startswith(_FORMULA) else text


def as_csv(report: LedgerReport) -> str:
    """One line per order per total, with the running totals after it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for view in report.ledgers:
        for account in view.accounts:
            key = ";".join(f"{k}={v}" for k, v in zip(view.key, account.key, strict=True))
            for r in account.rows:
                row = _row(r, account.limit)
                writer.writerow(
                    _cell(cell) if isinstance(cell, str) else cell
                    for cell in (
                        view.name,
                        key,
                        "" if account.limit is None else account.limit,
                        row["file"],
                        row["order_id"],
                        row["date"],
                        row["status"] or "",
                        row["verdict"],
                        row["amount"],
                        str(row["counted"]).lower(),
                        str(row["reserved"]).lower(),
                        row["used_total"],
                        row["reserved_total"],
                        "" if row["remaining_after"] is None else row["remaining_after"],
                        str(row["over"]).lower(),
                    )
                )
    return out.getvalue()


RENDERERS: dict[str, Callable[[LedgerReport], str]] = {
    "text": text,
    "json": as_json,
    "csv": as_csv,
}
