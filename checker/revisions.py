"""Rule packs from a directory or from a git revision (`REV:PATH`, as `git show` reads it)."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path


def pack_directory(spec: str, scratch: Path) -> Path | str:
    """The directory holding the pack `spec` names, or what is wrong with `spec`.

    A directory is used as it is. `REV:PATH` is exported from the git repository of the
    working directory into `scratch` (PATH is relative to the repository root, as in
    `git show REV:PATH`).
    """
    if Path(spec).is_dir():
        return Path(spec)
    revision, colon, inside = spec.partition(":")
    if not colon or not revision or not inside:
        return f"{spec}: not a directory, and not a git REV:PATH such as HEAD:rules/cn-h200-2026"
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", revision, "--", inside],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        return f"{spec}: git is not installed; give the rule pack as a directory instead"
    if archive.returncode != 0:
        reason = archive.stderr.decode(errors="replace").strip() or "git archive failed"
        return f"{spec}: cannot read it from git: {reason}"
    target = scratch / revision.replace("/", "_").replace("~", "_").replace("^", "_")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target / inside
