"""Text from orders and file names made safe for each kind of output (SPEC 4, v1.1).

An order file can hold any character and a file name any bytes, but a report must stay
valid and must not be forged: a newline in a buyer name must not print a report line,
an escape sequence must not drive the terminal, a lone surrogate (JSON's `\\ud800`, or
a file name that is not UTF-8) must not make a writer fail half-way. Escapes are
written the way Python writes them (`\\x1b`, `\\u202e`), so they read as what they are.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Unicode categories a person cannot see or that move the cursor: controls (Cc),
# format characters (Cf: bidi overrides, zero-width spaces), lone surrogates (Cs), and
# the line and paragraph separators (Zl, Zp), which some terminals break lines at.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SURROGATE = r"[\ud800-\udfff]"
# Characters XML 1.0 does not allow at all, even as character references.
_NOT_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(char: str) -> str:
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _escape_match(match: re.Match[str]) -> str:
    return escape(match.group())


def for_terminal(text: str) -> str:
    """`text` with every hidden or cursor-moving character escaped (one line, inert)."""
    if text.isprintable():  # the common case, in C: nothing to escape
        return text
    return "".join(escape(c) if unicodedata.category(c) in _HIDDEN else c for c in text)


def for_display(text: str) -> str:
    """`text` with every hidden or cursor-moving character escaped but line feeds and
    tabs: for multi-line text a person reads (a rule's description, a waiver's reason)."""
    if text.isprintable():
        return text
    return "".join(
        escape(c) if unicodedata.category(c) in _HIDDEN and c not in "\n\t" else c for c in text
    )


def for_xml(text: str) -> str:
    """`text` with the characters XML 1.0 cannot hold escaped; ElementTree does the rest."""
    return re.sub(_NOT_XML, _escape_match, text)  # compiled once, by re's cache


def unicode_safe(text: str) -> str:
    """`text` with lone surrogates escaped, so it encodes as UTF-8."""
    return re.sub(_SURROGATE, _escape_match, text)


def unicode_safe_data(data: Any) -> Any:
    """`data` (JSON-like) with every string, keys included, made `unicode_safe`."""
    if isinstance(data, str):
        return unicode_safe(data)
    if isinstance(data, dict):
        return {unicode_safe_data(k): unicode_safe_data(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [unicode_safe_data(v) for v in data]
    return data
