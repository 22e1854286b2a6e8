"""Parties identified by one scheme each: a USCC where there is one, else an LEI, else
the pack's own id. Through the real CLI, on real files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker.schema.forms import lei_check_digits
from tests.conftest import BASE_ORDER, REPO, order_text, pack_copy, write

US = REPO / "rules" / "us-bis-h200-2026"
BYTEDANCE = "  uscc: 91110108000000001A\n"
# LEIs from GLEIF's public records (check digits as published), and one made here.
PUBLISHED_LEIS = ["HWUPKR0MPOU8FGXBT394", "5493001KJTIIGC8Y1R12", "549300JB1P61FUTPEZ75"]
SUBSIDIARY = "5299000EXAMPLESG0162"  # the US pack's illustrative Singapore subsidiary


def test_published_leis_have_the_check_digits_iso_17442_gives() -> None:
    for lei in PUBLISHED_LEIS:
        assert lei_check_digits(lei[:18]) == lei[18:]


@pytest.mark.parametrize(
    ("identifiers", "words"),
    [
        ("  lei: 5299000EXAMPLESG0163\n", "check digits are '63' but the first 18 characters give"),
        ("  lei: 5299000examplesg0162\n", "use capital letters"),
        ("  lei: 5299000EXAMPLESG016\n", "an LEI has 20 characters, this one has 19"),
        ("", "give one identifier: uscc"),
        (BYTEDANCE + f"  lei: {SUBSIDIARY}\n", "give one identifier, not uscc and lei"),
        ("  id: 91110108000000001A\n", "is a valid USCC: give it as uscc"),
        (f"  id: {SUBSIDIARY}\n", "is a valid LEI: give it as lei"),
    ],
)
def test_an_order_gives_one_valid_identifier(
    cli: Any, tmp_path: Path, identifiers: str, words: str
) -> None:
    write(tmp_path, "o.yaml", order_text((BYTEDANCE, identifiers)))
    run = cli("check", "o.yaml", "--format", "json")
    assert run.code == 2
    errors = run.order("o.yaml")["errors"]
    assert any(words in e["message"] for e in errors), errors
    assert all(e["line"] in (4, 5, 6) for e in errors), errors  # at the buyer


def test_a_chinese_importer_without_its_uscc_fails_the_approved_buyer_rule(
    cli: Any, tmp_path: Path
) -> None:
    write(tmp_path, "o.yaml", order_text((BYTEDANCE, f"  lei: {SUBSIDIARY}\n")))
    run = cli("check", "o.yaml", "--format", "json")
    assert run.code == 1
    assert run.status("o.yaml", "approved-buyer") == "fail"
    message = run.message("o.yaml", "approved-buyer")
    assert f"not by lei {SUBSIDIARY}: give buyer.uscc" in message
    assert "USCC  is" not in message  # no empty code in the words


def _us_order(order_id: str, identifier: str, units: int, name: str = "Example") -> str:
    return (
        f"order_id: {order_id}\ndate: 2026-08-03\nbuyer: {{name: {name}, {identifier}}}\n"
        "batch: BIS-H200-2026-0003\nship_to: other\nseller_of_record: Lenovo\n"
        "end_use: research\nend_use_verified: true\nkyc_remote_access: true\n"
        "us_inspection: 2026-07-28\ndeployment_mode: on-premises\ndeployment_country: GB\n"
        f"lines:\n  - {{model: nvidia-h200, units: {units}}}\n"
    )


def test_a_listed_party_is_found_by_its_lei_or_the_packs_id(cli: Any, tmp_path: Path) -> None:
    orders = tmp_path / "orders"
    write(orders, "sg.yaml", _us_order("SG-1", f"lei: {SUBSIDIARY}", 10))
    write(orders, "uk.yaml", _us_order("UK-1", "id: example-research-partners", 10))
    run = cli("check", orders, "--rules", US, "--format", "json")
    # queued: an overseas subsidiary of a China-headquartered firm needs its licence
    assert run.status("sg.yaml", "licensed-customer") == "fail"
    assert "Example Compute Singapore Pte. Ltd. is queued" in run.message(
        "sg.yaml", "licensed-customer"
    )
    # headquartered elsewhere and shipping outside China: the licence rule is skipped
    assert run.status("uk.yaml", "licensed-customer") == "skip"
    assert "Example Research Partners LLP is headquartered outside China" in run.message(
        "uk.yaml", "licensed-customer"
    )


def test_the_customer_ledger_keeps_buyers_without_a_uscc_apart(cli: Any, tmp_path: Path) -> None:
    """Keyed on buyer_id: two unlisted LEIs are two customers, not one total of ''."""
    other = "5299000UNLISTED001" + lei_check_digits("5299000UNLISTED001")
    orders = tmp_path / "orders"
    write(orders, "a.yaml", _us_order("A-1", f"lei: {SUBSIDIARY}", 40_000))
    write(orders, "b.yaml", _us_order("B-1", f"lei: {other}", 40_000))
    write(orders, "c.yaml", _us_order("C-1", f"lei: {SUBSIDIARY}", 40_000))
    run = cli("ledger", orders, "--rules", US, "--format", "json")
    customer = next(v for v in run.report["ledgers"] if v["name"] == "customer")
    used = {a["key"]["buyer_id"]: a["used"] + a["reserved"] for a in customer["accounts"]}
    assert used == {SUBSIDIARY: 80_000, other: 40_000}
    checked = cli("check", orders, "--rules", US, "--format", "json")
    assert checked.status("b.yaml", "customer-cap") == "pass"
    assert checked.status("c.yaml", "customer-cap") == "fail"  # 80,000 past 75,000


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("    uscc: 91330100799655058B\n", "    uscc: 91110108000000001A\n",
         "USCC 91110108000000001A is listed twice"),
        ("    uscc: 91330100799655058B\n", "    lei: 5299000EXAMPLESG0163\n",
         "check digits are '63'"),
        ("    uscc: 91330100799655058B\n", "", "give one identifier: uscc"),
        ("    uscc: 91330100799655058B\n",
         f"    uscc: 91330100799655058B\n    lei: {SUBSIDIARY}\n",
         "give one identifier, not uscc and lei"),
    ],
)  # fmt: skip
def test_a_pack_lists_each_party_once_by_one_identifier(
    cli: Any, tmp_path: Path, old: str, new: str, words: str
) -> None:
    pack = pack_copy(tmp_path / "pack", ("pack.yaml", old, new))
    write(tmp_path, "o.yaml", BASE_ORDER)
    run = cli("check", "o.yaml", "--rules", pack)
    assert run.code == 2 and run.out == ""
    assert f"{pack / 'pack.yaml'}:" in run.err and words in run.err, run.err


def test_conditions_read_the_buyers_id_and_scheme(cli: Any, tmp_path: Path) -> None:
    """buyer_id and buyer_scheme are built-in facts, and the solver builds an order for a
    check on an LEI no entity lists (rules lint finds no never-failing check)."""
    lei = "5299000UNLISTED001" + lei_check_digits("5299000UNLISTED001")
    check = (
        "checks:\n"
        f'  - when: buyer_scheme == "lei" and buyer_id == "{lei}"\n'
        "    message: 'this LEI is barred: {buyer_id}'\n"
    )
    pack = pack_copy(tmp_path / "pack", ("known-models.yaml", "checks:\n", check))
    write(tmp_path, "o.yaml", order_text((BYTEDANCE, f"  lei: {lei}\n")))
    run = cli("check", "o.yaml", "--rules", pack, "--format", "json")
    assert run.status("o.yaml", "known-models") == "fail"
    assert f"this LEI is barred: {lei}" in run.message("o.yaml", "known-models")
    lint = cli("rules", "lint", "--rules", pack, "--rule", "known-models", "--witnesses")
    assert "never-fires" not in lint.out, lint.out
    assert f"lei: {lei}" in lint.out, lint.out


def test_the_documented_entities_are_the_us_packs() -> None:
    """docs/declarations.md quotes the US pack's subsidiary and id-only customer."""
    doc = (REPO / "docs" / "declarations.md").read_text(encoding="utf-8")
    block = re.search(r"gives exactly one identifier.*?```yaml\n(.*?)```", doc, re.S)
    assert block is not None
    quoted = yaml.safe_load(block[1])["entities"]
    pack = yaml.safe_load((US / "pack.yaml").read_text(encoding="utf-8"))["entities"]
    listed = {e["name"]: e for e in pack}
    for entity in quoted:
        assert {k: listed[entity["name"]][k] for k in entity} == entity
