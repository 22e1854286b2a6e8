"""No input crashes the checker or passes when it should not; module boundaries hold."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from checker.authoring.strategies import malformed_documents, orders, to_yaml
from checker.pack.rulepack import DEFAULT_PACK, RulePack, load_pack
from checker.schema.records import Order
from checker.schema.validation import validate
from checker.source.documents import Document, _compose, _parse_yaml, _walk_events, parse_bytes
from tests.conftest import BASE_ORDER, REPO, order_text, write


@cache
def load_default() -> RulePack:
    pack = load_pack(DEFAULT_PACK)
    assert isinstance(pack, RulePack)
    return pack


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
    for path in sorted((REPO / "checker").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any("durable" in n for n in names) or (
                isinstance(node, ast.ImportFrom) and any("durable" in a.name for a in node.names)
            ):
                importers.append(path.relative_to(REPO).as_posix())
    assert importers == ["checker/engine/rulesets.py"]


# The fast path (libyaml composes nodes in C) must read exactly what the event walk reads,
# or decline and leave the file to it.
YAML_TEXTS = st.one_of(
    st.builds(lambda doc: to_yaml(doc), orders(load_default())),
    st.builds(lambda m: m.text.decode("utf-8", "replace"), malformed_documents(load_default())),
    st.builds(
        lambda position, junk: BASE_ORDER[:position] + junk + BASE_ORDER[position:],
        st.integers(0, len(BASE_ORDER)),
        st.text(max_size=8),
    ),
    st.text(max_size=200),
)


def assert_read_as_the_event_walk_reads(text: str) -> None:
    """`_parse_yaml` (which may take the composer fast path) agrees with the event walk."""
    parsed, walked = _parse_yaml(text, "f.yaml"), _walk_events(text, "f.yaml")
    if isinstance(walked, list) or isinstance(parsed, list):
        assert parsed == walked
    else:  # repr, so that 1, 1.0 and True differ
        assert (repr(parsed.data), parsed.values, parsed.keys) == (
            repr(walked.data),
            walked.values,
            walked.keys,
        )


@given(text=YAML_TEXTS)
@example(text="Null")  # found by the search: one null read as data, not as an empty file
@example(text="~\n")
def test_composed_documents_equal_the_event_walk(text: str) -> None:
    assert_read_as_the_event_walk_reads(text)


def test_the_fast_path_is_taken_for_ordinary_orders() -> None:
    """Otherwise the equality above would hold vacuously."""
    assert isinstance(_compose(BASE_ORDER, "o.yaml"), Document)
    rule_like = "when: a != 1 and b * 2 < c\nmessage: Stop!\n"
    assert isinstance(_compose(rule_like, "r.yaml"), Document)


@pytest.mark.parametrize(
    "text",
    [
        "a: ! 5\n",
        "a: !\n",
        "a: !!str 5\n",
        "a: !!int '5'\n",
        "a: !custom x\n",
        "a: !=x\n",
        "! {a: 1}\n",
        "a: *x\n",
        "a: &x 1\nb: *x\n",
        "a: [1, *x]\n",
        "a: x != y\nb: x * 2\n",
        "? !!str a\n: 1\n",
        "a: !<tag:yaml.org,2002:str> 5\n",
    ],
)
def test_tags_anchors_and_aliases_are_read_as_the_event_walk_reads_them(text: str) -> None:
    assert_read_as_the_event_walk_reads(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 500_000 + "]" * 500_000,  # crashed libyaml's composer, or ran out of memory
        "- " * 500_000 + "x",
        "a: " + "[" * 65 + "]" * 65,
    ],
    ids=["brackets-1MiB", "dashes-1MiB", "brackets-65"],
)
def test_deep_nesting_is_an_input_error_not_a_crash(cli: Any, tmp_path: Path, text: str) -> None:
    """One located error and exit 2. Which stage stops it is not ours to pin: libyaml may
    refuse a deep flow collection in its scanner (PyYAML 6.0.4 does, in its own words)
    before the event walk reaches MAX_DEPTH."""
    (tmp_path / "deep.yaml").write_text(text, encoding="utf-8")
    run = cli("check", "deep.yaml", "--format", "json")
    assert run.code == 2
    order = run.order("deep.yaml")
    assert order["verdict"] == "error"
    assert order["results"] == []
    [problem] = order["errors"]
    assert problem["line"] == 1


def test_nesting_past_the_limit_is_named_by_chipcheck(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 65 + "]" * 65, encoding="utf-8")
    run = cli("check", "deep.yaml", "--format", "json")
    assert run.code == 2
    [problem] = run.order("deep.yaml")["errors"]
    assert "nested deeper than 64 levels" in problem["message"]
    # the mapping is level 1; the 64th bracket, at column 3 + 64, opens level 65
    assert (problem["line"], problem["column"]) == (1, 67)


def test_a_check_leaves_no_reference_cycles(tmp_path: Path) -> None:
    """The cyclic GC is paused during a check, so a cycle per file is memory held to the end
    (a recursive closure in the YAML reader once kept every file's positions alive)."""
    import gc

    from checker.judge.checking import Checker

    for i in range(150):
        write(tmp_path, f"o{i}.yaml", order_text(("order_id: T-1", f"order_id: T-{i}")))
    for i in range(50):
        write(tmp_path, f"bad{i}.yaml", "order_id: [unclosed\n")
        write(tmp_path, f"anchor{i}.yaml", BASE_ORDER.replace("batch:", "batch: &b"))
    checker = Checker(load_default())
    checker.check_paths([tmp_path])  # first run: imports and caches
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        report = checker.check_paths([tmp_path])
        assert len(report.orders) == 250
        assert gc.collect() < 25
    finally:
        if enabled:
            gc.enable()


def test_reader_processes_only_for_large_sets_and_at_most_eight() -> None:
    from checker.judge.reading import PARALLEL_FILES, default_jobs

    assert default_jobs(1) == default_jobs(PARALLEL_FILES - 1) == 1
    assert 1 <= default_jobs(10**7) <= 8
