"""GitHub Actions workflow commands: an annotation per failing or warning rule."""

from __future__ import annotations

from collections.abc import Iterable

from checker.core.escaping import (
    for_terminal,
    unicode_safe,
)
from checker.core.results import (
    OrderResult,
    PackInfo,
    Tally,
)
from checker.report.text_format import summary, waiver_note


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
            if r.status in ("fail", "warn"):
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
