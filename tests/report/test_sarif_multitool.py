"""The SARIF report as Microsoft's SARIF Multitool judges it, with the rule sets of the
SARIF spec, GitHub code scanning and GitHub Advanced Security for Azure DevOps: no
error or warning. .ci/run installs the Multitool from the npm registry into
.ci/cache; without it the test is skipped (failing under CI=true)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, missing_tool

MULTITOOL = Path(
    os.environ.get(
        "SARIF_MULTITOOL", REPO / ".ci" / "cache" / "node_modules" / ".bin" / "sarif-multitool"
    )
)
# An Azure pipeline's variables, as a run there has them.
AZURE = {
    "TF_BUILD": "True",
    "SYSTEM_COLLECTIONURI": "https://dev.azure.com/acme/",
    "SYSTEM_TEAMPROJECT": "compliance",
    "SYSTEM_DEFINITIONID": "12",
    "BUILD_DEFINITIONNAME": "orders",
    "SYSTEM_PHASEID": "3c9b5a52-8a6b-4d7e-9a1e-2f3d4c5b6a70",
    "SYSTEM_PHASENAME": "check",
    "BUILD_SOURCEBRANCH": "refs/heads/main",
    "BUILD_BUILDID": "345",
}


def _validate(sarif: Path, kind: str) -> list[str]:
    """Every error and warning the Multitool's `kind` rules find (its notes are advice:
    message arguments, snippets, relative URIs)."""
    out = sarif.with_suffix(f".{kind}.sarif")
    done = subprocess.run(
        [str(MULTITOOL), "validate", str(sarif), "--output", str(out), "--log",
         "ForceOverwrite", "--rule-kind", kind, "--level", "Error", "Warning"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.is_file(), done.stdout + done.stderr
    found = json.loads(out.read_text(encoding="utf-8"))["runs"][0].get("results", [])
    return [f"{r['ruleId']} {r['level']}: {r['message']}" for r in found]


@pytest.mark.parametrize(("kind", "environment"), [("Sarif", {}), ("Gh", {}), ("Ado", AZURE)])
def test_the_multitool_finds_nothing(
    cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    environment: dict[str, str],
) -> None:
    if not MULTITOOL.is_file():
        missing_tool(f"the SARIF Multitool is missing at {MULTITOOL} (.ci/run installs it)")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    sarif = tmp_path / "report.sarif"
    waivers = REPO / "examples" / "waivers.yaml"
    run = cli("check", REPO / "examples" / "orders", "--waivers", waivers, "--as-of",
              "2026-12-01", "--format", "sarif", "--output", sarif)  # fmt: skip
    assert run.code == 1, run.err
    assert _validate(sarif, kind) == []
