"""A pack directory is read as an orders directory is: every `*.yaml`/`*.yml` entry is a
rule file or a clear error, never a hang or a crash; and a git revision's pack too."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BASE_ORDER, PACK, git_commit, pack_copy, write


def _pack(tmp_path: Path) -> Path:
    write(tmp_path, "orders/o.yaml", BASE_ORDER)
    return pack_copy(tmp_path / "pack")


ENTRIES: list[tuple[str, Callable[[Path], None], str]] = [
    ("directory", lambda p: (p / "notes.yaml").mkdir(), "notes.yaml: a directory"),
    (
        "dangling-link",
        lambda p: (p / "x.yaml").symlink_to("gone.yaml"),
        "x.yaml: a dangling symbolic link to gone.yaml",
    ),
    (
        "link-loop",
        lambda p: ((p / "a.yaml").symlink_to("b.yaml"), (p / "b.yaml").symlink_to("a.yaml")),
        "a.yaml: a symbolic link loop",
    ),
    ("fifo", lambda p: os.mkfifo(p / "x.yaml"), "x.yaml: not a regular file"),
    (
        "two-files-one-rule",
        lambda p: shutil.copy(p / "end-user.yaml", p / "end-user.yml"),
        "end-user.yml: end-user.yaml and end-user.yml are two files for one rule",
    ),
    (
        "two-files-letter-case",
        lambda p: shutil.copy(p / "end-user.yaml", p / "END-USER.YAML"),
        "end-user.yaml: END-USER.YAML and end-user.yaml are two files for one rule",
    ),
]


@pytest.mark.parametrize(("make", "words"), [e[1:] for e in ENTRIES], ids=[e[0] for e in ENTRIES])
def test_every_yaml_entry_is_a_rule_file_or_an_error(
    cli: Any, tmp_path: Path, make: Callable[[Path], None], words: str
) -> None:
    pack = _pack(tmp_path)
    make(pack)
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    assert run.code == 2, run.err
    assert run.out == ""
    assert f"pack/{words}" in run.err
    assert "is invalid; nothing was checked" in run.err


def test_a_link_to_a_rule_file_is_read(cli: Any, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    (tmp_path / "kept.yaml").write_bytes((pack / "end-user.yaml").read_bytes())
    (pack / "end-user.yaml").unlink()
    (pack / "end-user.yaml").symlink_to(tmp_path / "kept.yaml")
    assert cli("check", "orders", "--rules", pack).code == 0


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding a copy of the bundled pack at HEAD."""
    shutil.copytree(PACK, tmp_path / "rules" / "cn")
    git_commit(tmp_path, "pack")
    return tmp_path


def test_a_revision_is_never_a_git_option(cli: Any, repo: Path) -> None:
    run = cli("diff-rules", "--lines", "0", "--", "--output=x:rules/cn", "HEAD:rules/cn")
    assert run.code == 2
    assert "a revision does not start with '-'" in run.err
    assert not (repo / "x").exists()


def _commit_link(repo: Path, name: str, target: str) -> None:
    (repo / "rules" / "cn" / name).symlink_to(target)
    git_commit(repo, "link")


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("/etc/passwd", "a rule pack's links stay inside the pack"),
        ("../../README.md", "a rule pack's links stay inside the pack"),
        ("gone.yaml", "x.yaml: a dangling symbolic link to gone.yaml"),
    ],
    ids=["absolute", "leaving", "dangling"],
)
def test_links_in_a_revision_follow_the_rules_of_a_pack_directory(
    cli: Any, repo: Path, target: str, words: str
) -> None:
    (repo / "README.md").write_text("not a rule\n", encoding="utf-8")
    _commit_link(repo, "x.yaml", target)
    run = cli("diff-rules", "HEAD:rules/cn", "HEAD~1:rules/cn", "--lines", "0")
    assert run.code == 2, run.out + run.err
    assert words in run.err
