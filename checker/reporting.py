"""Renderers: one function per output format, each from a Report to text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from checker import __version__
from checker.results import OrderResult, Report

SCHEMA = "chipcheck/report/v1"


def iter_json(report: Report) -> Iterator[str]:
    """The JSON report in pieces, one per order, so 100,000 orders are never one string.

    The bytes are those of `json.dumps(data, indent=2, ensure_ascii=False)`; orjson
    formats each order about ten times faster than the json module's indenting encoder.
    """
    head = {
        "schema": SCHEMA,
        "rulepack": {
            "name": report.pack.name,
            "version": report.pack.version,
            "sha256": report.pack.sha256,
        },
    }
    yield _indented(head).removesuffix("\n}") + ',\n  "orders": ['
    separator = "\n    "
    for order in report.orders:
        yield separator + _indented(order_json(order)).replace("\n", "\n    ")
        separator = ",\n    "
    summary = {
        "orders": len(report.orders),
        "pass": report.count("pass"),
        "fail": report.count("fail"),
        "error": report.count("error"),
    }
    yield ("\n  ]" if report.orders else "]") + ',\n  "summary": '
    yield _indented(summary).replace("\n", "\n  ") + "\n}\n"


def _indented(data: Any) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()


def render_json(report: Report) -> str:
    return "".join(iter_json(report))


def order_json(order: OrderResult) -> dict[str, Any]:
    return {
        "file": order.file,
        "order_id": order.order_id,
        "verdict": order.verdict,
        "results": [
            {
                "rule": r.rule,
                "status": r.status,
                "message": r.message,
                "facts": r.facts,
                "line": r.line,
                "column": r.column,
            }
            for r in order.results
        ],
        "errors": [
            {"message": e.message, "line": e.line, "column": e.column} for e in order.errors
        ],
    }


STATUSES = ("pass", "warn", "fail", "skip")


def rule_counts(report: Report) -> dict[str, dict[str, int]]:
    """For the summary table: how many orders each rule passed, warned, failed, skipped."""
    counts = {r.id: dict.fromkeys(STATUSES, 0) for r in report.pack.rules}
    for order in report.orders:
        for result in order.results:
            counts.setdefault(result.rule, dict.fromkeys(STATUSES, 0))[result.status] += 1
    return counts


def render_text(report: Report) -> str:
    lines: list[str] = []
    width = max((len(r.rule) for o in report.orders for r in o.results), default=0)
    for order in report.orders:
        title = f"{order.file}  {order.order_id or ''}".rstrip()
        lines.append(f"{title}  {order.verdict.upper()}")
        lines.extend(f"  error  {problem}" for problem in order.errors)
        lines.extend(f"  {r.status:<4}  {r.rule:<{width}}  {r.message}" for r in order.results)
        lines.append("")
    counts = rule_counts(report)
    if counts:
        width = max(len(rule) for rule in counts)
        lines.append(f"{'rule':<{width}}  " + "  ".join(f"{s:>4}" for s in STATUSES))
        lines.extend(
            f"{rule:<{width}}  " + "  ".join(f"{n[s]:>4}" for s in STATUSES)
            for rule, n in counts.items()
        )
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INPUT_ERROR = "input-error"
_INPUT_ERROR_HELP = (
    "An order that cannot be read, parsed or validated is an error and its rules are not "
    "run. The message names the field and what to write instead."
)
_LEVEL = {"fail": "error", "warn": "warning"}


def _uri(file: str) -> str:
    path = Path(file)
    return path.as_uri() if path.is_absolute() else quote(path.as_posix())


def render_sarif(report: Report) -> str:
    """SARIF 2.1.0: one rule descriptor per rule, one result per failing or warning rule."""
    rules: list[dict[str, Any]] = [
        {
            "id": r.id,
            "name": r.title,
            "shortDescription": {"text": r.title},
            "fullDescription": {"text": r.description},
            "help": {"text": f"{r.description}\nSource: {r.source}"},
            "defaultConfiguration": {"level": "warning" if r.status == "proposed" else "error"},
            "properties": {"status": r.status, "source": r.source},
        }
        for r in report.pack.rules
    ]
    rules.append(
        {
            "id": INPUT_ERROR,
            "name": "Order file can be read, parsed and validated",
            "shortDescription": {"text": "Order file can be read, parsed and validated"},
            "fullDescription": {"text": _INPUT_ERROR_HELP},
            "help": {"text": _INPUT_ERROR_HELP},
            "defaultConfiguration": {"level": "error"},
        }
    )
    index: dict[str, int] = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for order in report.orders:
        for problem in order.errors:
            results.append(
                _sarif_result(
                    INPUT_ERROR,
                    index,
                    "error",
                    problem.message,
                    order,
                    problem.line,
                    problem.column,
                )
            )
        for r in order.results:
            if r.status in _LEVEL:
                results.append(
                    _sarif_result(
                        r.rule, index, _LEVEL[r.status], r.message, order, r.line, r.column
                    )
                )
    data = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "chipcheck",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
                "properties": {
                    "rulepack": {
                        "name": report.pack.name,
                        "version": report.pack.version,
                        "sha256": report.pack.sha256,
                    }
                },
            }
        ],
    }
    return _indented(data) + "\n"


def _sarif_result(
    rule: str,
    index: dict[str, int],
    level: str,
    message: str,
    order: OrderResult,
    line: int | None,
    column: int | None,
) -> dict[str, Any]:
    region = {"startLine": line or 1}
    if line and column:
        region["startColumn"] = column
    result: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": index[rule],
        "level": level,
        "message": {"text": message},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": _uri(order.file)}, "region": region}}
        ],
    }
    if order.order_id:
        result["properties"] = {"order_id": order.order_id}
    return result


def render_junit(report: Report) -> str:
    """JUnit XML: a testsuite per order file, a testcase per rule (or one for input errors)."""
    suites = ET.Element("testsuites", name="chipcheck")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for order in report.orders:
        suite = ET.SubElement(suites, "testsuite", name=order.file)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        classname = order.order_id or order.file
        if order.errors:
            case = ET.SubElement(
                suite, "testcase", classname=classname, name=INPUT_ERROR, file=order.file
            )
            error = ET.SubElement(case, "error", message=order.errors[0].message, type="error")
            error.text = "\n".join(str(p) for p in order.errors)
            counts["tests"] += 1
            counts["errors"] += 1
        for r in order.results:
            case = ET.SubElement(
                suite, "testcase", classname=classname, name=r.rule, file=order.file
            )
            if r.line:
                case.set("line", str(r.line))
            counts["tests"] += 1
            if r.status == "fail":
                failure = ET.SubElement(case, "failure", message=r.message, type="fail")
                failure.text = r.message
                counts["failures"] += 1
            elif r.status == "skip":
                ET.SubElement(case, "skipped", message=r.message)
                counts["skipped"] += 1
            else:
                ET.SubElement(case, "system-out").text = f"{r.status}: {r.message}"
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        suites.set(key, str(value))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(
    kind: str, file: str, line: int | None, column: int | None, title: str, message: str
) -> str:
    props = [f"file={_escape_property(file)}"]
    if line:
        props.append(f"line={line}")
        if column:
            props.append(f"col={column}")
    props.append(f"title={_escape_property(title)}")
    return f"::{kind} {','.join(props)}::{_escape_data(message)}"


def render_github(report: Report) -> str:
    """GitHub Actions workflow commands: an annotation per failing or warning rule."""
    lines = []
    for order in report.orders:
        for p in order.errors:
            lines.append(
                _annotation(
                    "error", order.file, p.line, p.column, "chipcheck: input error", p.message
                )
            )
        for r in order.results:
            if r.status in _LEVEL:
                kind = "error" if r.status == "fail" else "warning"
                title = f"chipcheck {r.rule} ({order.order_id})"
                lines.append(_annotation(kind, order.file, r.line, r.column, title, r.message))
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def summary(report: Report) -> str:
    return (
        f"{len(report.orders)} orders: {report.count('pass')} pass, {report.count('fail')} fail, "
        f"{report.count('error')} error (rule pack {report.pack.name} {report.pack.version})"
    )


def _whole(render: Callable[[Report], str]) -> Callable[[Report], Iterable[str]]:
    return lambda report: (render(report),)


# Each format as pieces of text to write in turn.
RENDERERS: dict[str, Callable[[Report], Iterable[str]]] = {
    "text": _whole(render_text),
    "json": iter_json,
    "sarif": _whole(render_sarif),
    "junit": _whole(render_junit),
    "github": _whole(render_github),
}
