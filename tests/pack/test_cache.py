"""A loaded pack is kept on disk (checker.pack.cache) and used only when it is exactly
the pack asked for: a stale, corrupt or misplaced entry is never trusted."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from checker.pack import cache, rulepack
from checker.pack.rulepack import RulePack, load_pack
from tests.conftest import PACK, REPO, edit, git_commit, pack_copy

ORDERS = REPO / "examples" / "orders"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("CHIPCHECK_CACHE_DIR", str(where))
    return where


def _load(directory: Path) -> RulePack:
    pack = load_pack(directory)
    assert isinstance(pack, RulePack), pack
    return pack


def _entries(where: Path) -> list[Path]:
    return sorted(where.glob("*.pack"))


def _no_fresh_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, a pack can come only from the cache."""

    def refuse(*_args: Any) -> None:
        raise AssertionError("the pack was loaded afresh, not from the cache")

    monkeypatch.setattr(rulepack, "_load_meta", refuse)


def _same(a: RulePack, b: RulePack) -> None:
    assert (a.name, a.version, a.sha256, a.directory, a.files) == (
        b.name, b.version, b.sha256, b.directory, b.files
    )  # fmt: skip
    assert [(r.rule, r.checks[0].condition, r.facts) for r in a.rules] == [
        (r.rule, r.checks[0].condition, r.facts) for r in b.rules
    ]
    assert a.warnings == b.warnings and a.vocabulary.facts == b.vocabulary.facts


