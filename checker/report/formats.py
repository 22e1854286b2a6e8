"""Report formats: one writer per format, fed one order result at a time.

A writer turns the start of a run, each order's result and the final tally into pieces
of text, so a run of 100,000 orders never holds its results or its report in memory.
`write_report` drives writers; `render` makes the whole text of a kept Report.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import orjson

from checker import __version__
from checker.core.escaping import (
    for_display,
    for_terminal,
    for_xml,
    unicode_safe,
    unicode_safe_data,
)
from checker.core.problems import WriteError
from checker.core.results import (
    OrderResult,
    PackInfo,
    Report,
    RuleResult,
    Tally,
    Waived,
    WaiversInfo,
)

SCHEMA = "chipcheck/report/v1"


class Writer(Protocol):
    def begin(self) -> Iterable[str]: ...

    def order(self, order: OrderResult) -> Iterable[str]: ...

    def end(self, tally: Tally) -> Iterable[str]: ...


class Sink(Protocol):
    def writelines(self, lines: Iterable[str], /) -> None: ...


def write_report(
    pack: PackInfo, orders: Iterable[OrderResult], outputs: Sequence[tuple[Writer, Sink]]
) -> Tally:
    """Feed every result to every writer in turn; the tally of the results.

    Nothing is written before the first result exists: by then every order file has
    been read, so a report written into an orders directory is never read as an order.
    """
    tally = Tally.of(pack)
    results = iter(orders)
    first = next(results, None)
    for writer, sink in outputs:
        sink.writelines(writer.begin())
    if first is not None:
        for order in itertools.chain((first,), results):
            tally.add(order)
            for writer, sink in outputs:
                sink.writelines(writer.order(order))
    for writer, sink in outputs:
        sink.writelines(writer.end(tally))
    return tally


def render(fmt: str, report: Report, *, quiet: bool = False) -> str:
    out = io.StringIO()
    write_report(report.pack, report.orders, [(writer(fmt, report.pack, quiet=quiet), out)])
    return out.getvalue()


def writer(fmt: str, pack: PackInfo, *, quiet: bool = False) -> Writer:
    """The writer for `fmt`; `quiet` shortens the text report only."""
    return TextWriter(pack, quiet=True) if quiet and fmt == "text" else WRITERS[fmt](pack)


def _indented(data: Any) -> str:
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
        return (_indented(head).removesuffix("\n}") + ',\n  "orders": [',)

    def order(self, order: OrderResult) -> Iterable[str]:
        text = self._separator + _indented(order_json(order)).replace("\n", "\n    ")
        self._separator = ",\n    "
        return (text,)

    def end(self, tally: Tally) -> Iterable[str]:
        summary = summary_json(tally, self.pack)
        tail = ""
        if self.pack.waivers is not None:
            waivers = waivers_json(tally, self.pack.waivers)
            tail = ',\n  "waivers": ' + _indented(waivers).replace("\n", "\n  ")
        close = "\n  ]" if tally.orders else "]"
        text = close + ',\n  "summary": ' + _indented(summary).replace("\n", "\n  ")
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


def waiver_note(waived: Waived, as_of: str) -> str:
    """The text report's line under a result a waiver matched."""
    t = waived.terms
    terms = f"ref {t['reference']}, approved by {t['approved_by']}, owner {t['owner']}"
    if waived.applied:
        return f"waiver {t['id']} ({terms}, expires {t['expires']}): {t['reason']}"
    if str(t["expires"]) < as_of:
        return f"waiver {t['id']} expired on {t['expires']} and no longer applies ({terms})"
    return f"waiver {t['id']} is in force only from {t['created']} ({terms})"


def needs_attention(order: OrderResult) -> bool:
    """An order a quiet report shows: failing, in error, or with a warning."""
    return order.verdict != "pass" or any(r.status == "warn" for r in order.results)


