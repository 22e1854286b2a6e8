"""Report formats read by their real consumers: a SARIF schema validator, a JUnit parser,
the GitHub workflow-command syntax; and result locations checked against the files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from checker.pack.rulepack import RulePack, load_pack
from tests.conftest import PACK, PACK_RULE_IDS, REPO, SPEC_RULE_IDS, order_text, write

SARIF_SCHEMA = json.loads(
    (REPO / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)


def line_of(path: Path, text: str) -> int:
    """1-based line of the only line containing `text`: the expectation, from the file."""
    matches = [i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if text in line]
    assert len(matches) == 1, (text, matches)
    return matches[0]


SHORT_DOMESTIC = ("huawei-ascend-910c\n    units: 8000", "huawei-ascend-910c\n    units: 7999")


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    """One order per kind of finding, plus one that cannot be read."""
    d = tmp_path / "orders"
    write(d, "good.yaml", order_text())
    # Last in the (date, order_id) ledger, so the other orders fit before it.
    over = ("units: 8000\n  - model: huawei", "units: 160000\n  - model: huawei")
    later = ("date: 2026-02-03", "date: 2026-02-04")
    write(d, "quota.yaml", order_text(("order_id: T-1", "order_id: Q-1"), later, over))
    misspelt = ("name: Beijing ByteDance", "name: Beijing ByteDanse")
    write(d, "name.yaml", order_text(("order_id: T-1", "order_id: N-1"), misspelt))
    write(d, "ratio.yaml", order_text(("order_id: T-1", "order_id: R-1"), SHORT_DOMESTIC))
    impossible = ("date: 2026-02-03", "date: 2026-02-30")
    write(d, "bad.yaml", order_text(("order_id: T-1", "order_id: B-1"), impossible))
    return d


def test_results_point_at_the_field_they_judged(cli: Any, orders: Path) -> None:
    run = cli("check", orders, "--format", "json")
    at = {
        (o["order_id"], r["rule"]): (r["line"], r["column"])
        for o in run.report["orders"]
        for r in o["results"]
    }
    assert at[("Q-1", "batch-quota")] == (line_of(orders / "quota.yaml", "units: 160000"), 5)
    assert at[("N-1", "approved-buyer")] == (line_of(orders / "name.yaml", "name: Beijing"), 3)
    # the domestic line's units: the number to raise
    assert at[("R-1", "domestic-ratio")] == (line_of(orders / "ratio.yaml", "units: 7999"), 5)
    assert at[("T-1", "batch-quota")] == (None, None)  # passing results have no location


def test_every_fact_has_a_field_to_point_at() -> None:
    pack = load_pack(PACK)
    assert isinstance(pack, RulePack)
    assert set(pack.vocabulary.locators) == set(pack.vocabulary.facts)


def test_sarif_is_valid_and_points_at_the_lines(cli: Any, orders: Path) -> None:
    run = cli("check", orders, "--format", "sarif")
    assert run.code == 2  # bad.yaml is an input error
    sarif = json.loads(run.out)
    jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA).validate(sarif)
    (sarif_run,) = sarif["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [*PACK_RULE_IDS, "input-error"]
    assert all(r["shortDescription"]["text"] and r["help"]["text"] for r in rules)
    found = {}
    for result in sarif_run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        key = (Path(location["artifactLocation"]["uri"]).name, result["ruleId"])
        found[key] = (result["level"], location["region"]["startLine"])
    assert found[("quota.yaml", "batch-quota")] == (
        "error",
        line_of(orders / "quota.yaml", "units: 160000"),
    )
    assert found[("ratio.yaml", "domestic-ratio")] == (
        "warning",
        line_of(orders / "ratio.yaml", "units: 7999"),
    )
    assert found[("bad.yaml", "input-error")] == ("error", line_of(orders / "bad.yaml", "date:"))
    # One SARIF result per failing or warning rule result, and per input error.
    report = cli("check", orders, "--format", "json").report
    expected = sum(
        len(o["errors"]) + sum(r["status"] in ("fail", "warn") for r in o["results"])
        for o in report["orders"]
    )
    assert len(sarif_run["results"]) == expected


def test_junit_has_a_testcase_per_order_and_rule(cli: Any, orders: Path, tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    cli("check", orders, "--format", "junit", "--output", out)
    xml = JUnitXml.fromfile(str(out))
    cases = {(suite.name, case.name): case for suite in xml for case in suite}
    checked = ["good.yaml", "quota.yaml", "name.yaml", "ratio.yaml"]
    assert len(cases) == len(checked) * len(PACK_RULE_IDS) + 1
    by_file = {(Path(f).name, rule): case for (f, rule), case in cases.items()}
    quota = by_file[("quota.yaml", "batch-quota")].result
    assert len(quota) == 1 and isinstance(quota[0], Failure)
    assert "reduce to 126,000 controlled units" in (quota[0].message or "")
    assert by_file[("good.yaml", "batch-quota")].is_passed
    assert by_file[("ratio.yaml", "domestic-ratio")].is_passed  # a warning is not a failure
    # every SPEC rule applies to this order; the later rules are not in effect on its date
    # (the customs check is, from October 2025, and a site's rules skip an order naming none)
    assert {
        rule
        for (file, rule), case in by_file.items()
        if file == "ratio.yaml" and any(isinstance(r, Skipped) for r in case.result)
    } == set(PACK_RULE_IDS) - set(SPEC_RULE_IDS) - {"conditional-approval", "customs-declaration"}
    (error,) = by_file[("bad.yaml", "input-error")].result
    assert isinstance(error, Error) and "not a real calendar date" in (error.message or "")
    assert not any(
        isinstance(r, Skipped)
        for (_, rule), c in cases.items()
        if rule in SPEC_RULE_IDS
        for r in c.result
    )


def test_junit_is_valid_against_the_jenkins_schema_but_for_file_and_line(
    cli: Any, tmp_path: Path
) -> None:
    """junit-10.xsd (Jenkins' xUnit plugin) holds every element and attribute but the
    testcase's `file` and `line`, which GitLab and most viewers read; each suite has
    Ant's time, timestamp and hostname; a warning and a waiver are suite properties."""
    import xml.etree.ElementTree as ET

    import xmlschema

    out = tmp_path / "junit.xml"
    waivers = REPO / "examples" / "waivers.yaml"
    cli("check", REPO / "examples" / "orders", "--waivers", waivers, "--as-of", "2026-12-01",
        "--format", "junit", "--output", out)  # fmt: skip
    tree = ET.parse(out)
    for case in tree.iter("testcase"):
        assert case.get("file"), case.attrib
        case.attrib.pop("file")
        case.attrib.pop("line", None)
    schema = xmlschema.XMLSchema(str(REPO / "tests" / "data" / "junit" / "junit-10.xsd"))
    schema.validate(tree)
    suites = list(tree.iter("testsuite"))
    assert len(suites) == 11
    for suite in suites:
        assert suite.get("time") == "0" and suite.get("hostname")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.get("timestamp", ""))
    properties = {
        (p.get("name"), p.get("value"))
        for suite in suites
        if suite.get("name", "").endswith("deepseek-2026-0002.yaml")
        for p in suite.iter("property")
    }
    names = {name for name, _ in properties}
    assert "state-owned-end-user.warning" in names
    assert ("purchase-approval.waiver.id", "W-2026-001") in properties


