"""Rule packs from a directory or from a git revision (`REV:PATH`, as `git show` reads it)."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath


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
    if revision.startswith("-"):
        return f"{spec}: a revision does not start with '-': name a commit, tag or branch"
    try:
        archive = subprocess.run(  # user input after --end-of-options: never an option
            ["git", "archive", "--format=tar", "--end-of-options", revision, inside],
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
        try:
            tar.extractall(target, filter=_inside(inside))
        except tarfile.FilterError as exc:
            return f"{spec}: {exc}; a rule pack's links stay inside the pack"
    return target / inside


def _inside(pack: str) -> Callable[[tarfile.TarInfo, str], tarfile.TarInfo]:
    """tarfile's `data` filter (no absolute links, none leaving the tree), and links
    that stay inside the pack's own directory, as in a pack directory."""
    top = PurePosixPath(pack)

    def keep(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
        member = tarfile.data_filter(member, dest)
        if member.issym() or member.islnk():
            base = PurePosixPath(member.name).parent if member.issym() else PurePosixPath()
            target = PurePosixPath(os.path.normpath(base / member.linkname))
            if top not in (target, *target.parents):
                raise tarfile.LinkOutsideDestinationError(member, str(target))
        return member

    return keep