class TextWriter:
    """The plain-text report. `quiet` (the pre-commit hook's mode) shows only orders
    that need attention, each with only its failing and warning rules, then the summary:
    in a repository of hundreds of orders the failing one stays in sight."""

    def __init__(self, pack: PackInfo, *, quiet: bool = False) -> None:
        self.pack = pack
        self.quiet = quiet
        self._width = max((len(r.id) for r in pack.rules), default=0)
        self._status = 6 if pack.waivers is not None else 4  # "waived" is six wide
        self._indent = " " * (self._status + self._width + 6)

    def begin(self) -> Iterable[str]:
        return ()

    def order(self, order: OrderResult) -> Iterable[str]:
        """Every value from an order or a file name is escaped (`for_terminal`), so an
        order cannot print a line of its own or send terminal escapes."""
        if self.quiet and not needs_attention(order):
            return ()
        title = for_terminal(f"{order.file}  {order.order_id or ''}".rstrip())
        lines = [f"{title}  {order.verdict.upper()}"]
        lines.extend(f"  error  {for_terminal(str(problem))}" for problem in order.errors)
        for r in order.results:
            if self.quiet and r.status not in ("fail", "warn"):
                continue
            lines.append(
                f"  {r.status:<{self._status}}  {r.rule:<{self._width}}  {for_terminal(r.message)}"
            )
            if r.waiver is not None and self.pack.waivers is not None:
                note = waiver_note(r.waiver, self.pack.waivers.as_of)
                lines.append(self._indent + for_terminal(note))
        return ("\n".join(lines) + "\n\n",)

    def end(self, tally: Tally) -> Iterable[str]:
        lines: list[str] = []
        if tally.rules and not self.quiet:
            width = max(len(rule) for rule in tally.rules)
            statuses = tally.statuses
            lines.append(f"{'rule':<{width}}  " + "  ".join(f"{s:>4}" for s in statuses))
            lines.extend(
                f"{rule:<{width}}  " + "  ".join(f"{n[s]:>{max(4, len(s))}}" for s in statuses)
                for rule, n in tally.rules.items()
            )
            lines.append("")
        lines.append(summary(tally, self.pack))
        return ("\n".join(lines) + "\n",)


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
    """A URI for `file`; its bytes as on disk, percent-encoded, even where not UTF-8."""
    path = Path(file)
    return path.as_uri() if path.is_absolute() else quote(os.fsencode(path.as_posix()))


class SarifWriter:
    """SARIF 2.1.0: one rule descriptor per rule, one result per failing or warning rule."""

    def __init__(self, pack: PackInfo) -> None:
        rules: list[dict[str, Any]] = [
            {
                "id": r.id,
                "name": for_terminal(r.title),
                "shortDescription": {"text": for_terminal(r.title)},
                "fullDescription": {"text": for_display(r.description)},
                "help": {"text": for_display(f"{r.description}\nSource: {r.source}")},
                "defaultConfiguration": {"level": "warning" if r.status == "proposed" else "error"},
                "properties": {"status": r.status, "source": r.source},
                **_help_uri(r.source),
            }
            for r in pack.rules
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
        self._index = {rule["id"]: i for i, rule in enumerate(rules)}
        driver = {
            "name": "chipcheck",
            "fullName": for_terminal(
                f"chipcheck {__version__} (rule pack {pack.name} {pack.version})"
            ),
            "version": __version__,
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }
        run = {
            "tool": {"driver": driver},
            "automationDetails": _automation(pack.name),
            "results": [],
            "properties": {"rulepack": pack.identity()},
        }
        skeleton = _indented({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]})
        self._head, _, self._tail = skeleton.partition('"results": []')
        self._indent = "\n" + " " * (len(self._head) - self._head.rindex("\n") + 1)
        self._separator = self._indent

    def begin(self) -> Iterable[str]:
        return (self._head + '"results": [',)

    def order(self, order: OrderResult) -> Iterable[str]:
        found = [
            _sarif_result(INPUT_ERROR, self._index, "error", p.message, order, p.line, p.column)
            for p in order.errors
        ]
        for r in order.results:
            status = r.waiver.status if r.waiver is not None else r.status
            if status not in _LEVEL:
                continue
            result = _sarif_result(
                r.rule, self._index, _LEVEL[status], r.message, order, r.line, r.column
            )
            if r.waiver is not None:
                result.setdefault("properties", {})["waiver"] = waiver_json(r.waiver)
                if r.waiver.applied:
                    result["suppressions"] = [_suppression(r.waiver)]
            found.append(result)
        pieces = []
        for result in found:
            pieces.append(self._separator + _indented(result).replace("\n", self._indent))
            self._separator = "," + self._indent
        return pieces

    def end(self, tally: Tally) -> Iterable[str]:
        close = self._indent[:-2] + "]" if self._separator != self._indent else "]"
        return (close + self._tail + "\n",)


