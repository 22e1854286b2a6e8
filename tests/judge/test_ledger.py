"""The order lifecycle and `chipcheck ledger`, through the real CLI, and ledger totals
against an independent reading of the pack over generated order sets."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given

from checker.authoring.strategies import order_sets, to_yaml
from checker.cli.main import main
from checker.pack.rulepack import RulePack, load_pack
from tests.conftest import PACK, REPO, order_text, write

# BASE_ORDER is ByteDance's (allocation 150,000 in B1): 8,000 controlled units.
UNITS = ("    units: 8000\n  - model: huawei", "    units: {n}\n  - model: huawei")
DOMESTIC = ("huawei-ascend-910c\n    units: 8000", "huawei-ascend-910c\n    units: {n}")


def order(order_id: str, date: str, units: int, status: str | None = None) -> str:
    text = order_text(
        ("order_id: T-1", f"order_id: {order_id}"),
        ("date: 2026-02-03", f"date: {date}"),
        (UNITS[0], UNITS[1].format(n=units)),
        (DOMESTIC[0], DOMESTIC[1].format(n=units)),
    )
    return text.replace(f"date: {date}\n", f"date: {date}\nstatus: {status}\n") if status else text


def test_cancelling_an_order_frees_its_units_for_later_orders(cli: Any, tmp_path: Path) -> None:
    orders = tmp_path / "orders"
    write(orders, "a.yaml", order("A-1", "2026-02-01", 100_000))
    write(orders, "b.yaml", order("A-2", "2026-02-02", 60_000))
    run = cli("check", orders, "--format", "json")
    assert run.status("b.yaml", "batch-quota") == "fail"
    for status in ("cancelled", "rejected"):
        write(orders, "a.yaml", order("A-1", "2026-02-01", 100_000, status))
        freed = cli("check", orders, "--format", "json")
        assert freed.code == 0, (status, freed.out)
        assert freed.status("a.yaml", "batch-quota") == "pass"  # still checked
        assert freed.status("b.yaml", "batch-quota") == "pass"
    for status in ("draft", "submitted", "approved", "shipped"):
        write(orders, "a.yaml", order("A-1", "2026-02-01", 100_000, status))
        held = cli("check", orders, "--format", "json")
        assert held.status("b.yaml", "batch-quota") == "fail", status


def test_an_unknown_status_is_an_input_error_at_its_line(cli: Any, tmp_path: Path) -> None:
    write(tmp_path / "orders", "a.yaml", order("A-1", "2026-02-01", 8000, "canceled"))
    run = cli("check", tmp_path / "orders")
    assert run.code == 2
    assert "a.yaml:3:9: status is 'canceled'" in run.out, run.out
    assert "cancelled" in run.out + run.err  # the allowed values are listed


def account(report: Any, ledger: str, **key: str) -> Any:
    view = next(v for v in report["ledgers"] if v["name"] == ledger)
    return next(a for a in view["accounts"] if a["key"] == key)


def test_the_ledger_shows_used_reserved_remaining_and_the_first_order_over(
    cli: Any, tmp_path: Path
) -> None:
    orders = tmp_path / "orders"
    write(orders, "a.yaml", order("A-1", "2026-02-01", 50_000, "shipped"))
    write(orders, "b.yaml", order("A-2", "2026-02-02", 40_000, "approved"))
    write(orders, "c.yaml", order("A-3", "2026-02-03", 30_000, "cancelled"))
    write(orders, "d.yaml", order("A-4", "2026-02-04", 50_000, "draft"))
    write(orders, "e.yaml", order("A-5", "2026-02-05", 20_000))  # submitted
    run = cli("ledger", orders, "--format", "json")
    assert run.code == 1  # a total is past its limit
    buyer = account(
        json.loads(run.out), "buyer", batch="CN-H200-2026-B1", buyer_id="91110108000000001A"
    )
    assert (buyer["limit"], buyer["used"], buyer["reserved"]) == (150_000, 90_000, 70_000)
    assert buyer["remaining"] == -10_000
    assert buyer["first_over"]["order_id"] == "A-5"
    rows = {r["order_id"]: r for r in buyer["orders"]}
    assert [r["order_id"] for r in buyer["orders"]] == ["A-1", "A-2", "A-3", "A-4", "A-5"]
    assert rows["A-3"]["counted"] is False and rows["A-3"]["status"] == "cancelled"
    assert rows["A-4"]["reserved"] is True and rows["A-2"]["reserved"] is False
    assert rows["A-5"]["status"] == "submitted"  # the default
    assert (rows["A-4"]["used_total"], rows["A-4"]["reserved_total"]) == (90_000, 50_000)
    assert rows["A-4"]["remaining_after"] == 10_000 and rows["A-4"]["over"] is False
    assert rows["A-5"]["over"] is True and rows["A-5"]["verdict"] == "fail"

    text = cli("ledger", orders).out
    assert (
        "  CN-H200-2026-B1, Beijing ByteDance Technology Co., Ltd. (91110108000000001A): limit "
        "150,000, used 90,000, reserved 70,000, remaining -10,000; first over the limit: A-5 "
        "(orders/e.yaml)"
    ) in text.replace(str(orders), "orders")
    assert "not counted" in text and "OVER (reserved)" in text


def test_csv_and_json_say_the_same(cli: Any, tmp_path: Path) -> None:
    orders = tmp_path / "orders"
    write(orders, "a.yaml", order("A-1", "2026-02-01", 50_000, "shipped"))
    write(tmp_path, "=cmd|calc.yaml", order("-A-2", "2026-02-02", 120_000))
    paths = ("orders", "=cmd|calc.yaml")  # relative: the file cell starts with "="
    report = json.loads(cli("ledger", *paths, "--format", "json").out)
    rows = list(csv.DictReader(io.StringIO(cli("ledger", *paths, "--format", "csv").out)))
    expected = [
        (view["name"], a["limit"], o)
        for view in report["ledgers"]
        for a in view["accounts"]
        for o in a["orders"]
    ]
    assert len(rows) == len(expected) > 0
    for row, (ledger, limit, o) in zip(rows, expected, strict=True):
        assert row["ledger"] == ledger
        assert row["limit"] == ("" if limit is None else str(limit))
        for field in ("amount", "used_total", "reserved_total"):
            assert int(row[field]) == o[field]
        assert row["over"] == str(o["over"]).lower()
        assert row["verdict"] == o["verdict"]
    # Text a spreadsheet would run as a formula is written with an apostrophe.
    cells = [r["file"] for r in rows] + [r["order_id"] for r in rows]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert "'-A-2" in cells and "'=cmd|calc.yaml" in cells


def test_the_us_pack_has_a_ledger_per_customer(cli: Any, tmp_path: Path) -> None:
    from tests.conftest import REPO

    report = json.loads(
        cli(
            "ledger", REPO / "examples" / "us-orders", "--rules", "us-bis-h200-2026",
            "--format", "json",
        ).out
    )  # fmt: skip
    customer = account(report, "customer", buyer_id="91110108000000001A")
    assert customer["limit"] == 75_000
    assert customer["first_over"] is not None  # bytedance-ship-0002 goes past the cap


# --- totals against an independent reading of pack.yaml -----------------------------

PACK_V = load_pack(PACK)
assert isinstance(PACK_V, RulePack), PACK_V
META = yaml.safe_load((PACK / "pack.yaml").read_text(encoding="utf-8"))
CONTROLLED = {m for m, a in META["catalog"].items() if a.get("controlled")}


def identifier(party: dict[str, Any]) -> str:
    """A party's one identifier, whichever its scheme."""
    return next(party[scheme] for scheme in ("uscc", "lei", "id") if scheme in party)