ANNOTATION = re.compile(
    r"^::(error|warning) file=([^,]+),line=(\d+),col=(\d+),title=([^:]+)::(.+)$"
)


def test_github_annotations_name_file_and_line(cli: Any, orders: Path) -> None:
    run = cli("check", orders, "--format", "github")
    *annotations, summary = run.out.splitlines()
    assert summary.startswith("5 orders: 2 pass, 2 fail, 1 error")
    parsed = {}
    for line in annotations:
        match = ANNOTATION.match(line)
        assert match, line
        kind, file, line_no, _, title, message = match.groups()
        parsed[(Path(file).name, title.split()[1])] = (kind, int(line_no), message)
    assert parsed[("quota.yaml", "batch-quota")][:2] == (
        "error",
        line_of(orders / "quota.yaml", "units: 160000"),
    )
    assert parsed[("ratio.yaml", "domestic-ratio")][0] == "warning"
    assert parsed[("name.yaml", "approved-buyer")][1] == line_of(
        orders / "name.yaml", "name: Beijing"
    )
    assert parsed[("bad.yaml", "input")][:2] == ("error", line_of(orders / "bad.yaml", "date:"))


def test_github_escapes_newlines_and_separators(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "a,b:c.yaml", order_text(SHORT_DOMESTIC))
    run = cli("check", tmp_path / "a,b:c.yaml", "--format", "github")
    (annotation, _) = run.out.splitlines()
    assert (
        "file=" + str(tmp_path / "a%2Cb%3Ac.yaml").replace(":", "%3A").replace(",", "%2C")
        in annotation
    )