INFORMATION_URI = "https://chipcheck.dev/"  # the project's namespace, as in attestations
_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def _help_uri(source: str) -> dict[str, str]:
    """A rule's helpUri: the first web address its source gives, if it gives one."""
    found = _URL.search(source)
    return {"helpUri": found.group().rstrip(".,;")} if found else {}


_ADO = {  # Azure Pipelines' variables, as its Advanced Security reads them from SARIF
    "buildDefinitionId": "SYSTEM_DEFINITIONID",
    "buildDefinitionName": "BUILD_DEFINITIONNAME",
    "phaseId": "SYSTEM_PHASEID",
    "phaseName": "SYSTEM_PHASENAME",
}
_ADO_ID = ("SYSTEM_COLLECTIONURI", "SYSTEM_TEAMPROJECT", "BUILD_SOURCEBRANCH", "BUILD_BUILDID")


def _automation(pack: str) -> dict[str, Any]:
    """The run's automationDetails: in an Azure pipeline, the build it belongs to, as
    GitHub Advanced Security for Azure DevOps requires; elsewhere the category code
    scanning keeps results apart by, one per pack."""
    env = os.environ
    if env.get("TF_BUILD") == "True" and all(env.get(v) for v in (*_ADO.values(), *_ADO_ID)):
        org = env["SYSTEM_COLLECTIONURI"].rstrip("/").rsplit("/", 1)[-1]
        names = ("SYSTEM_TEAMPROJECT", "SYSTEM_DEFINITIONID", "SYSTEM_PHASEID")
        parts = (org, *(env[n] for n in names), env["BUILD_SOURCEBRANCH"], env["BUILD_BUILDID"])
        prefix = "azuredevops/pipeline/build/"
        return {
            "id": prefix + "/".join(parts),
            "properties": {prefix + key: env[var] for key, var in _ADO.items()},
        }
    return {"id": f"chipcheck/{re.sub(r'[^A-Za-z0-9._-]', '_', pack)}/"}


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
        "message": {"text": for_terminal(message)},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": _uri(order.file)}, "region": region}}
        ],
    }
    if order.order_id:
        result["properties"] = {"order_id": order.order_id}
    return result


def _suppression(waived: Waived) -> dict[str, Any]:
    """A waiver as SARIF sees it: suppressed outside the file (kind external), accepted,
    with the reason and approval as the justification."""
    t = waived.terms
    return {
        "kind": "external",
        "status": "accepted",
        "justification": for_terminal(
            f"waiver {t['id']}: {t['reason']} (ref {t['reference']}, approved by "
            f"{t['approved_by']}, owner {t['owner']}, expires {t['expires']})"
        ),
        "properties": dict(t),
    }


JUNIT_SPOOL_BYTES = 4 << 20  # suites kept in memory before the spool moves to a file


