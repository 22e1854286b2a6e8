"""`chipcheck diff-rules` on real pack variants, real order files and a real git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PACK, REPO, git_commit, order_text, pack_copy, write

BYTEDANCE_145K = order_text(
    ("order_id: T-1", "order_id: BD-145K"),
    (
        "units: 8000\n  - model: huawei-ascend-910c\n    units: 8000",
        "units: 145000\n  - model: huawei-ascend-910c\n    units: 145000",
    ),
)
# 100 controlled, 60 domestic: short at ratio 1.0, enough at 0.5.
ALIBABA_60_DOMESTIC = order_text(
    ("order_id: T-1", "order_id: AL-60"),
    ("Beijing ByteDance Technology Co., Ltd.", "Alibaba (China) Co., Ltd."),
    ("91110108000000001A", "91330100799655058B"),
    (
        "units: 8000\n  - model: huawei-ascend-910c\n    units: 8000",
        "units: 100\n  - model: huawei-ascend-910c\n    units: 60",
    ),
)
UNAFFECTED = order_text(("order_id: T-1", "order_id: TC-OK"))


RATIO_HALF = ("domestic-ratio.yaml", "value: 1.0", "value: 0.5")
ALLOCATION_140K = ("pack.yaml", "allocation: 150000", "allocation: 140000")


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    directory = tmp_path / "orders"
    write(directory, "bd-145k.yaml", BYTEDANCE_145K)
    write(directory, "al-60.yaml", ALIBABA_60_DOMESTIC)
    write(directory, "tc-ok.yaml", UNAFFECTED)
    return directory


def test_lists_real_orders_that_change_and_the_proved_changes(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    new = pack_copy(tmp_path / "new", RATIO_HALF, ALLOCATION_140K)
    run = cli("diff-rules", PACK, new, orders, "--format", "json")
    assert run.code == 1, run.err
    report = run.report
    changed = {o["order_id"]: o for o in report["orders"]}
    assert set(changed) == {"BD-145K", "AL-60", "TC-OK"}
    # TC-OK fails in both (ByteDance's allocation is used up), with another fix: a change
    tc = changed["TC-OK"]
    assert (tc["old_verdict"], tc["new_verdict"]) == ("fail", "fail")
    assert [(c["rule"], c["old"], c["new"]) for c in tc["changes"]] == [
        ("batch-quota", "fail", "fail")
    ]
    assert "allocation 150,000" in tc["changes"][0]["old_message"]
    assert "145,000 units of the 140,000 allocation" in tc["changes"][0]["new_message"]
    bd = changed["BD-145K"]
    assert (bd["old_verdict"], bd["new_verdict"]) == ("pass", "fail")
    assert [(c["rule"], c["old"], c["new"]) for c in bd["changes"]] == [
        ("batch-quota", "pass", "fail")
    ]
    assert "140,000" in bd["changes"][0]["new_message"]
    al = changed["AL-60"]
    assert [(c["rule"], c["old"], c["new"]) for c in al["changes"]] == [
        ("domestic-ratio", "warn", "pass")
    ]
    assert report["summary"] == {
        "checked": 3,
        "changed": 3,
        "errors": 0,
        "rules_changed": 2,
        "rules_unsettled": 0,
    }
    flips = {g["rule"]: g for g in report["proof"]["changes"]}
    assert {r: (g["old"], g["new"]) for r, g in flips.items()} == {
        "batch-quota": ("pass", "fail"),
        "domestic-ratio": ("warn", "pass"),
    }
    # Each printed example is a ready-to-save order that really flips under `check`.
    for rule, flip in flips.items():
        assert flip["earlier"] == {}
        saved = write(tmp_path / "saved" / rule, "order.yaml", flip["yaml"])
        before = cli("check", saved, "--rules", PACK, "--format", "json")
        after = cli("check", saved, "--rules", new, "--format", "json")
        assert before.status("order.yaml", rule) == flip["old"], before.out
        assert after.status("order.yaml", rule) == flip["new"], after.out


def test_the_same_pack_twice_changes_nothing(cli: Any, tmp_path: Path, orders: Path) -> None:
    same = pack_copy(tmp_path / "copy")
    run = cli("diff-rules", PACK, same, orders)
    assert run.code == 0, run.out + run.err
    assert "3 orders re-checked: 0 change" in run.out
    assert "19 rule(s) judge every such order alike" in run.out
    assert run.out.rstrip().endswith("nothing changes: proved")


def test_text_output_shows_the_change_and_a_saveable_order(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    new = pack_copy(tmp_path / "new", ALLOCATION_140K)
    run = cli("diff-rules", PACK, new, orders, "--rule", "batch-quota")
    assert run.code == 1
    assert "bd-145k.yaml  BD-145K  verdict pass -> fail" in run.out
    assert "  batch-quota: pass -> fail\n" in run.out
    assert "al-60.yaml" not in run.out
    assert "      order_id: PROOF-1\n" in run.out
    assert "        units: 140001\n" in run.out  # the first unit over the new allocation


def test_orders_only_without_the_proof(cli: Any, tmp_path: Path, orders: Path) -> None:
    new = pack_copy(tmp_path / "new", RATIO_HALF)
    run = cli("diff-rules", PACK, new, orders, "--lines", "0", "--format", "json")
    assert run.code == 1
    assert run.report["proof"] is None and run.report["summary"]["rules_changed"] is None
    assert [o["order_id"] for o in run.report["orders"]] == ["AL-60"]


def test_rule_narrows_the_proof_to_the_rules_named(cli: Any, tmp_path: Path) -> None:
    new = pack_copy(tmp_path / "new", RATIO_HALF, ALLOCATION_140K)
    run = cli("diff-rules", PACK, new, "--format", "json", "--rule", "batch-quota")
    assert run.code == 1, run.err
    assert [g["rule"] for g in run.report["proof"]["changes"]] == ["batch-quota"]
    assert run.report["proof"]["proved"] == []
    typo = cli("diff-rules", PACK, new, "--rule", "batch-quotas")
    assert typo.code == 2
    assert "--rule batch-quotas" in typo.err and "'batch-quota'" in typo.err


def test_a_removed_rule_counts_only_where_it_objected(cli: Any, tmp_path: Path) -> None:
    new = pack_copy(tmp_path / "new", ("pack.yaml", "  - domestic-ratio\n", ""))
    (new / "domestic-ratio.yaml").unlink()
    orders = tmp_path / "orders"
    write(orders, "al-60.yaml", ALIBABA_60_DOMESTIC)  # domestic-ratio: warn
    write(orders, "tc-ok.yaml", UNAFFECTED)  # domestic-ratio: pass
    run = cli("diff-rules", PACK, new, orders, "--lines", "0", "--format", "json")
    assert run.code == 1
    (change,) = run.report["orders"]
    assert change["order_id"] == "AL-60"
    assert [(c["rule"], c["old"], c["new"]) for c in change["changes"]] == [
        ("domestic-ratio", "warn", "absent")
    ]


def _git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_git_revision_against_the_working_tree(cli: Any, tmp_path: Path, orders: Path) -> None:
    rules = tmp_path / "rules" / "cn-h200-2026"
    shutil.copytree(PACK, rules)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "rules")
    _git(tmp_path, "commit", "-qm", "rules")
    meta = rules / "pack.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace(*ALLOCATION_140K[1:]), "utf-8")
    run = cli(
        "diff-rules", "HEAD:rules/cn-h200-2026", "rules/cn-h200-2026", orders,
        "--lines", "0", "--format", "json",
    )  # fmt: skip
    assert run.code == 1, run.err
    assert run.report["old"]["source"] == "HEAD:rules/cn-h200-2026"
    assert [o["order_id"] for o in run.report["orders"]] == ["BD-145K", "TC-OK"]  # TC: new fix


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("no-such-dir", "not a directory, and not a git REV:PATH"),
        ("NOSUCHREV:rules/cn-h200-2026", "cannot read it from git"),
    ],
)
def test_bad_pack_specs_are_usage_errors(
    cli: Any, tmp_path: Path, spec: str, expected: str
) -> None:
    _git(tmp_path, "init", "-q")
    run = cli("diff-rules", spec, PACK, "--lines", "0")
    assert run.code == 2
    assert expected in run.err and "Traceback" not in run.err


def test_an_invalid_pack_is_reported_and_nothing_compared(cli: Any, tmp_path: Path) -> None:
    broken = pack_copy(
        tmp_path / "broken",
        ("domestic-ratio.yaml", "controlled_units * ratio", "controled_units * ratio"),
    )
    run = cli("diff-rules", PACK, broken, "--lines", "0")
    assert run.code == 2
    assert "domestic-ratio.yaml:" in run.err and "controled_units" in run.err
    assert run.out == ""


def test_an_order_in_error_is_not_compared_and_exits_2(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    write(orders, "broken.yaml", UNAFFECTED.replace("units: 8000", 'units: "8000"', 1))
    run = cli("diff-rules", PACK, pack_copy(tmp_path / "copy"), orders, "--lines", "0")
    assert run.code == 2
    assert "broken.yaml  ERROR (not compared)" in run.out


# The bundled pack before the 2026 conditions, as released: a snapshot, so the test
# needs no git tag or history of this repository.
V1_PACK = REPO / "tests" / "data" / "packs" / "cn-h200-2026-2026.1.0"


def test_the_2026_update_of_the_bundled_pack_lists_the_v1_examples_it_changes(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The v1 example orders (as they were: without the fields the update declares)
    between the 2026.1.0 pack, read from a git revision as a user names it, and today's:
    each change is a rule added since."""
    repo = tmp_path / "repo"
    shutil.copytree(V1_PACK, repo / "rules" / "cn-h200-2026")
    git_commit(repo, "v1")
    v1 = tmp_path / "v1-orders"
    for path in sorted((REPO / "examples" / "orders").iterdir()):
        if path.name in (
            "alibaba-2026-0021.yaml",
            "alibaba-2026-0044.yaml",
            "deepseek-2026-0002.yaml",
            "tencent-2026-0040.yaml",
        ):
            continue  # written for the update
        text = path.read_text(encoding="utf-8").replace("end_user_type: private\n", "")
        write(v1, path.name, text)
    monkeypatch.chdir(repo)
    run = cli(
        "diff-rules", "HEAD:rules/cn-h200-2026", PACK, v1,
        "--lines", "0", "--format", "json",
    )  # fmt: skip
    assert run.code == 1, run.err
    assert (run.report["old"]["version"], run.report["new"]["version"]) == ("2026.1.0", "2026.4.0")
    changed = {o["order_id"]: o for o in run.report["orders"]}
    assert set(changed) == {
        "ALI-2026-0003", "ALI-2026-0009", "BD-2026-0031", "EXC-2026-0001", "TC-2026-0012",
    }  # fmt: skip
    assert (changed["ALI-2026-0003"]["old_verdict"], changed["ALI-2026-0003"]["new_verdict"]) == (
        "pass",
        "fail",
    )
    for order in changed.values():
        assert [(c["rule"], c["old"], c["new"]) for c in order["changes"]] == [
            ("end-user", "absent", "fail")
        ]
        assert "declare who uses the chips" in order["changes"][0]["new_message"]


