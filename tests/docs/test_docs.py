"""The examples of docs/language.md, each run through `chipcheck check`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, write
from tests.lang.test_language import BASE, fired, pack_with

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


DECLARATIONS = (REPO / "docs" / "declarations.md").read_text("utf-8")


def _block(kind: str) -> str:
    found = re.search(rf"```{kind}\n(.*?)```", DECLARATIONS, re.S)
    assert found, kind
    return found[1]


def test_the_declarations_example_judges_as_documented(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "pack/pack.yaml", _block("chipcheck-pack"))
    write(tmp_path, "pack/licensed.yaml", _block("chipcheck-rule"))
    write(tmp_path, "orders/ex-1.yaml", _block("chipcheck-order"))
    run = cli("check", "orders", "--rules", "pack", "--format", "json")
    assert run.code == 0, run.err
    (result,) = run.order("ex-1.yaml")["results"]
    assert result["message"] == "through Acme Distribution Ltd."
    assert result["facts"] == {
        "controlled_units": 16,
        "distributor": "Acme Distribution Ltd.",
        "whole_servers": True,
    }
    assert "`through Acme Distribution Ltd.`" in DECLARATIONS
    assert "`controlled_units: 16`, `whole_servers: true`" in DECLARATIONS
    tested = cli("rules", "test", "--rules", "pack")
    assert tested.code == 0, tested.err
    assert "2 examples: 2 ok, 0 wrong" in tested.out
    unlicensed = _block("chipcheck-order").replace("Acme Distribution", "Gamma")
    write(tmp_path, "orders/ex-1.yaml", unlicensed.replace("units: 16", "units: 12"))
    run = cli("check", "orders", "--rules", "pack", "--format", "json")
    assert run.code == 1
    assert run.message("ex-1.yaml", "licensed") == (
        "not licensed: Gamma Ltd. is not a licensed distributor; "
        "controlled lines must be whole servers of 8"
    )