class JunitWriter:
    """JUnit XML: a testsuite per order file, a testcase per rule (or one for input errors).

    Valid against the Jenkins xUnit plugin's junit-10.xsd but for the `file` and `line`
    of a testcase, which GitLab and most viewers read. Each suite carries the Ant
    schema's `time`, `timestamp` and `hostname` (no time is measured per order: 0);
    a warning or a waiver, which passes, is also a property of its suite
    (`<rule>.warning`, `<rule>.waiver.<term>`), since viewers hide `system-out`. The
    totals come first, on <testsuites>, so the suites are kept in a temporary file (in
    memory up to a few megabytes) until the end.
    """

    def __init__(self, pack: PackInfo) -> None:
        import socket
        import tempfile  # only JUnit needs these

        # Lives across calls; end() closes it.
        self._suites = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=JUNIT_SPOOL_BYTES, mode="w+", encoding="utf-8"
        )
        self._totals = {"tests": 0, "failures": 0, "errors": 0}
        self._as_of = pack.waivers.as_of if pack.waivers is not None else None
        self._stamp = {"time": "0", "timestamp": _timestamp(), "hostname": socket.gethostname()}

    def begin(self) -> Iterable[str]:
        return ()

    def order(self, order: OrderResult) -> Iterable[str]:
        import xml.etree.ElementTree as ET  # only JUnit needs it: 2 ms of every start

        file = for_xml(order.file)
        suite = ET.Element("testsuite", name=file)
        properties = ET.SubElement(suite, "properties")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        classname = for_xml(order.order_id) if order.order_id else file
        if order.errors:
            case = ET.SubElement(
                suite, "testcase", classname=classname, name=INPUT_ERROR, file=file, time="0"
            )
            error = ET.SubElement(
                case, "error", message=_junit_text(order.errors[0].message), type="error"
            )
            error.text = for_xml("\n".join(for_terminal(str(p)) for p in order.errors))
            counts["tests"] += 1
            counts["errors"] += 1
        for r in order.results:
            case = ET.SubElement(
                suite, "testcase", classname=classname, name=r.rule, file=file, time="0"
            )
            if r.line:
                case.set("line", str(r.line))
            counts["tests"] += 1
            message = _junit_text(r.message)
            if r.waiver is not None and self._as_of is not None:
                message = _junit_text(f"{r.message}; {waiver_note(r.waiver, self._as_of)}")
            if r.status == "fail":
                failure = ET.SubElement(case, "failure", message=message, type="fail")
                failure.text = message
                counts["failures"] += 1
            elif r.status == "skip":
                ET.SubElement(case, "skipped", message=message)
                counts["skipped"] += 1
            else:
                if r.status == "warn":
                    _property(properties, f"{r.rule}.warning", message)
                if r.waiver is not None:
                    for key, value in waiver_json(r.waiver).items():
                        if value is not None:
                            text = str(value).lower() if value is True else str(value)
                            _property(properties, f"{r.rule}.waiver.{key}", _junit_text(text))
                ET.SubElement(case, "system-out").text = f"{r.status}: {message}"
        if not len(properties):
            suite.remove(properties)
        for key, value in {**counts, **self._stamp}.items():
            suite.set(key, str(value))
        for key in self._totals:
            self._totals[key] += counts[key]
        ET.indent(suite, level=1)
        try:
            self._suites.write("\n  " + ET.tostring(suite, encoding="unicode"))
        except OSError as exc:
            import tempfile

            self._suites.close()
            raise WriteError(
                f"cannot spool the JUnit report in {tempfile.gettempdir()}: "
                f"{exc.strerror or exc}; set TMPDIR to a writable directory with space"
            ) from None
        return ()

    def end(self, tally: Tally) -> Iterable[str]:
        import xml.etree.ElementTree as ET

        suites = ET.Element("testsuites", name="chipcheck")
        for key, value in self._totals.items():
            suites.set(key, str(value))
        suites.set("time", "0")
        root = ET.tostring(suites, encoding="unicode")
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        if not tally.orders:
            yield root + "\n"
            return
        yield root.removesuffix(" />") + ">"
        self._suites.seek(0)
        while chunk := self._suites.read(1 << 16):
            yield chunk
        self._suites.close()
        yield "\n</testsuites>\n"


