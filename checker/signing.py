"""Signing a record offline with `ssh-keygen -Y` (the mechanism of git's SSH-signed
commits), and checking the signature against an allowed-signers file.

ssh-keygen does the cryptography; this module only runs it and words its outcome.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

NAMESPACE = "chipcheck-attestation"  # a signature made for another use does not verify


class SigningError(Exception):
    """Signing or checking could not be done, or the signature does not hold."""


def signature_path(record: Path) -> Path:
    return record.with_name(record.name + ".sig")


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise SigningError("ssh-keygen not found: install OpenSSH (8.2 or later) to sign")
    return found


def _run(args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(args, input=stdin, capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SigningError(f"ssh-keygen could not run: {exc}") from None


def _said(done: subprocess.CompletedProcess[bytes]) -> str:
    text = (done.stderr or done.stdout).decode(errors="replace").strip()
    return " ".join(text.split())[:300] or f"exit status {done.returncode}"


def sign(record: Path, key: Path) -> Path:
    """Write `record`.sig, signed with the private key `key`; its path."""
    target = signature_path(record)
    target.unlink(missing_ok=True)  # ssh-keygen asks before overwriting
    done = _run([_ssh_keygen(), "-Y", "sign", "-q", "-f", str(key), "-n", NAMESPACE, str(record)])
    if done.returncode != 0 or not target.is_file():
        raise SigningError(f"cannot sign {record.as_posix()} with {key.as_posix()}: {_said(done)}")
    return target


def verify(record: bytes, signature: Path, allowed_signers: Path) -> str:
    """The principal that signed `record`, if `allowed_signers` allows it; else raises."""
    if not signature.is_file():
        raise SigningError(
            f"no signature {signature.as_posix()}: sign the record with attest --sign-key"
        )
    tool = _ssh_keygen()
    found = _run([tool, "-Y", "find-principals", "-s", str(signature), "-f", str(allowed_signers)])
    principals = found.stdout.decode(errors="replace").split()
    if found.returncode != 0 or not principals:
        raise SigningError(
            f"{signature.as_posix()}: the signing key is not in {allowed_signers.as_posix()}: "
            f"{_said(found)}"
        )
    for principal in principals:
        checked = _run(
            [
                tool, "-Y", "verify", "-f", str(allowed_signers), "-I", principal,
                "-n", NAMESPACE, "-s", str(signature),
            ],
            stdin=record,
        )  # fmt: skip
        if checked.returncode == 0:
            return principal
    raise SigningError(
        f"{signature.as_posix()}: the signature does not match the record (it was changed "
        f"after signing, or signed for another use): {_said(checked)}"
    )
