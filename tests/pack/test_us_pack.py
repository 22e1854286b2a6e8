"""The US export pack (rules/us-bis-h200-2026): written in YAML alone on the declarations
of rule packs v2, judged through the real CLI on its own example orders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import REPO

US = REPO / "rules" / "us-bis-h200-2026"
ORDERS = REPO / "examples" / "us-orders"
RULES = [
    "licensed-customer",
    "customer-cap",
    "china-share",
    "us-inspection",
    "end-use",
    "seller-of-record",
    "affiliates-rule",
    "distillation-advisory",
    "offshore-deployment",
    "remote-access",
]

# What each example shipment must get, rule by rule (p pass, f fail, s skip), in RULES order,
# proposed rules enforced (the last three but the Affiliates Rule warn otherwise).
EXPECTED = {
    "alibaba-ship-0001.yaml": "pppppfsssp",  # sold by a distributor that is not licensed
    "alibaba-ship-0002.yaml": "ppfpppsffp",  # China past half of US units; named in AA26-251A
    "bytedance-ship-0001.yaml": "ppppppsssp",
    "bytedance-ship-0002.yaml": "pfpfppsssp",  # over the 75,000 cap (H200 + MI325X); inspected late
    "bytedance-ship-0003.yaml": "psspppspfp",  # H20 only, to Hong Kong; no deployment mode
    "bytedance-ship-0004.yaml": "pssppppppp",  # after the Affiliates Rule's stay: reviewed owners
    "jd-ship-0001.yaml": "ppppfpssfp",  # KYC not passed; no deployment mode
    "listed-owner-ship-0001.yaml": "psspppfpff",  # listed owners; cloud rental in Malaysia
    "zte-ship-0001.yaml": "fpspfpsssp",  # queued, shipping abroad; military end use
    # an overseas subsidiary by its LEI: not licensed although in Singapore; a review host
    "compute-sg-ship-0001.yaml": "fpspppppfp",
}
LETTER = {"pass": "p", "fail": "f", "skip": "s", "warn": "w"}


def test_every_rule_passes_and_fails_on_the_example_shipments(cli: Any) -> None:
    run = cli("check", ORDERS, "--rules", US, "--format", "json", "--enforce-proposed")
    assert run.code == 1, run.err
    got = {}
    for order in run.report["orders"]:
        assert [r["rule"] for r in order["results"]] == RULES
        got[order["file"].rsplit("/", 1)[-1]] = "".join(
            LETTER[r["status"]] for r in order["results"]
        )
    assert got == EXPECTED
    for index in range(len(RULES)):
        column = {statuses[index] for statuses in got.values()}
        assert {"p", "f"} <= column, RULES[index]


def test_the_messages_say_what_to_do(cli: Any) -> None:
    run = cli("check", ORDERS, "--rules", US, "--format", "json")
    assert run.message("bytedance-ship-0002.yaml", "customer-cap") == (
        "over the per-customer cap: 40,000 shipped before, 40,000 now: 5,000 over the cap "
        "75,000; ship at most 35,000"
    )
    assert run.message("alibaba-ship-0002.yaml", "china-share") == (
        "over the China share: 175,000 shipped to China before, 30,000 now: over 400,000 x "
        "0.5 by 5,000; ship at most 25,000 or ship more to US end users first"
    )
    assert run.message("bytedance-ship-0002.yaml", "us-inspection") == (
        "no US inspection before shipment: inspected 2026-07-03, after the shipment date "
        "2026-07-01: inspect before shipping"
    )


def test_a_bundled_pack_is_named_by_its_name_and_a_directory_of_that_name_wins(
    cli: Any, tmp_path: Path
) -> None:
    by_name = cli("check", ORDERS, "--rules", "us-bis-h200-2026", "--format", "json")
    assert by_name.code == 1, by_name.err
    assert by_name.report["rulepack"]["name"] == "us-bis-h200-2026"
    own = tmp_path / "us-bis-h200-2026"
    shutil.copytree(US, own)
    meta = own / "pack.yaml"
    meta.write_text(meta.read_text().replace("version: 2026.3.0", "version: 9.9.9"))
    local = cli("check", ORDERS, "--rules", "us-bis-h200-2026", "--format", "json")
    assert local.report["rulepack"]["version"] == "9.9.9"
    missing = cli("rules", "--rules", "us-bis-h200-2025")
    assert missing.code == 2
    assert "bundled packs, by name: cn-h200-2026, us-bis-h200-2026" in missing.err
    assert "cn-h200-2026, us-bis-h200-2026" in cli("check", "--help").out


def test_explain_and_schema_document_the_pack(cli: Any) -> None:
    facts = cli("explain", "--rules", US)
    assert facts.code == 0
    for name in ("capped_units", "customer_used_before", "china_used_after", "us_inspection"):
        assert f"  {name} (" in facts.out
    for rule in RULES:
        explained = cli("explain", rule, "--rules", US)
        assert explained.code == 0 and explained.out.startswith(f"{rule}: ")
    schema = json.loads(cli("schema", "order", "--rules", US).out)
    assert schema["properties"]["ship_to"] == {
        "enum": ["china", "macau", "hong-kong", "other"],
        "description": "Where the shipment goes; an overseas subsidiary still needs a licence.",
    }
    assert {"ship_to", "seller_of_record", "end_use"} <= set(schema["required"])
