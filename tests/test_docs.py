"""The examples of docs/language.md, each run through `chipcheck check`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.test_language import BASE, fired, pack_with

DOC = REPO / "docs" / "language.md"
BLOCK = re.compile(r"```chipcheck-example\nwhen: (?P<when>.*)\nholds: (?P<holds>true|false)\n```")
PARAMETERS = (
    "  ratio:\n    value: 1.0\n  share:\n    value: 0.6\n  minimum:\n    value: 40\n"
    "  models:\n    value: [a, b, c]\n"
)
EXAMPLES = [(m["when"], m["holds"] == "true") for m in BLOCK.finditer(DOC.read_text("utf-8"))]


def test_the_document_has_examples() -> None:
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize(("when", "holds"), EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_each_example_holds_as_documented(cli: Any, tmp_path: Path, when: str, holds: bool) -> None:
    pack = pack_with(tmp_path, [when], PARAMETERS)
    assert fired(cli, pack, BASE, tmp_path) == (["check 1"] if holds else [])
