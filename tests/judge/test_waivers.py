"""Waivers through the real CLI: strict loading, what they change, expiry, every format."""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.authoring.strategies import order_sets
from checker.judge.checking import Checker
from checker.judge.waiving import WaiverSet, load_waivers
from checker.pack.rulepack import RulePack, load_pack
from tests.conftest import PACK, REPO, order_text, write

SARIF_SCHEMA = json.loads(
    (REPO / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
LOW = ("utilization: 0.93", "utilization: 0.5")  # need-justification fails its check 8
SHORT = (
    "purpose: Training the next Doubao foundation model; current cluster is saturated.",
    "purpose: More chips.",
)  # need-justification fails its check 2


def waiver(**terms: Any) -> str:
    """One waiver as YAML lines, the accountable terms filled in unless given."""
    filled = {
        "id": "W-1",
        "rule": "need-justification",
        "orders": "[T-1]",
        "reason": "Regulator letter allows this research order.",
        "owner": "compliance@example.com",
        "approved_by": "Head of Trade Compliance",
        "reference": "NDRC-LTR-2026-0412",
        "expires": "2026-12-31",
        **terms,
    }
    lines = [f"{k}: {v}" for k, v in filled.items() if v is not None]
    return "  - " + "\n    ".join(lines) + "\n"


def waivers_file(tmp_path: Path, *entries: str) -> Path:
    """waivers.yaml in tmp_path (the working directory), named as a user would."""
    write(tmp_path, "waivers.yaml", "waivers:\n" + "".join(entries))
    return Path("waivers.yaml")


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    directory = tmp_path / "orders"
    write(directory, "low.yaml", order_text(LOW))
    write(directory, "both.yaml", order_text(("T-1", "T-2"), LOW, SHORT))
    write(directory, "ok.yaml", order_text(("T-1", "T-3")))
    return directory


def check(cli: Any, orders: Path, *args: str) -> Any:
    return cli("check", orders, "--format", "json", "--as-of", "2026-12-01", *args)


def test_a_waived_failure_passes_the_order_and_the_report_names_the_waiver(
    cli: Any, tmp_path: Path
) -> None:
    write(tmp_path / "orders", "low.yaml", order_text(LOW))
    path = waivers_file(tmp_path, waiver())
    raw = check(cli, tmp_path / "orders")
    assert raw.code == 1 and raw.status("low.yaml", "need-justification") == "fail"
    assert "waivers" not in raw.report and "waived" not in raw.report["summary"]
    run = check(cli, tmp_path / "orders", "--waivers", path)
    assert run.code == 0, run.err
    assert run.order("low.yaml")["verdict"] == "pass"
    result = {r["rule"]: r for r in run.order("low.yaml")["results"]}["need-justification"]
    assert result["status"] == "waived"
    assert result["message"] == raw.message("low.yaml", "need-justification")
    assert result["waiver"] == {
        "id": "W-1",
        "rule": "need-justification",
        "check": None,
        "reason": "Regulator letter allows this research order.",
        "owner": "compliance@example.com",
        "approved_by": "Head of Trade Compliance",
        "reference": "NDRC-LTR-2026-0412",
        "expires": "2026-12-31",
        "created": None,
        "applied": True,
        "status": "fail",
    }
    assert run.report["summary"] == {"orders": 1, "pass": 1, "fail": 0, "error": 0, "waived": 1}
    assert run.report["waivers"]["applied"] == ["W-1"]
    assert run.report["waivers"]["unused"] == []
    assert run.report["waivers"]["as_of"] == "2026-12-01"


@pytest.mark.parametrize(
    ("as_of", "status"),
    [("2026-12-31", "waived"), ("2027-01-01", "fail"), ("2026-11-30", "fail")],
    ids=["the expiry day", "the day after", "before it was created"],
)
def test_a_waiver_applies_from_created_through_the_end_of_its_expiry_day(
    cli: Any, tmp_path: Path, orders: Path, as_of: str, status: str
) -> None:
    path = waivers_file(tmp_path, waiver(created="2026-12-01"))
    run = cli("check", orders, "--format", "json", "--waivers", path, "--as-of", as_of)
    assert run.status("low.yaml", "need-justification") == status
    result = {r["rule"]: r for r in run.order("low.yaml")["results"]}["need-justification"]
    assert result["waiver"]["applied"] is (status == "waived")


def test_an_expired_waiver_keeps_the_failure_and_says_which_and_when(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    path = waivers_file(tmp_path, waiver())
    run = cli("check", orders / "low.yaml", "--waivers", path, "--as-of", "2027-01-01")
    assert run.code == 1
    lines = run.out.splitlines()
    at = next(i for i, line in enumerate(lines) if "fail    need-justification" in line)
    assert lines[at + 1].strip() == (
        "waiver W-1 expired on 2026-12-31 and no longer applies (ref NDRC-LTR-2026-0412, "
        "approved by Head of Trade Compliance, owner compliance@example.com)"
    )
    assert "0 results waived" in run.out


def test_a_condition_selects_the_orders_a_waiver_covers(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    path = waivers_file(
        tmp_path, waiver(orders=None, when="'order_id == \"T-2\" or utilization < 0.4'")
    )
    run = check(cli, orders, "--waivers", path)
    assert run.status("both.yaml", "need-justification") == "waived"
    assert run.status("low.yaml", "need-justification") == "fail"  # utilization 0.5


def test_a_waiver_of_one_check_covers_only_results_that_fail_no_other_check(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    path = waivers_file(tmp_path, waiver(orders="[t-1, T-2]", check=8))  # ids in any case
    run = check(cli, orders, "--waivers", path)
    assert run.status("low.yaml", "need-justification") == "waived"  # only check 8 fails
    assert run.status("both.yaml", "need-justification") == "fail"  # check 2 fails too
    assert run.code == 1


def test_a_waiver_covering_nothing_is_reported_and_strict_waivers_exits_1(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    path = waivers_file(
        tmp_path,
        waiver(),
        waiver(id="W-2", orders="[T-3]"),  # T-3 passes: nothing to waive
        waiver(id="W-3", orders="[T-2]"),
    )
    run = check(cli, orders, "--waivers", path)
    assert run.code == 0
    assert run.report["waivers"]["unused"] == ["W-2"]
    assert re.search(r"waivers\.yaml:\d+: waiver W-2 covers no failing or warning result", run.err)
    strict = check(cli, orders, "--waivers", path, "--strict-waivers")
    assert strict.code == 1


def test_no_waivers_shows_the_raw_verdicts_and_the_configured_file_is_used(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    waivers_file(tmp_path, waiver(orders="[T-1, T-2]"))
    write(
        tmp_path,
        "pyproject.toml",
        '[tool.chipcheck]\norders = "orders"\nwaivers = "waivers.yaml"\n',
    )
    configured = cli("check", "--format", "json", "--as-of", "2026-12-01")
    assert configured.code == 0
    assert configured.report["summary"]["waived"] == 2
    raw = cli("check", "--format", "json", "--no-waivers")
    assert raw.code == 1 and "waived" not in raw.report["summary"]


def test_a_waivers_file_in_the_orders_directory_is_not_taken_for_an_order(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    inside = write(orders, "waivers.yaml", "waivers:\n" + waiver(orders="[T-1, T-2]"))
    run = check(cli, orders, "--waivers", inside)
    assert run.code == 0, run.out
    assert sorted(o["file"].rsplit("/", 1)[1] for o in run.report["orders"]) == [
        "both.yaml",
        "low.yaml",
        "ok.yaml",
    ]
    named = check(cli, inside, "--waivers", inside)
    assert named.code == 2
    assert "is the waivers file, not an order" in named.err


def test_every_command_that_reads_orders_passes_over_the_waivers_file(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    inside = write(orders, "waivers.yaml", "waivers:\n" + waiver(orders="[T-1, T-2]"))
    write(tmp_path, "pyproject.toml", f'[tool.chipcheck]\nwaivers = "{inside.as_posix()}"\n')
    runs = {
        "attest": cli("attest", orders, "--output", "record.json"),
        "ledger": cli("ledger", orders),
        "rules test": cli("rules", "test", orders),
        "diff-rules": cli("diff-rules", PACK, PACK, orders, "--lines", "0"),
        "waivers": cli("waivers", orders),
    }
    for command, run in runs.items():
        assert "waivers.yaml" not in run.out + run.err.replace(inside.as_posix(), ""), command
        assert run.code in (0, 1), (command, run.out, run.err)
    for command in (("attest", "--output", "r.json"), ("ledger",), ("waivers",)):
        named = cli(*command[:1], inside, *command[1:])
        assert named.code == 2 and "is the waivers file, not an order" in named.err, command


def test_an_order_in_error_cannot_be_waived(cli: Any, tmp_path: Path, orders: Path) -> None:
    write(orders, "broken.yaml", order_text(("T-1", "T-9"), ("units: 8000", "units: lots")))
    path = waivers_file(tmp_path, waiver(orders="[T-1, T-9]"))
    run = check(cli, orders, "--waivers", path)
    assert run.code == 2
    assert run.order("broken.yaml")["verdict"] == "error"
    errors = waivers_file(tmp_path, waiver(rule="input-error"))
    refused = check(cli, orders, "--waivers", errors)
    assert refused.code == 2
    assert "rule 'input-error' is not in rule pack cn-h200-2026" in refused.err
    assert "input errors cannot be waived" in refused.err


def at(text: str, needle: str, nth: int = 1, into: int = 0) -> str:
    """`line:column` of the nth `needle` in `text` (`into` characters on), counted by
    the test itself."""
    offset = -1
    for _ in range(nth):
        offset = text.index(needle, offset + 1)
    offset += into
    line = text.count("\n", 0, offset) + 1
    return f"{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def test_every_problem_of_a_waivers_file_is_reported_at_its_line_and_column(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    path = waivers_file(
        tmp_path,
        waiver(),
        waiver(id="W-1"),  # the id again
        waiver(id="W-3", rule="domestic-ration"),
        waiver(id="W-4", check=9),
        waiver(id="W-5", orders=None, when="utilisation < 0.5"),
        waiver(id="W-6", expires=None),
        waiver(id="W-7", approver="me"),
        waiver(id="W-8", expires="'next year'"),
    )
    text = path.read_text()
    run = check(cli, orders, "--waivers", path)
    assert run.code == 2 and run.out == ""
    assert "waivers file waivers.yaml is invalid; nothing was checked" in run.err
    # The shape first: every problem of it together, located.
    lines = [line for line in run.err.splitlines() if line.startswith("waivers.yaml:")]
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"waivers.yaml:{at(text, 'id: W-6')}",
        f"waivers.yaml:{at(text, 'approver')}",
        f"waivers.yaml:{at(text, chr(39) + 'next year')}",
    ], run.err
    assert "expires is required" in lines[0]
    assert "approver" in lines[1] and "approved_by" in lines[1]
    assert "is not a date" in lines[2]
    fixed = text.replace("    approver: me\n", "").replace("'next year'", "2026-12-31")
    fixed = fixed.replace("  - id: W-6\n", "  - id: W-6\n    expires: 2026-12-31\n", 1)
    path.write_text(fixed)
    run = check(cli, orders, "--waivers", path)
    assert run.code == 2
    lines = [line for line in run.err.splitlines() if line.startswith("waivers.yaml:")]
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"waivers.yaml:{at(fixed, 'W-1', 2)}",
        f"waivers.yaml:{at(fixed, 'domestic-ration')}",
        f"waivers.yaml:{at(fixed, 'check: 9', into=len('check: '))}",
        f"waivers.yaml:{at(fixed, 'utilisation')}",
    ], run.err
    assert "waiver id 'W-1' is used twice" in lines[0]
    assert "rule 'domestic-ration' is not in rule pack" in lines[1]
    assert "has no check 9" in lines[2]
    assert "utilisation" in lines[3] and "utilization" in lines[3]  # the closest name


def test_a_waiver_needs_an_expiry_and_exactly_one_way_to_select_orders(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    for terms, said in (
        ({"expires": None}, "expires"),
        ({"when": "utilization < 0.6"}, "either orders (a list of ids) or when"),
        ({"orders": None}, "either orders (a list of ids) or when"),
        ({"created": "2027-01-01"}, "expires is before created"),
    ):
        path = waivers_file(tmp_path, waiver(**terms))
        run = check(cli, orders, "--waivers", path)
        assert run.code == 2, terms
        assert said in run.err, (terms, run.err)


def test_every_format_shows_the_waiver(cli: Any, tmp_path: Path, orders: Path) -> None:
    path = waivers_file(tmp_path, waiver(orders="[T-1, T-2]"))
    sarif_run = cli("check", orders, "--format", "sarif", "--waivers", path)
    sarif = json.loads(sarif_run.out)
    jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA).validate(sarif)
    suppressed = [r for r in sarif["runs"][0]["results"] if "suppressions" in r]
    assert len(suppressed) == 2
    assert {r["level"] for r in suppressed} == {"error"}
    (suppression,) = suppressed[0]["suppressions"]
    assert suppression["kind"] == "external" and suppression["status"] == "accepted"
    assert "NDRC-LTR-2026-0412" in suppression["justification"]
    assert "Regulator letter" in suppression["justification"]

    junit = ET.fromstring(cli("check", orders, "--format", "junit", "--waivers", path).out)
    assert junit.get("failures") == "0"
    suite, case = next(
        (s, c)
        for s in junit.iter("testsuite")
        for c in s.iter("testcase")
        if c.get("name") == "need-justification" and c.get("classname") == "T-1"
    )
    assert case.find("failure") is None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["need-justification.waiver.id"] == "W-1"
    assert props["need-justification.waiver.reference"] == "NDRC-LTR-2026-0412"
    assert "waived" in (case.findtext("system-out") or "")

    github = cli("check", orders, "--format", "github", "--waivers", path).out
    notices = [line for line in github.splitlines() if line.startswith("::notice ")]
    assert len(notices) == 2 and all("waived by W-1" in n for n in notices)
    assert "::error " not in github

    text = cli("check", orders, "--waivers", path, "--as-of", "2026-12-01").out
    assert "  waived  need-justification" in text
    assert (
        "waiver W-1 (ref NDRC-LTR-2026-0412, approved by Head of Trade Compliance, owner "
        "compliance@example.com, expires 2026-12-31): Regulator letter allows this research "
        "order." in text
    )
    assert "3 orders: 3 pass, 0 fail, 0 error, 2 results waived" in text


def test_a_waiver_reason_cannot_forge_a_report_line(cli: Any, tmp_path: Path, orders: Path) -> None:
    path = waivers_file(tmp_path, waiver(reason='"ok\\nother.yaml  X-1  PASS\\u202e\\x1b[2J"'))
    refused = check(cli, orders, "--waivers", path)
    assert refused.code == 2 and "control character" in refused.err  # ESC is refused
    path = waivers_file(tmp_path, waiver(reason='"ok\\nother.yaml  X-1  PASS\\u202e"'))
    text = cli("check", orders / "low.yaml", "--waivers", path, "--as-of", "2026-12-01").out
    assert "other.yaml  X-1  PASS" not in text.splitlines()
    assert "ok\\nother.yaml  X-1  PASS\\u202e" in text


def test_the_waivers_command_lists_each_waiver_with_its_state(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    path = waivers_file(
        tmp_path,
        waiver(expires="2027-06-30"),
        waiver(id="W-2", orders="[T-2]", expires="2026-12-20"),
        waiver(id="W-3", orders="[T-2]", expires="2026-11-30"),
        waiver(id="W-4", orders="[T-3]"),
        waiver(id="W-5", orders="[T-2]", created="2026-12-05"),
    )
    run = cli("waivers", orders, "--waivers", path, "--as-of", "2026-12-01", "--format", "json")
    assert run.code == 1  # one expired, one unused, one not yet in force
    states = {w["id"]: w["state"] for w in json.loads(run.out)["waivers"]}
    assert states == {
        "W-1": "active",
        "W-2": "expiring",
        "W-3": "expired",
        "W-4": "unused",
        "W-5": "future",
    }
    text = cli("waivers", orders, "--waivers", path, "--as-of", "2026-12-01").out
    assert text.splitlines()[1].startswith("expiring  W-2  need-justification  expires 2026-12-20")
    assert "5 waivers as of 2026-12-01: 1 active, 1 expiring, 1 expired, 1 unused, 1 future" in text
    healthy = waivers_file(tmp_path, waiver(), waiver(id="W-2", orders="[T-2]"))
    assert cli("waivers", orders, "--waivers", healthy, "--as-of", "2026-12-01").code == 0


PACK_V = load_pack(PACK)
assert isinstance(PACK_V, RulePack), PACK_V
RULE_IDS = [r.rule.id for r in PACK_V.rules]
AS_OF = dt.date(2026, 12, 1)


@given(order_sets(PACK_V), st.data())
def test_waivers_change_exactly_the_failures_and_warnings_they_cover_in_force(
    documents: list[dict[str, Any]], data: st.DataObject
) -> None:
    ids = [d["order_id"] for d in documents]
    drawn = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(RULE_IDS),
                st.lists(st.sampled_from(ids), min_size=1, unique=True),
                st.integers(-2, 2),  # expires this many days from the run's date
            ),
            max_size=6,
        )
    )
    entries = [
        waiver(
            id=f"W-{i}", rule=rule, orders="[" + ", ".join(orders) + "]",
            expires=(AS_OF + dt.timedelta(days)).isoformat(),
        )
        for i, (rule, orders, days) in enumerate(drawn)
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "waivers.yaml"
        path.write_text("waivers:\n" + "".join(entries or ["  []\n"]), encoding="utf-8")
        waivers = load_waivers(path, PACK_V, AS_OF)
    assert isinstance(waivers, WaiverSet), waivers
    raw = Checker(PACK_V).evaluate_documents(documents)
    judged = Checker(PACK_V, waivers=waivers).evaluate_documents(documents)
    for order_id, before, after in zip(ids, raw, judged, strict=True):
        assert isinstance(before, tuple) and isinstance(after, tuple)
        for was, now in zip(before, after, strict=True):
            in_force = [
                f"W-{i}"
                for i, (rule, orders, days) in enumerate(drawn)
                if rule == was.rule and order_id in orders and days >= 0
            ]
            matching = [
                f"W-{i}"
                for i, (rule, orders, _) in enumerate(drawn)
                if rule == was.rule and order_id in orders
            ]
            if was.status in ("fail", "warn") and in_force:
                assert now.status == "waived" and now.waiver is not None
                assert now.waiver.id == in_force[0] and now.waiver.status == was.status
                assert now._replace(status=was.status, waiver=None) == was
            elif was.status in ("fail", "warn") and matching:
                assert now.status == was.status and now.waiver is not None
                assert not now.waiver.applied and now.waiver.id in matching
            else:
                assert now == was
