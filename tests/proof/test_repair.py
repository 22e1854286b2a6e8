"""`chipcheck suggest`: the smallest change to a failing order's lines, solved over the
whole order, checked again here by applying it and running `check`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from checker.authoring.diffreport import RENDERERS
from checker.cli.main import DIFF_FORMATS
from tests.conftest import PACK, REPO, pack_copy, write

SHARE_OF_TOTAL = (
    ("domestic-ratio.yaml", "domestic_units < controlled_units * ratio",
     "domestic_units < total_units * ratio"),
    ("domestic-ratio.yaml", "    value: 1.0", "    value: 0.4"),
)  # fmt: skip
ONE_SHORT = """\
order_id: T-40
date: 2026-02-03
buyer: {name: "Alibaba (China) Co., Ltd.", uscc: 91330100799655058B}
batch: CN-H200-2026-B1
lines:
  - {model: nvidia-h200, units: 10000}
  - {model: nvidia-h20, units: 2000}
  - {model: huawei-ascend-910b, units: 7999}
"""


def _applied(document: dict[str, Any], changes: list[dict[str, Any]]) -> dict[str, Any]:
    """A suggestion applied as a person would: set each line's units, add the new ones."""
    for c in changes:
        if c["line"] is None:
            document["lines"].append({"model": c["model"], "units": c["after"], **c["fields"]})
        else:
            document["lines"][c["line"] - 1]["units"] = c["after"]
    document["lines"] = [line for line in document["lines"] if line["units"]]
    return document


def test_a_share_of_all_units_is_met_by_one_unit(cli: Any, tmp_path: Path) -> None:
    """The reported case: adding a domestic unit raises the total it is a share of."""
    pack = pack_copy(tmp_path / "pack", *SHARE_OF_TOTAL)
    order = write(tmp_path / "orders", "t-40.yaml", ONE_SHORT)
    run = cli("suggest", order, "--rules", pack)
    assert run.code == 1, run.err
    assert "  line 3 (huawei-ascend-910b): 7,999 -> 8,000 units\n" in run.out
    assert "  then these pass (checked): domestic-ratio\n" in run.out
    # no justification: no change to the lines can give one
    assert "no change to the lines makes these pass: need-justification" in run.out


def test_the_bundled_examples_each_get_a_change_or_the_rules_no_change_can_fix(
    cli: Any, tmp_path: Path
) -> None:
    orders = REPO / "examples" / "orders"
    run = cli("suggest", orders, "--rules", PACK, "--format", "json")
    assert run.code == 1, run.err
    found = {o["order_id"]: o for o in run.report["orders"]}
    # judged in the set: earlier orders of ByteDance use 8,000 of its allocation
    (cut,) = found["BD-2026-0031"]["changes"]
    assert (cut["line"], cut["before"], cut["after"]) == (1, 145000, 142000)
    assert found["TC-2026-0001"]["unfixable"] == ["batch-window"]  # a closed window
    assert "approved-buyer" in found["EXC-2026-0001"]["unfixable"]  # not an approved buyer
    (removed,) = found["ALI-2026-0009"]["changes"]
    assert (removed["model"], removed["after"]) == ("nvidia-h300", 0)  # not in the catalog
    # every change, applied to its file in a copy of the set, makes its rules pass
    copies = tmp_path / "orders"
    for path in orders.iterdir():
        write(copies, path.name, path.read_text(encoding="utf-8"))
    for entry in run.report["orders"]:
        if not entry["changes"]:
            continue
        name = Path(entry["file"]).name
        document = yaml.safe_load((orders / name).read_text(encoding="utf-8"))
        changed = _applied(document, entry["changes"])
        write(copies, name, yaml.safe_dump(changed, sort_keys=False, allow_unicode=True))
        checked = cli("check", copies, "--rules", PACK, "--format", "json")
        statuses = {r["rule"]: r["status"] for r in checked.order(name)["results"]}
        assert all(statuses[rule] in ("pass", "skip") for rule in entry["fixed"]), entry
        write(copies, name, (orders / name).read_text(encoding="utf-8"))  # as it was


def test_passing_orders_need_nothing(cli: Any) -> None:
    run = cli("suggest", REPO / "examples" / "orders" / "alibaba-2026-0003.yaml")
    assert run.code == 0 and "every order passes: nothing to suggest" in run.out


def test_a_one_file_check_does_not_import_the_solver(tmp_path: Path) -> None:
    """The solver is for the commands that prove, the rule diff's renderers for
    diff-rules; a check pays for neither."""
    probe = (
        "import sys\nfrom checker.cli.main import main\ncode = main(['check', sys.argv[1]])\n"
        "print(code, 'z3' in sys.modules, 'checker.proof' in sys.modules,\n"
        "      'checker.authoring.diffreport' in sys.modules)\n"
    )
    order = REPO / "examples" / "orders" / "alibaba-2026-0003.yaml"
    ran = subprocess.run(
        [sys.executable, "-c", probe, str(order)], capture_output=True, text=True, cwd=REPO
    )
    assert ran.stdout.split()[-4:] == ["0", "False", "False", "False"], ran.stdout + ran.stderr
    assert tuple(RENDERERS) == DIFF_FORMATS  # the CLI's choices, named without the import


def test_rules_test_without_the_proof_neither_imports_the_solver_nor_shows_its_column(
    tmp_path: Path,
) -> None:
    """The pre-commit hook's `rules test --no-proof`: the examples run, the solver does not."""
    probe = (
        "import sys\nfrom checker.cli.main import main\n"
        "code = main(['rules', 'test', '--no-proof'])\n"
        "print(code, 'z3' in sys.modules, 'checker.proof' in sys.modules)\n"
    )
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert ran.stdout.split()[-3:] == ["0", "False", "False"], ran.stdout + ran.stderr
    assert "examples: " in ran.stdout and " 0 wrong" in ran.stdout
    assert "the solver: not run, --no-proof" in ran.stdout
    assert " / not run " in ran.stdout and "witness" not in ran.stdout
    hooks = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "entry: chipcheck rules test --no-proof\n" in hooks