ALLOCATION = {
    (batch, identifier(e)): s["allocation"]
    for e in META["entities"]
    for batch, s in (e.get("batches") or {}).items()
    if s.get("status") == "approved"
}


def expected_buyer_totals(documents: list[dict[str, Any]]) -> dict[tuple[str, str], list[int]]:
    """(batch, buyer) -> [used, reserved], read from the documents and pack.yaml alone."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for d in documents:
        key = (d["batch"], identifier(d["buyer"]))
        status = d.get("status", "submitted")
        if key not in ALLOCATION or d["batch"] not in META["batches"]:
            continue
        if status in ("cancelled", "rejected"):
            continue
        units = sum(line["units"] for line in d["lines"] if line["model"] in CONTROLLED)
        totals[key][status in ("draft", "submitted")] += units
    return totals


@given(order_sets(PACK_V, max_size=8))
def test_ledger_totals_agree_with_an_independent_computation(
    documents: list[dict[str, Any]],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for index, document in enumerate(documents):
            (Path(scratch) / f"o{index}.yaml").write_text(to_yaml(document), encoding="utf-8")
        out = io.StringIO()
        import contextlib

        with contextlib.redirect_stdout(out):
            code = main(["ledger", scratch, "--format", "json"])
    assert code in (0, 1)
    report = json.loads(out.getvalue())
    view = next(v for v in report["ledgers"] if v["name"] == "buyer")
    got = {
        (a["key"]["batch"], a["key"]["buyer_id"]): [a["used"], a["reserved"]]
        for a in view["accounts"]
        if a["used"] or a["reserved"]
    }
    expected = {k: v for k, v in expected_buyer_totals(documents).items() if any(v)}
    assert got == expected
    for a in view["accounts"]:
        key = (a["key"]["batch"], a["key"]["buyer_id"])
        if key in ALLOCATION:
            assert a["remaining"] == ALLOCATION[key] - a["used"] - a["reserved"]
            crossing = [o for o in a["orders"] if o["over"]]
            assert (a["first_over"] is None) == (not crossing)
            assert (a["used"] + a["reserved"] > ALLOCATION[key]) == bool(crossing)


def _view(run: Any, name: str) -> dict[str, Any]:
    return next(v for v in run.report["ledgers"] if v["name"] == name)


def test_the_ledger_view_tells_the_story_check_tells(cli: Any) -> None:
    """A cap stated in a rule's parameters is the ledger's limit too; an order is marked
    failing on a ledger only when a rule on that ledger fails it; a 0-unit order is
    never over; accounts are named by the entity's name with its code."""
    examples = REPO / "examples" / "orders"
    run = cli("ledger", examples, "--format", "json")
    check = cli("check", examples, "--format", "json")
    us = _view(run, "us_customer")
    assert us["rule_limits"] == [{"rule": "us-customer-cap", "limit": 75000}]
    assert us["rules"] == ["us-customer-cap"]
    tencent = next(a for a in us["accounts"] if a["key"] == {"buyer_id": "91440300708461136T"})
    assert tencent["name"] == "Shenzhen Tencent Computer Systems Co., Ltd. (91440300708461136T)"
    assert (tencent["limit"], tencent["remaining"]) == (75000, 75000 - 94000)
    assert tencent["first_over"]["order_id"] == "TC-2026-0040"
    assert check.status("tencent-2026-0040.yaml", "us-customer-cap") == "fail"

    buyer = _view(run, "buyer")
    assert buyer["rule_limits"] == [] and buyer["rules"] == ["batch-quota"]
    rows = {o["order_id"]: o for a in buyer["accounts"] for o in a["orders"]}
    # fails batch-window, a rule on no ledger: not failing here
    assert rows["TC-2026-0001"]["verdict"] == "fail" and not rows["TC-2026-0001"]["failing"]
    assert rows["BD-2026-0031"]["failing"] and rows["BD-2026-0031"]["over"]
    assert rows["ALI-2026-0009"]["amount"] == 0 and not rows["ALI-2026-0009"]["over"]
    text = cli("ledger", examples).out
    assert "(limit as its rules state it: 75,000 (us-customer-cap))" in text
    assert (
        "  Shenzhen Tencent Computer Systems Co., Ltd. (91440300708461136T): limit 75,000" in text
    )


def test_the_us_china_share_is_the_china_ledgers_limit(cli: Any) -> None:
    pack = REPO / "rules" / "us-bis-h200-2026"
    run = cli("ledger", REPO / "examples" / "us-orders", "--rules", pack, "--format", "json")
    china = _view(run, "china")
    assert china["rule_limits"] == [{"rule": "china-share", "limit": 200000}]
    (account,) = china["accounts"]
    assert account["limit"] == 200000 and account["name"] == "all orders"
