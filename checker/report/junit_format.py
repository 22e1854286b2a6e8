"""JUnit XML for CI test viewers, written through a spool so memory stays flat."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checker.core.escaping import (
    for_terminal,
    for_xml,
)
from checker.core.problems import WriteError
from checker.core.results import (
    INPUT_ERROR,
    OrderResult,
    PackInfo,
    Tally,
)
from checker.report.json_format import waiver_json
from checker.report.text_format import waiver_note

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