def _property(properties: Any, name: str, value: str) -> None:
    import xml.etree.ElementTree as ET

    ET.SubElement(properties, "property", name=name, value=value)


def _timestamp() -> str:
    """The run's start in ISO 8601, UTC."""
    from checker.report.pages import utc_now

    return utc_now().strftime("%Y-%m-%dT%H:%M:%S")


def _junit_text(text: str) -> str:
    """Text a JUnit viewer shows: hidden characters escaped (no bidi spoofing), and what
    XML cannot hold."""
    return for_xml(for_terminal(text))


def _escape_data(text: str) -> str:
    text = unicode_safe(text)
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
    props.append(f"title={_escape_property(for_terminal(title))}")
    return f"::{kind} {','.join(props)}::{_escape_data(for_terminal(message))}"


class GithubWriter:
    """GitHub Actions workflow commands: an annotation per failing or warning rule."""

    def __init__(self, pack: PackInfo) -> None:
        self.pack = pack
        self._as_of = pack.waivers.as_of if pack.waivers is not None else ""

    def begin(self) -> Iterable[str]:
        return ()

    def order(self, order: OrderResult) -> Iterable[str]:
        lines = [
            _annotation("error", order.file, p.line, p.column, "chipcheck: input error", p.message)
            for p in order.errors
        ]
        for r in order.results:
            if r.status in _LEVEL:
                kind = "error" if r.status == "fail" else "warning"
                title = f"chipcheck {r.rule} ({order.order_id})"
                message = r.message
                if r.waiver is not None:
                    message += "; " + waiver_note(r.waiver, self._as_of)
                lines.append(_annotation(kind, order.file, r.line, r.column, title, message))
            elif r.waiver is not None:
                title = f"chipcheck {r.rule} ({order.order_id}): waived by {r.waiver.id}"
                note = f"{r.message}; {waiver_note(r.waiver, self._as_of)}"
                lines.append(_annotation("notice", order.file, r.line, r.column, title, note))
        return [line + "\n" for line in lines]

    def end(self, tally: Tally) -> Iterable[str]:
        return (summary(tally, self.pack) + "\n",)


def summary(tally: Tally, pack: PackInfo) -> str:
    v = tally.verdicts
    waived = ""
    if pack.waivers is not None:
        waived = f", {tally.waived} result{'s' * (tally.waived != 1)} waived"
    return (
        f"{tally.orders} orders: {v['pass']} pass, {v['fail']} fail, "
        f"{v['error']} error{waived} (rule pack {for_terminal(f'{pack.name} {pack.version}')})"
    )


class HtmlWriter:
    """One self-contained page (checker.report.pages): a chart of results per rule and a
    sortable table of orders. A page is for people: it keeps every order until the end."""

    def __init__(self, pack: PackInfo) -> None:
        self.pack = pack
        self._orders: list[dict[str, Any]] = []

    def begin(self) -> Iterable[str]:
        return ()

    def order(self, order: OrderResult) -> Iterable[str]:
        self._orders.append(order_json(order))
        return ()

    def end(self, tally: Tally) -> Iterable[str]:
        from checker.report.pages import Stamp, check_page

        data = {
            "schema": SCHEMA,
            "rulepack": self.pack.identity(),
            "rules": [r.id for r in self.pack.rules],
            "orders": self._orders,
            "summary": summary_json(tally, self.pack),
        }
        waivers = self.pack.waivers
        as_of = waivers.as_of if waivers is not None else dt.date.today().isoformat()
        return (check_page(data, Stamp.now(as_of)),)


WRITERS: dict[str, Callable[[PackInfo], Writer]] = {
    "text": TextWriter,
    "json": JsonWriter,
    "sarif": SarifWriter,
    "junit": JunitWriter,
    "github": GithubWriter,
    "html": HtmlWriter,
}
FORMATS = tuple(WRITERS)
