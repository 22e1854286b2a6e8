"""docs/tutorial.md, step by step: each file edit applied, each command run through the
real CLI, each shown output found in what the command printed."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

DOCS = {
    "tutorial": (REPO / "docs" / "tutorial.md").read_text(encoding="utf-8"),
    "proof": (REPO / "docs" / "proof.md").read_text(encoding="utf-8"),
    "readme-audit": (REPO / "README.md").read_text(encoding="utf-8"),
}
BLOCK = re.compile(r"```(tutorial-[a-z]+)([^\n]*)\n(.*?)```", re.S)


def _edit(path: Path, how: str, text: str) -> None:
    kind, _, anchor = how.partition("=")
    anchor = anchor.strip().strip('"')
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index(anchor)  # the anchor line must be there, exactly
    new = text.rstrip("\n").split("\n")
    if kind == "after":
        lines[at + 1 : at + 1] = new
    elif kind == "before":
        lines[at:at] = new
    else:
        assert kind == "replace", how
        lines[at : at + 1] = new
    path.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("doc", DOCS)
def test_the_tutorial_runs_as_written(cli: Any, tmp_path: Path, doc: str) -> None:
    """docs/tutorial.md, docs/proof.md and the README's audit workflow, as written."""
    blocks = BLOCK.findall(DOCS[doc])
    assert [k for k, _, _ in blocks].count("tutorial-run") >= 3
    if doc == "proof":  # it reads the bundled pack and orders where a clone has them
        for name in ("rules", "examples"):
            shutil.copytree(REPO / name, tmp_path / name)
    printed = ""
    for kind, args, body in blocks:
        if kind == "tutorial-run":
            printed = ""
            for command in body.strip().splitlines():
                words = shlex.split(command)
                if words[:2] == ["cp", "-r"]:  # into a new directory, as on a fresh clone
                    assert not (tmp_path / words[3]).exists(), command
                    shutil.copytree(REPO / words[2], tmp_path / words[3])
                    continue
                assert words[0] == "chipcheck", command
                run = cli(*words[1:])
                assert run.code in (0, 1), (command, run.out, run.err)
                printed += run.out + run.err
        elif kind == "tutorial-output":
            for line in body.rstrip("\n").split("\n"):
                assert line in printed, (line, printed)
        elif kind == "tutorial-file":
            (tmp_path / args.strip()).write_text(body, encoding="utf-8")
        else:
            assert kind == "tutorial-edit", kind
            path, how = args.strip().split(" ", 1)
            _edit(tmp_path / path, how, body)


def test_the_readme_use_lines_run_on_a_fresh_clone(cli: Any, tmp_path: Path) -> None:
    """Every line of the README's "Use" block that names no placeholder (PATH, DIR,
    OLD, NEW, a choice a|b) runs as written in a copy of a clone, in its order."""
    readme = DOCS["readme-audit"]
    block = readme[readme.index("## Use") :]
    block = block[block.index("```sh\n") + 6 : block.index("```", block.index("```sh\n") + 6)]
    for name in ("examples", "rules"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    ran = 0
    for line in block.splitlines():
        command = line.split("  #", 1)[0].strip()
        if not command.startswith("chipcheck ") or re.search(r"[A-Z]{3}|\[|\|", command):
            continue
        run = cli(*shlex.split(command)[1:])
        assert run.code in (0, 1), (command, run.out, run.err)
        ran += 1
    assert ran >= 12
