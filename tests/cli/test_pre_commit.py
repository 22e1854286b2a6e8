"""The pre-commit hooks, run by the real pre-commit in a temporary git repository.

pre-commit clones the hook repository and pip-installs it into an environment of its
own, so this test takes a while (it reuses pip's wheel cache, where there is one). The
hook repository is a snapshot of this working tree, committed in a temporary repo, so
uncommitted edits are what gets tested.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, order_text, write

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Compliance Team",
    "GIT_AUTHOR_EMAIL": "compliance@example.com",
    "GIT_COMMITTER_NAME": "Compliance Team",
    "GIT_COMMITTER_EMAIL": "compliance@example.com",
}


def run(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def snapshot(target: Path, env: dict[str, str]) -> str:
    """Commit this working tree (tracked and new files, not ignored ones) in `target`."""
    listed = run(
        REPO, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", env=env
    )
    assert listed.returncode == 0, listed.stderr
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).symlink_to(source.readlink())
        elif source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "snapshot")):
        assert run(target, "git", *args, env=env).returncode == 0
    head = run(target, "git", "rev-parse", "HEAD", env=env)
    return head.stdout.strip()


def test_hooks_block_a_failing_order_and_pass_a_good_one(tmp_path: Path) -> None:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env.pop("VIRTUAL_ENV", None)
    # The hook's environment builds durable_rules' C engine: unoptimised, in half the
    # time (8 s to 4 without pip's cache). What is tested is the hooks' wiring; every
    # other test runs the optimised build of the install.
    env["CFLAGS"] = f"{os.environ.get('CFLAGS', '')} -O0".strip()
    hooks = tmp_path / "hooks"
    rev = snapshot(hooks, env)

    repo = tmp_path / "orders-repo"
    write(repo, "pyproject.toml", '[tool.chipcheck]\norders = "orders"\n')
    write(
        repo,
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n"
        "      - id: chipcheck\n      - id: chipcheck-rules\n",
    )
    write(repo, "orders/bd-0001.yaml", order_text())
    assert run(repo, "git", "init", "-q", env=env).returncode == 0
    installed = run(repo, sys.executable, "-m", "pre_commit", "install", env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    run(repo, "git", "add", "-A", env=env)
    good = run(repo, "git", "commit", "-m", "a passing order", env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    output = good.stdout + good.stderr  # pre-commit reports on stderr during a commit
    assert "chipcheck (purchase orders)" in output and "Passed" in output
    assert "chipcheck rules test" in output

    write(
        repo,
        "orders/bd-0002.yaml",
        order_text(
            ("order_id: T-1", "order_id: T-2"), ("huawei-ascend-910c", "huawei-ascend-910x")
        ),
    )
    run(repo, "git", "add", "-A", env=env)
    bad = run(repo, "git", "commit", "-m", "an order with an unknown model", env=env)
    output = bad.stdout + bad.stderr
    assert bad.returncode != 0, output
    assert "Failed" in output
    assert "orders/bd-0002.yaml  T-2  FAIL" in output
    assert "huawei-ascend-910x (closest: huawei-ascend-910c)" in output
    assert "bd-0001.yaml" not in output  # quiet: the passing order is not listed
    log = run(repo, "git", "log", "--oneline", env=env)
    assert log.stdout.count("\n") == 1, log.stdout  # only the good commit landed

    # An upper-case suffix is an order too: staged alone, it still runs the hook.
    run(repo, "git", "reset", "-q", env=env)
    (repo / "orders" / "bd-0002.yaml").unlink()
    over = order_text(
        ("order_id: T-1", "order_id: BD-7"),
        ("    units: 8000\n  - model: huawei", "    units: 200000\n  - model: huawei"),
        ("huawei-ascend-910c\n    units: 8000", "huawei-ascend-910c\n    units: 200000"),
    )
    write(repo, "orders/BD-7.YAML", over)
    run(repo, "git", "add", "orders/BD-7.YAML", env=env)
    upper = run(repo, "git", "commit", "-m", "an order over quota", env=env)
    output = upper.stdout + upper.stderr
    assert upper.returncode != 0, output
    assert "orders/BD-7.YAML  BD-7  FAIL" in output and "over quota" in output

    # A waiver named in [tool.chipcheck] is picked up by the hook, and the commit lands.
    # The waived order still draws on the quota, so the later order needs it too.
    expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    write(
        repo,
        "pyproject.toml",
        '[tool.chipcheck]\norders = "orders"\nwaivers = "waivers.yaml"\n',
    )
    write(
        repo,
        "waivers.yaml",
        "waivers:\n  - id: W-1\n    rule: batch-quota\n    orders: [BD-7, T-1]\n"
        "    reason: Quota top-up agreed, not yet in the pack.\n"
        "    owner: procurement@example.com\n    approved_by: Head of Trade Compliance\n"
        f"    reference: NDRC-TOPUP-2026-03\n    expires: {expires}\n",
    )
    run(repo, "git", "add", "-A", env=env)
    waived = run(repo, "git", "commit", "-m", "the over-quota order, waived", env=env)
    assert waived.returncode == 0, waived.stdout + waived.stderr

    # An order that only warns passes, and the warning is shown (the hook is verbose:
    # pre-commit prints a passing hook's output only then).
    warning = order_text(
        ("order_id: T-1", "order_id: AL-60"),
        ("Beijing ByteDance Technology Co., Ltd.", "Alibaba (China) Co., Ltd."),
        ("91110108000000001A", "91330100799655058B"),
        (
            "units: 8000\n  - model: huawei-ascend-910c\n    units: 8000",
            "units: 100\n  - model: huawei-ascend-910c\n    units: 60",
        ),
    )
    write(repo, "orders/al-60.yaml", warning)
    run(repo, "git", "add", "-A", env=env)
    warned = run(repo, "git", "commit", "-m", "an order that warns", env=env)
    output = warned.stdout + warned.stderr
    assert warned.returncode == 0, output
    assert "orders/al-60.yaml  AL-60" in output and "domestic-ratio" in output
