"""Editor schemas: generated from the pydantic models, committed, and true to the files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from checker.source.documents import read_document
from tests.conftest import PACK, REPO

REGENERATE = (
    "for k in order rules pack waivers; do chipcheck schema $k > schemas/$k.schema.json; done; "
    "for k in order rules pack; do chipcheck schema $k --rules us-bis-h200-2026 "
    "> schemas/us-bis-h200-2026/$k.schema.json; done"
)
US = "us-bis-h200-2026"  # the US pack declares its own fields: schemas of its own


def schema(kind: str, pack: str = "") -> Any:
    path = REPO / "schemas" / pack / f"{kind}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def data(path: Path) -> Any:
    """The file's data as an editor sees it: JSON types, dates as strings."""
    doc = read_document(path)
    assert not isinstance(doc, list), doc
    return json.loads(json.dumps(doc.data, default=str))


@pytest.mark.parametrize("kind", ["order", "rules", "pack", "waivers"])
def test_committed_schema_is_what_the_command_prints(cli: Any, kind: str) -> None:
    run = cli("schema", kind)
    assert run.code == 0
    assert json.loads(run.out) == schema(kind), f"schemas/ is stale: run {REGENERATE}"


@pytest.mark.parametrize("kind", ["order", "rules", "pack"])
def test_the_us_packs_committed_schema_is_what_the_command_prints(cli: Any, kind: str) -> None:
    run = cli("schema", kind, "--rules", US)
    assert run.code == 0
    assert json.loads(run.out) == schema(kind, US), f"schemas/ is stale: run {REGENERATE}"


US_EXAMPLES = sorted((REPO / "examples" / "us-orders").glob("*.yaml"))
US_FILES = sorted((REPO / "rules" / US).glob("*.yaml"))


@pytest.mark.parametrize("path", US_EXAMPLES + US_FILES, ids=lambda p: p.name)
def test_the_us_packs_files_point_at_and_meet_its_own_schemas(path: Path) -> None:
    kind = "order" if path in US_EXAMPLES else "pack" if path.name == "pack.yaml" else "rules"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == f"# yaml-language-server: $schema=../../schemas/{US}/{kind}.schema.json"
    jsonschema.validate(data(path), schema(kind, US))


EXAMPLES = sorted((REPO / "examples" / "orders").glob("*.yaml"))
RULE_FILES = sorted(p for p in PACK.glob("*.yaml") if p.name != "pack.yaml")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_orders_declare_and_meet_the_order_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/order.schema.json"
    jsonschema.validate(data(path), schema("order"))


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_files_meet_the_rules_schema(path: Path) -> None:
    jsonschema.validate(data(path), schema("rules"))


def test_pack_file_meets_the_pack_schema() -> None:
    jsonschema.validate(data(PACK / "pack.yaml"), schema("pack"))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("lines", 0, "units"), "8000"),
        (("lines", 0, "units"), 0),
        (("buyer", "uscc"), "91110108000000001a"),
        (("justification", "utilization"), 1.5),
        (("justfication",), {}),
    ],
)
def test_the_order_schema_rejects_what_the_checker_rejects(
    path: tuple[Any, ...], value: Any
) -> None:
    order = data(EXAMPLES[0])
    target = order
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(order, schema("order"))


def test_the_example_waivers_file_meets_its_schema() -> None:
    jsonschema.validate(data(REPO / "examples" / "waivers.yaml"), schema("waivers"))