def test_several_outputs_in_one_run(cli: Any, orders: Path, tmp_path: Path) -> None:
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    run = cli(
        "check", orders, "--output-format", f"sarif={sarif}", "--output-format", f"junit={junit}"
    )
    assert run.code == 2
    assert "5 orders: 2 pass, 2 fail, 1 error" in run.out  # text still on stdout
    jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA).validate(
        json.loads(sarif.read_text(encoding="utf-8"))
    )
    assert len(list(JUnitXml.fromfile(str(junit)))) == 5


def test_a_bad_output_format_is_a_usage_error(cli: Any, orders: Path) -> None:
    run = cli("check", orders, "--output-format", "pdf=x.pdf")
    assert run.code == 2 and "FMT=FILE" in run.err


def test_json_report_is_laid_out_as_the_json_module_would(cli: Any, orders: Path) -> None:
    """The report is written in pieces by orjson; its bytes must not depend on that."""
    write(
        orders, "名前.yaml", order_text(("order_id: T-1", "order_id: U-1"), ("Ulanqab", "乌兰察布"))
    )
    for args in ((), ("--enforce-proposed",)):
        run = cli(
            "check",
            orders,
            *REPO.joinpath("examples", "orders").glob("*"),
            "--format",
            "json",
            *args,
        )
        expected = json.dumps(json.loads(run.out), indent=2, ensure_ascii=False) + "\n"
        assert run.out == expected
        assert "名前.yaml" in run.out


def test_json_report_of_no_orders_is_laid_out_as_the_json_module_would() -> None:
    from checker.core.results import PackInfo, Report
    from checker.report.formats import render

    text = render("json", Report(PackInfo("p", "1", "0" * 64), ()))
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    assert json.loads(text)["orders"] == []


def test_sarif_report_is_laid_out_as_the_json_module_would(cli: Any, orders: Path) -> None:
    out = cli("check", orders, "--format", "sarif").out
    assert out == json.dumps(json.loads(out), indent=2, ensure_ascii=False) + "\n"


def test_sarif_report_with_no_results_is_laid_out_as_the_json_module_would(
    cli: Any, tmp_path: Path
) -> None:
    """The results array is written piece by piece; an empty one must still read []."""
    write(tmp_path, "o.yaml", order_text())
    run = cli("check", "o.yaml", "--format", "sarif")
    assert run.code == 0
    assert run.out == json.dumps(json.loads(run.out), indent=2, ensure_ascii=False) + "\n"
    assert json.loads(run.out)["runs"][0]["results"] == []


def test_a_junit_spool_that_cannot_be_written_is_an_error_not_a_traceback(
    cli: Any, orders: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JUnit keeps its suites in a temporary file until the totals are known."""
    import tempfile

    from checker.report import junit_format

    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("", encoding="utf-8")
    monkeypatch.setattr(junit_format, "JUNIT_SPOOL_BYTES", 1)  # to disk at the first suite
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_directory))
    run = cli("check", orders, "--format", "junit", "--output", tmp_path / "out.xml")
    assert run.code == 2
    assert "cannot spool the JUnit report in" in run.err
    assert "set TMPDIR" in run.err
    assert "Traceback" not in run.err
