"""Numbers as written: exact or refused, never rounded.

chipcheck keeps a number with decimals as a double and means by it the shortest decimal
that reads back as that double (`repr`): 0.6 is 3/5. So a decimal is held exactly when
it is that shortest decimal, which every number of at most 15 significant digits is,
and no longer ones but those that happen to read back. Anything else would be rounded
(16.0000000000000000001 to 16.0, 1e-400 to 0), so it is refused with the reason, in
orders, packs, declarations and waivers alike. Size is bounded before any arithmetic,
so a hostile literal (a 5,000-digit number, 1e999999999) costs nothing to refuse.
"""

from __future__ import annotations

import re
from fractions import Fraction

_HELD = 15  # DBL_DIG: distinct decimals of this many digits are distinct doubles
MAX_DIGITS = 40  # digits of a literal, leading zeros aside: far more than any exact value
MAX_EXPONENT = 300  # |e| of an exponent: past it no double is near
_NUMBER = re.compile(r"([-+]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([-+]?[0-9]+))?")


class InexactNumber(ValueError):
    """A number chipcheck cannot hold as written; the message says why and what to do."""


def _measured(text: str) -> tuple[int, int]:
    """The significant digits of `text` and its exponent, once both are known to be
    small (InexactNumber otherwise): reading it then costs nothing."""
    match = _NUMBER.fullmatch(text)
    if match is None or not (match.group(2) or match.group(3)):
        raise InexactNumber(f"{_shown(text)} is not a number")
    digits = len((match.group(2) + (match.group(3) or "")).lstrip("0"))
    if digits > MAX_DIGITS:
        raise InexactNumber(
            f"{_shown(text)} has {digits} digits: a number has at most {MAX_DIGITS}"
        )
    exponent = match.group(4) or "0"
    if len(exponent.lstrip("+-").lstrip("0")) > 3 or abs(int(exponent)) > MAX_EXPONENT:
        raise InexactNumber(
            f"{_shown(text)} is too large or too near 0 to hold exactly: an exponent is at "
            f"most {MAX_EXPONENT} either way"
        )
    return digits, int(exponent)


def value(text: str) -> Fraction:
    """The exact value of `text` (digits, a point, an exponent; no underscores), once its
    size is known to be small. Raises InexactNumber for a literal past the bounds."""
    _measured(text)
    return Fraction(text)


def decimal(text: str) -> float:
    """The double whose shortest decimal is the one `text` writes; InexactNumber where
    there is none (the number would be rounded)."""
    digits, exponent = _measured(text)
    # leading zeros count too: 0.000...1e-250 is no normal double
    if len(text) <= 32 and digits <= _HELD and abs(exponent) <= 250:
        return float(text)  # any decimal of at most 15 digits in range reads back
    exact = Fraction(text)
    held = float(exact)
    if Fraction(repr(held)) != exact:
        nearest = "0" if held == 0 else repr(held)
        raise InexactNumber(
            f"{_shown(text)} cannot be held exactly (it would be rounded to {nearest}): "
            "write it with at most 15 significant digits"
        )
    return held


def _shown(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:20]}...{text[-8:]} ({len(text)} characters)"
