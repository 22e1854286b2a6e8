"""Loaded packs kept on disk, so a run does not compose, validate and check an
unchanged pack again: loading the default pack is ~25 ms of a ~130 ms one-file check.

An entry is keyed by everything a loaded pack is made from: the pack directory as
named, the digest of its files (names and bytes), the source of the modules that load
it (`checker.core`, `.source`, `.schema`, `.lang`, `.pack`: each file's size and
modification time, which is what Python itself trusts to reuse a module's compiled
bytecode), the Python, PyYAML and pydantic-core versions. A changed input is a
different key, so a stale entry is never found. An entry's payload carries its own
SHA-256, checked before it is read, and the pack it holds must have the digest asked
for: a truncated, corrupt or misplaced entry is ignored (and rewritten), never trusted.
Only a pack that loaded without a problem is kept.

The payload is a pickle, so an entry is code: the directory must be as private as the
Python environment itself (it is the user's cache directory, as for pip and
pre-commit). CHIPCHECK_CACHE_DIR names another directory; set to the empty string, no
cache is read or written. Writes are atomic (a temporary file renamed), failures to
write are ignored, and the directory keeps at most MAX_ENTRIES entries.
"""

from __future__ import annotations

import functools
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

try:  # CPython's own SHA-256 (the pack's digest too): hashlib loads OpenSSL first, 3 ms
    from _sha256 import sha256  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # 3.12 renamed the module; elsewhere, hashlib
    try:
        from _sha2 import sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:
        from hashlib import sha256  # type: ignore[assignment, unused-ignore]

__all__ = ["MAGIC", "MAX_ENTRIES", "code_identity", "directory", "key", "load", "sha256", "store"]

MAGIC = b"chipcheck pack cache 1\n"
MAX_ENTRIES = 64
_SUFFIX = ".pack"
_STAGES = ("core", "source", "schema", "lang", "pack")  # what loading a pack runs
_PACKAGE = Path(__file__).resolve().parent.parent


def directory() -> Path | None:
    """Where entries are kept, or None when caching is off."""
    named = os.environ.get("CHIPCHECK_CACHE_DIR")
    if named is not None:
        return Path(named) if named else None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError, OSError):  # no HOME and no password entry
            return None
    return Path(base) / "chipcheck" / "packs"


def code_identity(package: Path = _PACKAGE) -> bytes:
    """The loading code's identity: each of its modules' name, size and modification
    time, and the versions of what it calls."""
    import pydantic_core
    import yaml

    parts = [sys.version, yaml.__version__, pydantic_core.__version__]
    for stage in _STAGES:
        with os.scandir(package / stage) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.endswith(".py"):
                    stat = entry.stat()
                    parts.append(f"{stage}/{entry.name} {stat.st_size} {stat.st_mtime_ns}")
    return "\n".join(parts).encode("utf-8", "surrogateescape")


@functools.cache
def _running_code() -> bytes:
    """The identity of the code this process loaded: taken once, at the first load, so
    that a module edited while it runs does not name entries its old code writes."""
    return code_identity()


def key(pack: Path, digest: str, code: bytes | None = None) -> str:
    named = pack.as_posix().encode("utf-8", "surrogateescape")
    identity = _running_code() if code is None else code
    found: str = sha256(b"\0".join((MAGIC, named, digest.encode(), identity))).hexdigest()
    return found


def load(entry_key: str) -> Any | None:
    """The object kept under `entry_key`, or None: missing, unreadable or corrupt."""
    where = directory()
    if where is None:
        return None
    try:
        raw = (where / f"{entry_key}{_SUFFIX}").read_bytes()
    except OSError:
        return None
    header = len(MAGIC) + 64
    if not raw.startswith(MAGIC) or len(raw) <= header:
        return None
    payload = raw[header:]
    if sha256(payload).hexdigest().encode() != raw[len(MAGIC) : header]:
        return None
    try:
        return pickle.loads(payload)
    except Exception:  # an entry the current classes cannot read: ignored, rewritten
        return None


def store(entry_key: str, value: Any) -> None:
    """Keep `value` under `entry_key`; a cache that cannot be written is no error."""
    where = directory()
    if where is None:
        return
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    data = MAGIC + sha256(payload).hexdigest().encode() + payload
    # a name of this process's own, renamed into place whole (not tempfile: it loads
    # shutil and random, ~4 ms)
    temporary = where / f"{entry_key}.{os.getpid()}.tmp"
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            temporary.replace(where / f"{entry_key}{_SUFFIX}")
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _evict(where)
    except OSError:
        return


def _evict(where: Path) -> None:
    """Remove the least recently written entries beyond MAX_ENTRIES, and what a writer
    that died left behind (a temporary file of an hour ago)."""
    entries = [(p.stat().st_mtime_ns, p) for p in where.glob(f"*{_SUFFIX}")]
    for _, path in sorted(entries)[: max(0, len(entries) - MAX_ENTRIES)]:
        path.unlink(missing_ok=True)
    hour_ago = time.time() - 3600
    for path in where.glob("*.tmp"):
        if path.stat().st_mtime < hour_ago:
            path.unlink(missing_ok=True)
