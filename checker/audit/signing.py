"""Signing a verdict record as in-toto does: a DSSE envelope around the Statement.

The envelope (payloadType `application/vnd.in-toto+json`) is what the in-toto and
securesystemslib packages, cosign and slsa-verifier read. securesystemslib does the
cryptography and the envelope; this module only loads the PEM keys that `openssl
genpkey` writes (ed25519 or ECDSA P-256) and words the outcome. Imported only by the
commands that sign or verify, so `check` never pays for it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import (
    load_pem_private_key,
    load_pem_public_key,
)
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import CryptoSigner, SSlibKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
_KEYS = "an ed25519 or ECDSA P-256 key in PEM, as `openssl genpkey` writes it"


class SigningError(Exception):
    """Signing or checking could not be done, or the signature does not hold."""


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read {what} {path.as_posix()}: {exc.strerror}") from None


def _supported(key: object) -> bool:
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return True
    return isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and isinstance(
        key.curve, ec.SECP256R1
    )


def sign(statement: bytes, key_file: Path) -> bytes:
    """The DSSE envelope of `statement`, signed with the private key in `key_file`."""
    try:
        private = load_pem_private_key(_read(key_file, "the key"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SigningError(
            f"{key_file.as_posix()}: not an unencrypted private key; give {_KEYS} "
            "(openssl genpkey -algorithm ed25519 -out key.pem)"
        ) from None
    if not _supported(private):
        raise SigningError(f"{key_file.as_posix()}: unsupported key type; give {_KEYS}")
    envelope = Envelope(payload=statement, payload_type=PAYLOAD_TYPE, signatures={})
    envelope.sign(CryptoSigner(private))
    return (json.dumps(envelope.to_dict(), sort_keys=True, indent=2) + "\n").encode()


def payload(data: dict[str, Any]) -> bytes:
    """The statement an envelope carries; SigningError if it is not an in-toto one."""
    try:
        envelope = Envelope.from_dict(copy.deepcopy(data))  # it consumes what it reads
    except Exception as exc:  # securesystemslib raises several kinds for a bad envelope
        raise SigningError(f"not a DSSE envelope: {type(exc).__name__}") from None
    if envelope.payload_type != PAYLOAD_TYPE:
        raise SigningError(f"payloadType is {envelope.payload_type!r}, not {PAYLOAD_TYPE!r}")
    return envelope.payload


def verify(data: dict[str, Any], public_key_file: Path) -> str:
    """The keyid of the signature on the envelope `data` that `public_key_file` checks;
    SigningError when none does."""
    try:
        public = load_pem_public_key(_read(public_key_file, "the public key"))
    except (ValueError, UnsupportedAlgorithm):
        raise SigningError(
            f"{public_key_file.as_posix()}: not a public key; give {_KEYS}"
        ) from None
    if not _supported(public):
        raise SigningError(f"{public_key_file.as_posix()}: unsupported key type; give {_KEYS}")
    key = SSlibKey.from_crypto(public)
    try:
        envelope = Envelope.from_dict(copy.deepcopy(data))  # it consumes what it reads
        envelope.verify([key], 1)
    except VerificationError:
        raise SigningError(
            f"no signature by {public_key_file.as_posix()} matches the record (it was changed "
            "after signing, or signed with another key)"
        ) from None
    except Exception as exc:
        raise SigningError(f"not a DSSE envelope: {type(exc).__name__}") from None
    return key.keyid
