"""Pack declarations through the real CLI: fields, attributes, lists, facts, ledgers.

Each test writes a pack of its own (pack.yaml with the declarations under test, one
rule reading them) and orders, runs `chipcheck`, and reads what a user would read:
verdicts, the facts in the report, and load errors at file:line:column.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write

# Reference data with declared attributes on every kind of record.
PACK = """\
name: declared
version: "1"
title: A pack written for tests/schema/test_declarations.py
description: Declarations of every kind.
rules: [probe]
attributes:
  catalog:
    controlled: {type: boolean, required: true}
    family: {type: text, values: [gpu, npu]}
  batches:
    cap: {type: integer, min: 1, required: true}
  entities:
    sector: {type: text, values: [cloud, telecom]}
fields:
  order:
    distributor: {type: text, description: The licensed distributor the order goes through.}
    end_uses: {type: list, of: text}
  lines:
    region: {type: text, values: [mainland, overseas], required: true}
  buyer:
    approval: {type: text}
  justification:
    approved_on: {type: date}
lists:
  licensed: [Acme Distribution Ltd., Beta Trading Co.]
  excluded_uses: [military, surveillance]
facts:
{facts}
ledgers:
{ledgers}
catalog:
  gpu-a: {controlled: true, family: gpu}
  npu-b: {controlled: false, family: npu}
  plain-c: {controlled: false}
batches:
  B1: {opens: 2026-01-01, closes: 2026-12-31, cap: 1000}
entities:
  - name: Cloud Co., Ltd.
    uscc: 91110108000000001A
    batches: {B1: {status: approved, allocation: 500}}
    sector: cloud
  - name: Other Co., Ltd.
    uscc: 91330100799655058B
    batches: {B1: {status: approved, allocation: 500}}
"""

FACTS = """\
  controlled_units: {description: controlled units, sum: units, where: model.controlled == true}
  mainland_controlled:
    description: controlled units deployed on the mainland
    sum: units
    where: model.controlled == true and region == "mainland"
  overseas_lines: {description: lines deployed overseas, count: lines, where: region == "overseas"}
  largest_line: {description: the largest line, max: units, default: 0}
  smallest_npu:
    {description: the smallest NPU line, min: units, where: model.family == "npu", default: 0}
  whole_servers:
    description: every controlled line is whole servers of 8
    all: units % 8 == 0
    where: model.controlled == true
  excluded_use:
    description: an end use is excluded
    exists: item in excluded_uses
    over: end_uses
  end_use_count: {description: end uses given, count: end_uses}
  distributor: {description: "the distributor, or ''", value: distributor, default: ""}
  has_approval: {description: the buyer gives an approval number, present: buyer.approval}
  sector: {description: "the entity's sector, or ''", value: entity.sector, default: ""}
  approval_days:
    description: days from approval to the order
    days: [justification.approved_on, date]
    default: -1
  batch_cap: {description: the batch cap, value: batch.cap, default: 0}
"""

LEDGERS = """\
  monthly:
    description: the buyer's controlled units per calendar month, across batches
    key: [buyer_uscc]
    amount: controlled_units
    period: month
    limit: buyer_allocation
"""

RULE = """\
id: probe
title: Reads declared facts
status: reported
source: tests/schema/test_declarations.py
description: Fails when its check holds.
message: "probe"
pass_message: "ok"
checks:
  - when: {when}
    message: "check holds"
"""

ORDER = """\
order_id: {order_id}
date: {date}
buyer:
  name: Cloud Co., Ltd.
  uscc: 91110108000000001A
