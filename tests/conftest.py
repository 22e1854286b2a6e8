"""Helpers: run the real CLI in-process on real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from checker.cli.main import main

# Hypothesis profiles: "ci" (CI sets CI=true) and "dev", the local default, are
# deterministic and bounded, so the README's test command never fails by chance;
# "thorough" searches at random, for a long local search after editing rules:
#   HYPOTHESIS_PROFILE=thorough python -m pytest
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    suppress_health_check=_QUIET,
)
settings.register_profile(
    "dev", derandomize=True, deadline=None, max_examples=100, suppress_health_check=_QUIET
)
settings.register_profile(
    "thorough", deadline=None, max_examples=2000, suppress_health_check=_QUIET
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REPO = Path(__file__).resolve().parent.parent

# Loaded packs are cached on disk (checker.pack.cache): the tests, and every chipcheck
# they start, share one cache of their own, never the user's, gone after the session.
_CACHE = tempfile.TemporaryDirectory(prefix="chipcheck-test-cache-")
os.environ["CHIPCHECK_CACHE_DIR"] = _CACHE.name
PACK = REPO / "rules" / "cn-h200-2026"

# The default pack's rules, exactly as SPEC section 2 names and orders them.
SPEC_RULE_IDS = [
    "known-models",
    "approved-buyer",
    "batch-window",
    "batch-quota",
    "domestic-ratio",
    "need-justification",
]
# The bundled pack's rules: SPEC's six first, then those for the conditions reported
# since February 2026 (each in effect from its report's date, so v1 orders dated before
# are judged as before).
PACK_RULE_IDS = [
    *SPEC_RULE_IDS,
    "end-user",
    "state-owned-end-user",
    "conditional-approval",
    "us-customer-cap",
    "certified-domestic",
    "purchase-approval",
    "deployment-location",
    "training-only",
    "public-data",
    "state-funded-site",
    "national-grid-share",
    "local-domestic-target",
    "customs-declaration",
]

# A valid order that passes every default rule; tests change one thing at a time.
BASE_ORDER = """\
order_id: T-1
date: 2026-02-03
buyer:
  name: Beijing ByteDance Technology Co., Ltd.
  uscc: 91110108000000001A
batch: CN-H200-2026-B1
lines:
  - model: nvidia-h200
    units: 8000
  - model: huawei-ascend-910c
    units: 8000
justification:
  purpose: Training the next Doubao foundation model; current cluster is saturated.
  site: Ulanqab, Inner Mongolia
  needed_by: 2026-05-01
  utilization: 0.93
"""


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def report(self) -> Any:
        return json.loads(self.out)

    def order(self, file_end: str) -> Any:
        matches = [o for o in self.report["orders"] if o["file"].endswith(file_end)]
        assert len(matches) == 1, self.out
        return matches[0]

    def status(self, file_end: str, rule: str) -> str:
        results = {r["rule"]: r for r in self.order(file_end)["results"]}
        return str(results[rule]["status"])

    def message(self, file_end: str, rule: str) -> str:
        results = {r["rule"]: r for r in self.order(file_end)["results"]}
        return str(results[rule]["message"])


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Iterator[Any]:
    """Run `chipcheck ARGS` in-process with tmp_path as the working directory."""
    old = Path.cwd()
    os.chdir(tmp_path)

    def run(*args: str | Path) -> Run:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    try:
        yield run
    finally:
        os.chdir(old)


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in the file with `new`; `old` must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path.name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def pack_copy(target: Path, *edits: tuple[str, str, str]) -> Path:
    """A copy of the bundled pack at `target`, with (file, old, new) text edits."""
    shutil.copytree(PACK, target)
    for file, old, new in edits:
        edit(target / file, old, new)
    return target


def git_commit(repo: Path, message: str) -> None:
    """Commit everything in `repo` (made a git repository first, if it is not one),
    whatever the user's git configuration."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    if not (repo / ".git").exists():
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    for args in (["add", "-A"], ["commit", "-qm", message]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env)


def missing_tool(what: str) -> None:
    """A tool a test runs is missing: in CI (CI set) that fails the run, since .ci/run
    installs it; on a developer's machine the test is skipped."""
    if os.environ.get("CI"):
        pytest.fail(what)
    pytest.skip(what)


def order_text(*replacements: tuple[str, str]) -> str:
    """BASE_ORDER with text replaced, each (old, new) pair required to be present."""
    text = BASE_ORDER
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