def test_a_second_load_comes_from_the_cache_and_judges_alike(
    cli: Any, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = cli("check", "--format", "json", ORDERS)
    assert fresh.code == 1 and len(_entries(cache_dir)) == 1
    _no_fresh_load(monkeypatch)
    cached = cli("check", "--format", "json", ORDERS)
    assert (cached.code, cached.out, cached.err) == (fresh.code, fresh.out, fresh.err)
    assert len(_entries(cache_dir)) == 1


def test_a_cached_pack_is_the_pack(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = _load(PACK)
    _no_fresh_load(monkeypatch)
    _same(_load(PACK), fresh)


@pytest.mark.parametrize(
    "damage",
    ["flip a payload byte", "truncate", "other magic", "empty", "digest of another payload"],
)
def test_a_corrupt_entry_is_ignored_and_written_again(cache_dir: Path, damage: str) -> None:
    fresh = _load(PACK)
    [entry] = _entries(cache_dir)
    raw = entry.read_bytes()
    header = len(cache.MAGIC) + 64
    damaged = {
        "flip a payload byte": raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:],
        "truncate": raw[: len(raw) // 2],
        "other magic": b"X" + raw[1:],
        "empty": b"",
        "digest of another payload": raw[:header] + raw[header:].replace(b"cn-h200", b"cn-h300"),
    }[damage]
    entry.write_bytes(damaged)
    _same(_load(PACK), fresh)
    assert entry.read_bytes() == raw  # rewritten whole


def test_an_entry_under_another_packs_key_is_not_taken_for_it(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A well-formed entry of another pack, renamed to this pack's key: the pack it
    holds has another digest, so it is refused and this pack is loaded."""
    other = pack_copy(tmp_path / "other", ("batch-quota.yaml", "title: ", "title: Other "))
    _load(other)
    [kept] = _entries(cache_dir)
    digest = _load(PACK).sha256
    [mine] = [e for e in _entries(cache_dir) if e != kept]
    shutil.copyfile(kept, mine)
    pack = _load(PACK)
    assert pack.sha256 == digest
    assert not any(r.rule.title.startswith("Other ") for r in pack.rules)


def test_an_edited_pack_is_loaded_afresh(tmp_path: Path, cache_dir: Path) -> None:
    copy = pack_copy(tmp_path / "pack")
    before = _load(copy)
    edit(copy / "batch-quota.yaml", "title: ", "title: Edited ")
    after = _load(copy)
    assert after.sha256 != before.sha256
    assert after.rule("batch-quota").rule.title.startswith("Edited ")  # type: ignore[union-attr]
    assert len(_entries(cache_dir)) == 2


def test_the_same_files_under_another_path_are_another_entry(
    tmp_path: Path, cache_dir: Path
) -> None:
    """A loaded pack names its files (in every message): a copy is not the original."""
    copy = pack_copy(tmp_path / "copy")
    assert _load(copy).sha256 == _load(PACK).sha256
    assert _load(copy).directory == copy
    assert len(_entries(cache_dir)) == 2


def test_the_loading_code_is_part_of_the_key(tmp_path: Path) -> None:
    package = tmp_path / "checker"
    for stage in ("core", "source", "schema", "lang", "pack"):
        shutil.copytree(REPO / "checker" / stage, package / stage)
    identity = cache.code_identity(package)
    assert identity == cache.code_identity()  # copied with their times: the same code
    module = package / "lang" / "evaluate.py"
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = cache.code_identity(package)
    module.write_text(module.read_text(encoding="utf-8") + "#\n", encoding="utf-8")
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    grown = cache.code_identity(package)
    assert len({identity, touched, grown}) == 3
    digest = _load(PACK).sha256
    keys = {cache.key(PACK, digest, code) for code in (identity, touched, grown)}
    assert len(keys) == 3 and cache.key(PACK, digest) in keys


def test_an_invalid_pack_is_never_kept(tmp_path: Path, cache_dir: Path) -> None:
    copy = pack_copy(tmp_path / "pack", ("batch-quota.yaml", "id: batch-quota", "id: 5"))
    assert isinstance(load_pack(copy), list)
    assert not _entries(cache_dir)


def test_caching_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPCHECK_CACHE_DIR", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    _load(PACK)
    assert cache.directory() is None and not any(tmp_path.iterdir())


def test_the_users_cache_directory_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHIPCHECK_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    _load(PACK)
    assert len(_entries(tmp_path / ".cache" / "chipcheck" / "packs")) == 1
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _load(PACK)
    assert len(_entries(tmp_path / "xdg" / "chipcheck" / "packs")) == 1


def test_a_cache_that_cannot_be_written_is_no_error(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("CHIPCHECK_CACHE_DIR", str(blocked / "cache"))
    run = cli("check", ORDERS)
    assert run.code == 1 and run.err == ""
    assert blocked.read_text(encoding="utf-8") == "not a directory"


def test_the_cache_keeps_the_newest_entries(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for i in range(5):
        cache.store(f"{i:064x}", i)
        entry = cache_dir / f"{i:064x}.pack"
        os.utime(entry, ns=(i * 10**9, i * 10**9))  # written one second after another
    assert [e.name[63] for e in _entries(cache_dir)] == ["2", "3", "4"]
    assert cache.load(f"{4:064x}") == 4


def test_a_pack_read_from_git_is_not_cached(cli: Any, tmp_path: Path, cache_dir: Path) -> None:
    """diff-rules writes a revision to a scratch directory no later run names again."""
    pack_copy(tmp_path / "pack")
    shutil.copytree(ORDERS, tmp_path / "orders")
    git_commit(tmp_path, "pack")
    run = cli("diff-rules", "HEAD:pack", "pack", "orders", "--lines", "0")
    assert run.code == 0, run.err
    [entry] = _entries(cache_dir)
    assert entry == cache_dir / f"{cache.key(Path('pack'), _load(tmp_path / 'pack').sha256)}.pack"


def test_no_home_directory_is_no_cache_and_no_error(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI container may run as a user with neither HOME nor a password entry."""

    def nowhere() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("CHIPCHECK_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", nowhere)
    assert cache.directory() is None
    run = cli("check", ORDERS)
    assert run.code == 1 and run.err == ""


def test_a_dead_writers_temporary_file_is_removed_later(cache_dir: Path) -> None:
    cache.store(f"{1:064x}", 1)
    stale, fresh = cache_dir / f"{2:064x}.99.tmp", cache_dir / f"{3:064x}.98.tmp"
    for path in (stale, fresh):
        path.write_bytes(b"partial")
    os.utime(stale, (0, 0))
    cache.store(f"{4:064x}", 4)
    assert not stale.exists() and fresh.exists()