batch: B1
lines:
{lines}{extra}"""


def make_pack(
    tmp_path: Path, when: str = "controlled_units < 0", facts: str = FACTS, ledgers: str = LEDGERS
) -> Path:
    pack = tmp_path / "pack"
    meta = PACK.replace("{facts}", facts.rstrip("\n")).replace("{ledgers}", ledgers.rstrip("\n"))
    write(pack, "pack.yaml", meta)
    write(pack, "probe.yaml", RULE.format(when=json.dumps(when)))
    return pack


def order(
    order_id: str = "O-1",
    date: str = "2026-02-03",
    lines: str = "  - {model: gpu-a, units: 16, region: mainland}\n",
    extra: str = "",
) -> str:
    return ORDER.format(order_id=order_id, date=date, lines=lines, extra=extra)


def check(cli: Any, tmp_path: Path, pack: Path, *orders: str) -> Any:
    for index, text in enumerate(orders):
        write(tmp_path, f"orders/o{index}.yaml", text)
    return cli("check", "orders", "--rules", pack, "--format", "json")


def facts_of(run: Any, index: int = 0) -> dict[str, Any]:
    assert run.code in (0, 1), run.err
    (result,) = run.order(f"o{index}.yaml")["results"]
    return dict(result["facts"])


def test_declared_facts_are_derived_and_reported(cli: Any, tmp_path: Path) -> None:
    when = (
        "controlled_units + mainland_controlled + overseas_lines + largest_line + smallest_npu"
        " + end_use_count + approval_days < 0 or batch_cap < 0 or whole_servers == false"
        ' or excluded_use == true or distributor == "x" or has_approval == true'
        ' or sector == "telecom"'
    )
    pack = make_pack(tmp_path, when)
    lines = (
        "  - {model: gpu-a, units: 16, region: mainland}\n"
        "  - {model: gpu-a, units: 8, region: overseas}\n"
        "  - {model: npu-b, units: 5, region: mainland}\n"
        "  - {model: npu-b, units: 3, region: overseas}\n"
        "  - {model: plain-c, units: 40, region: mainland}\n"
    )
    extra = (
        "distributor: Acme Distribution Ltd.\n"
        "end_uses: [training, inference]\n"
        "justification:\n  approved_on: 2026-01-24\n"
    )
    run = check(cli, tmp_path, pack, order(lines=lines, extra=extra))
    assert facts_of(run) == {
        "controlled_units": 24,
        "mainland_controlled": 16,
        "overseas_lines": 2,
        "largest_line": 40,
        "smallest_npu": 3,
        "end_use_count": 2,
        "approval_days": 10,
        "batch_cap": 1000,
        "whole_servers": True,
        "excluded_use": False,
        "distributor": "Acme Distribution Ltd.",
        "has_approval": False,
        "sector": "cloud",
    }
    assert run.code == 0


def test_defaults_apply_when_nothing_is_given(cli: Any, tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "smallest_npu + approval_days + end_use_count < -100")
    run = check(cli, tmp_path, pack, order())
    assert facts_of(run) == {"smallest_npu": 0, "approval_days": -1, "end_use_count": 0}


@pytest.mark.parametrize(
    ("when", "lines", "extra", "expected"),
    [
        ("whole_servers == false", "  - {model: gpu-a, units: 12, region: mainland}\n", "", "fail"),
        ("whole_servers == false", "  - {model: npu-b, units: 12, region: mainland}\n", "", "pass"),
        ("excluded_use == true", "  - {model: gpu-a, units: 8, region: mainland}\n",
         "end_uses: [training, surveillance]\n", "fail"),
        ("distributor not in licensed", "  - {model: gpu-a, units: 8, region: mainland}\n",
         "distributor: Gamma Imports\n", "fail"),
        ("distributor not in licensed", "  - {model: gpu-a, units: 8, region: mainland}\n",
         "distributor: Beta Trading Co.\n", "pass"),
        ("has_approval == false", "  - {model: gpu-a, units: 8, region: mainland}\n",
         "", "fail"),
    ],
)  # fmt: skip
def test_conditions_read_declared_facts_and_lists(
    cli: Any, tmp_path: Path, when: str, lines: str, extra: str, expected: str
) -> None:
    pack = make_pack(tmp_path, when)
    run = check(cli, tmp_path, pack, order(lines=lines, extra=extra))
    assert run.code in (0, 1), run.err
    assert run.status("o0.yaml", "probe") == expected


def test_buyer_and_justification_fields(cli: Any, tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "has_approval == false")
    text = order().replace(
        "  uscc: 91110108000000001A\n", "  uscc: 91110108000000001A\n  approval: NDRC-1\n"
    )
    run = check(cli, tmp_path, pack, text)
    assert run.status("o0.yaml", "probe") == "pass"


def test_a_ledger_with_a_period_starts_over_each_month(cli: Any, tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "monthly_remaining_after < 0")
    big = "  - {model: gpu-a, units: 300, region: mainland}\n"
    run = check(
        cli,
        tmp_path,
        pack,
        order("O-1", "2026-02-03", big),
        order("O-2", "2026-02-20", big),  # 600 in February: over the 500
        order("O-3", "2026-03-01", big),  # March starts over
    )
    assert run.status("o0.yaml", "probe") == "pass"
    assert run.status("o1.yaml", "probe") == "fail"
    assert run.status("o2.yaml", "probe") == "pass"
    assert facts_of(run, 1) == {"monthly_remaining_after": -100}
    assert facts_of(run, 2) == {"monthly_remaining_after": 200}


def test_ledger_counts_selects_the_orders_that_add(cli: Any, tmp_path: Path) -> None:
    ledgers = LEDGERS + '    counts: distributor != ""\n'
    pack = make_pack(
        tmp_path, "monthly_used_before < 0", ledgers=ledgers.replace("    period: month\n", "")
    )
    big = "  - {model: gpu-a, units: 300, region: mainland}\n"
    run = check(
        cli,
        tmp_path,
        pack,
        order("O-1", "2026-02-01", big),  # no distributor: not counted
        order("O-2", "2026-02-02", big, "distributor: Beta Trading Co.\n"),
        order("O-3", "2026-02-03", big),
    )
    assert [facts_of(run, i)["monthly_used_before"] for i in range(3)] == [0, 0, 300]


def test_declared_fields_are_validated_at_their_line_and_column(cli: Any, tmp_path: Path) -> None:
    pack = make_pack(tmp_path)
    lines = "  - {model: gpu-a, units: 8}\n  - {model: gpu-a, units: 8, region: moon}\n"
    extra = "end_uses: training\njustification:\n  approved_on: soon\n"
    run = check(cli, tmp_path, pack, order(lines=lines, extra=extra))
    assert run.code == 2
    errors = {(e["line"], e["column"]): e["message"] for e in run.order("o0.yaml")["errors"]}
    assert errors == {
        (8, 5): "lines[0].region is required: add it",
        (9, 38): "lines[1].region is 'moon': write one of 'mainland' or 'overseas'",
        (10, 11): "end_uses must be a list (lines starting with '- '), not 'training' (text)",
        (12, 16): "justification.approved_on: 'soon' is not a date: write YYYY-MM-DD",
    }


def test_unknown_keys_are_still_refused_and_hint_the_declared_ones(
    cli: Any, tmp_path: Path
) -> None:
    pack = make_pack(tmp_path)
    run = check(cli, tmp_path, pack, order(extra="distributer: Acme Distribution Ltd.\n"))
    assert run.code == 2
    (error,) = run.order("o0.yaml")["errors"]
    assert (
        error["message"]
        == "unknown key 'distributer' at the top level: did you mean 'distributor'?"
    )
    assert (error["line"], error["column"]) == (9, 1)


def test_the_order_schema_includes_the_declared_fields(cli: Any, tmp_path: Path) -> None:
    pack = make_pack(tmp_path)
    run = cli("schema", "order", "--rules", pack)
    assert run.code == 0
    schema = json.loads(run.out)
    assert schema["properties"]["distributor"]["type"] == "string"
    assert schema["properties"]["end_uses"] == {
        "type": "array",
        "items": {"type": "string", "minLength": 1, "maxLength": 500},
        "maxItems": 1000,
    }
    line = schema["$defs"]["Line"]
    assert line["properties"]["region"] == {"enum": ["mainland", "overseas"]}
    assert "region" in line["required"]
    pack_schema = json.loads(cli("schema", "pack", "--rules", pack).out)
    assert pack_schema["$defs"]["Batch"]["properties"]["cap"] == {"type": "integer", "minimum": 1}


def test_reference_attributes_are_validated(cli: Any, tmp_path: Path) -> None:
    pack = make_pack(tmp_path)
    text = (pack / "pack.yaml").read_text("utf-8")
    chip = "  plain-c: {controlled: 'yes', family: tpu}"
    text = text.replace("  plain-c: {controlled: false}", chip).replace("cap: 1000}", "cap: 0}")
    (pack / "pack.yaml").write_text(text, encoding="utf-8")
    run = cli("check", tmp_path, "--rules", pack)
    assert run.code == 2
    lines = text.splitlines()
    chip_line = lines.index(chip) + 1
    batch_line = next(i for i, line in enumerate(lines, 1) if "cap: 0}" in line)
    where = pack / "pack.yaml"
    assert run.err.splitlines()[:3] == [
        f"{where}:{chip_line}:25: "
        "catalog.plain-c.controlled must be true or false, not 'yes' (text)",
        f"{where}:{chip_line}:40: catalog.plain-c.family is 'tpu': write one of 'gpu' or 'npu'",
        f"{where}:{batch_line}:52: batches.B1.cap is 0: it must be at least 1",
    ]


LOAD_ERRORS = [
    (
        "  nothing: {description: d, value: justification.purpse, default: ''}\n",
        "'justification.purpse' is not an order field or attribute: "
        "did you mean 'justification.purpose'?",
        "value: justification.purpse",
    ),
    (
        "  total: {description: d, sum: region}\n",
        "region is text: the numbers here are units",
        "sum: region",
    ),
    (
        "  given: {description: d, value: distributor}\n",
        "the value may not be given: add default: (the fact's value then)",
        "  given:",
    ),
    (
        "  date: {description: d, value: distributor, default: ''}\n",
        "fact 'date' is built in: rename it",
        "  date:",
    ),
    (
        "  bad: {description: d, count: lines, where: region == 3}\n",
        "in where:",
        "where: region == 3",
    ),
    (
        "  two: {description: d, sum: units, count: lines}\n",
        "a fact has exactly one of",
        "  two:",
    ),
    (
        "  wrong: {description: d, days: [date, distributor], default: 0}\n",
        "distributor is text, not a date",
        "days: [date, distributor]",
    ),
]


@pytest.mark.parametrize(("fact", "message", "at"), LOAD_ERRORS, ids=[e[2] for e in LOAD_ERRORS])
def test_declaration_errors_are_located(
    cli: Any, tmp_path: Path, fact: str, message: str, at: str
) -> None:
    pack = make_pack(tmp_path, facts=FACTS + fact)
    write(tmp_path, "orders/o.yaml", order())
    run = cli("check", "orders", "--rules", pack)
    assert run.code == 2
    text = (pack / "pack.yaml").read_text("utf-8").splitlines()
    line = next(i for i, t in enumerate(text, 1) if at in t)
    found = [e for e in run.err.splitlines() if message in e]
    assert found, run.err
    assert found[0].startswith(f"{pack / 'pack.yaml'}:{line}:"), found


@pytest.mark.parametrize(
    ("ledger", "message"),
    [
        ("    key: [buyer_usc]\n",
         "'buyer_usc' is not a fact of the order: did you mean 'buyer_uscc'?"),
        ("    amount: distributor\n", "distributor is text, which does not fit here"),
        ("    counts: distributor ==\n", "in counts:"),
    ],
)  # fmt: skip
def test_ledger_errors_are_located(cli: Any, tmp_path: Path, ledger: str, message: str) -> None:
    key = ledger.split(":")[0]
    lines = [line for line in LEDGERS.splitlines(keepends=True) if not line.startswith(key + ":")]
    pack = make_pack(tmp_path, ledgers="".join(lines) + ledger)
    run = cli("check", tmp_path, "--rules", pack)
    assert run.code == 2
    assert message in run.err, run.err