PRIORITY = (
    "pack.yaml",
    "fields:\n  order:\n",
    "fields:\n  order:\n    priority:\n      type: integer\n      description: a number\n",
)


def test_packs_that_declare_different_fields_are_compared_not_crashed(
    cli: Any, tmp_path: Path, orders: Path
) -> None:
    """A field one pack declares and the other does not: the generated order that one
    accepts and the other refuses is the difference, shown as a file to check."""
    new = pack_copy(tmp_path / "new", PRIORITY)
    run = cli("diff-rules", PACK, new, orders, "--format", "json")
    assert run.code == 1, run.err
    (flip,) = [g for g in run.report["proof"]["changes"] if g["rule"] == "input-error"]
    assert (flip["old"], flip["new"]) == ("error", "valid")
    saved = write(tmp_path / "saved", "order.yaml", flip["yaml"])
    assert cli("check", saved, "--rules", PACK).code == 2
    assert cli("check", saved, "--rules", new).code in (0, 1)
    same = cli("diff-rules", new, new, "--format", "json")
    assert same.code == 0 and same.report["proof"]["changes"] == []


def test_rules_test_builds_orders_with_a_required_number_of_no_example_or_bounds(
    cli: Any, tmp_path: Path
) -> None:
    """A required integer field that no example gives and no bound limits: the orders
    the solver builds for coverage hold one (random orders once had none to draw)."""
    required = PRIORITY[2].replace("type: integer\n", "type: integer\n      required: true\n")
    new = pack_copy(tmp_path / "new", (PRIORITY[0], PRIORITY[1], required))
    for rule in new.glob("*.yaml"):
        text = rule.read_text(encoding="utf-8")
        if rule.name != "pack.yaml" and "\nexamples:" in text:
            rule.write_text(text[: text.index("\nexamples:") + 1], encoding="utf-8")
    run = cli("rules", "test", "--rules", new)
    assert run.code == 0, run.out + run.err
    assert "0 examples: 0 ok, 0 wrong" in run.out
