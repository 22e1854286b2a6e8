"""No input crashes the checker or passes when it should not; module boundaries hold."""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from checker.loading import parse_bytes
from checker.models import Order
from checker.validation import validate
from tests.conftest import BASE_ORDER, REPO


def _checks_cleanly(raw: bytes, json_syntax: bool) -> None:
    doc = parse_bytes(raw, "fuzz.yaml", json_syntax=json_syntax)
    if isinstance(doc, list):
        assert doc, "a rejected file must say why"
        return
    validate(Order, doc)  # either an Order or problems; never an exception


@given(raw=st.binary(max_size=400), json_syntax=st.booleans())
def test_random_bytes_never_raise(raw: bytes, json_syntax: bool) -> None:
    _checks_cleanly(raw, json_syntax)


@given(position=st.integers(0, len(BASE_ORDER)), junk=st.text(max_size=8))
def test_corrupted_orders_never_raise(position: int, junk: str) -> None:
    _checks_cleanly((BASE_ORDER[:position] + junk + BASE_ORDER[position:]).encode(), False)


@given(
    data=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_arbitrary_yaml_documents_never_raise(data: object) -> None:
    import yaml

    _checks_cleanly(yaml.safe_dump(data, allow_unicode=True).encode(), False)


def test_only_the_engine_module_imports_durable() -> None:
    importers = []
    for path in sorted((REPO / "checker").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0] in ("durable", "durable_rules_engine") for n in names):
                importers.append(Path(path).name)
    assert importers == ["engine.py"]
