"""The compiled validators (checker.schema.records) agree with the pydantic models they come from.

The check path validates with pydantic-core against schemas generated from
checker.schema.models; these tests hold the two together: the generated file is current, and
on valid and broken orders, packs and rules both accept the same data and build the
same values.
"""

from __future__ import annotations

import copy
import datetime as dt
import pickle
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from checker.authoring.strategies import orders
from checker.pack.rulepack import DEFAULT_PACK, RulePack, attribute_places, load_pack
from checker.schema import models, records, validation
from checker.schema.declared import EXAMPLE_ORDERS, split
from checker.source.documents import read_document
from tests.conftest import BASE_ORDER, PACK, REPO, write
from tools import codegen


@cache
def default_pack() -> RulePack:
    pack = load_pack(DEFAULT_PACK)
    assert isinstance(pack, RulePack)
    return pack


def plain(value: Any) -> Any:
    """Models and records as nested dicts; leaves keep their type (1, 1.0 and True differ)."""
    if isinstance(value, BaseModel):
        return {name: plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, records.Record):
        return {name: plain(getattr(value, name)) for name in value.__slots__}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return type(value).__name__, repr(value)


def outcome_by_models(name: str, data: Any) -> Any:
    try:
        return plain(getattr(models, name).model_validate(data))
    except ValidationError:
        return "rejected"


def outcome_by_records(name: str, data: Any) -> Any:
    try:
        return plain(validation.record(getattr(records, name), data))
    except ValidationError:
        return "rejected"


def assert_agree(name: str, data: Any) -> None:
    assert outcome_by_records(name, data) == outcome_by_models(name, data)


def test_committed_records_are_what_codegen_writes() -> None:
    committed = (REPO / "checker" / "schema" / "records.py").read_text(encoding="utf-8")
    assert committed == codegen.render(), (
        "checker/schema/records.py is stale: run python tools/codegen.py"
    )


LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-3, 2_000_000_000)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["2026-02-30", "2026-02-03", "91110108000000001A", "x" * 501, ""])
    | st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31))
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*path, index))
    return found


def mutate(draw: st.DrawFn, data: Any, times: int) -> Any:
    """`data` with up to `times` values replaced, keys dropped or keys added."""
    for _ in range(draw(st.integers(0, times))):
        path = draw(st.sampled_from(_paths(data)))
        if not path:
            continue
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "drop", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(VALUES)
        elif action == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from([*map(str, parent), "extra", "notes"]))] = draw(VALUES)
    return data


def example_order() -> Path:
    path = REPO / "examples" / "orders" / "bytedance-2026-0007.yaml"
    assert path.is_file()
    return path


@given(st.data())
def test_orders_are_accepted_and_built_alike(data: st.DataObject) -> None:
    order = data.draw(orders(default_pack()))
    assert_agree("Order", order)
    assert_agree("Order", mutate(data.draw, order, 3))


def test_every_order_data_defect_is_rejected_by_both() -> None:
    from checker.authoring.strategies import _DATA_DEFECTS

    for defect, apply in _DATA_DEFECTS.items():
        order = read_document(example_order()).data
        apply(order)
        assert outcome_by_records("Order", order) == "rejected", defect
        assert_agree("Order", order)


PACK_FILES = sorted(PACK.glob("*.yaml"))


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.name)
def test_pack_files_are_built_alike(path: Path) -> None:
    name = "PackMeta" if path.name == "pack.yaml" else "Rule"
    doc = read_document(path)
    assert not isinstance(doc, list)
    data = doc.data
    # the declared attributes and fields are validated on their own
    if name == "PackMeta":
        data, _ = split(data, attribute_places(doc).names)
    else:
        pack = default_pack()
        data, _ = split(data, pack.order_places.under(EXAMPLE_ORDERS).names)
    assert outcome_by_records(name, data) != "rejected"
    assert_agree(name, data)


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.name)
@given(data=st.data())
def test_broken_pack_files_are_judged_alike(path: Path, data: st.DataObject) -> None:
    name = "PackMeta" if path.name == "pack.yaml" else "Rule"
    doc = read_document(path)
    assert not isinstance(doc, list)
    assert_agree(name, mutate(data.draw, doc.data, 2))


def test_cross_field_checks_reject_in_both() -> None:
    """The model validators (checker.schema.forms) run in the compiled schema too."""
    meta = read_document(PACK / "pack.yaml")
    assert not isinstance(meta, list)
    batch = next(iter(meta.data["batches"].values()))
    batch["closes"] = batch["opens"] - dt.timedelta(days=1)
    assert outcome_by_records("PackMeta", meta.data) == "rejected"
    assert_agree("PackMeta", meta.data)


def test_records_are_immutable_and_compared_by_value() -> None:
    doc = read_document(example_order())
    assert not isinstance(doc, list)
    order = validation.record(records.Order, doc.data)
    assert order == validation.record(records.Order, doc.data)
    assert order != validation.record(records.Order, {**doc.data, "order_id": "OTHER"})
    with pytest.raises(AttributeError, match="immutable"):
        order.order_id = "OTHER"  # type: ignore[misc]
    assert repr(order).startswith("Order(order_id=")
    assert pickle.loads(pickle.dumps(order)) == order
    assert copy.deepcopy(order) == order
    assert copy.deepcopy(order).lines is not order.lines


def test_no_check_imports_pydantic(tmp_path: Path) -> None:
    """The point of the compiled validators: pydantic costs ~100 ms a run. An invalid
    file does not import it either: the compiled schema's errors are worded as they are."""
    good = write(tmp_path, "good.yaml", BASE_ORDER)
    bad = write(tmp_path, "bad.yaml", BASE_ORDER.replace("units: 8000", "units: '8000'", 1))
    probe = (
        "import sys\nfrom checker.cli.main import main\ncode = main(['check', sys.argv[1]])\n"
        "print(code, 'pydantic' in sys.modules)\n"
    )
    ran = [
        subprocess.run(
            [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, cwd=tmp_path
        ).stdout.split()[-2:]
        for path in (good, bad)
    ]
    assert ran == [["0", "False"], ["2", "False"]]


def test_codegen_refuses_what_it_would_compile_wrongly() -> None:
    """An alias, or a validator outside checker.schema.forms, must stop codegen, not vanish."""
    from pydantic import AfterValidator, Field

    class Aliased(models.Strict):
        name: str = Field(alias="Name")

    with pytest.raises(TypeError, match="cannot compile Aliased"):
        codegen._convert(Aliased.__pydantic_core_schema__)

    def shout(text: str) -> str:
        return text.upper()

    class Checked(models.Strict):
        name: Annotated[str, AfterValidator(shout)]

    with pytest.raises(TypeError, match=r"not in checker\.schema\.forms"):
        codegen._convert(Checked.__pydantic_core_schema__)
