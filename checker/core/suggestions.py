"""'Did you mean' hints: the one place a mistyped name meets the names it could have been.

A hint names the closest known name only when it is close (difflib's similarity of at
least 0.6), so a message never guesses wildly; ties go to the same name on every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def close_to(word: str, known: Iterable[str]) -> str | None:
    """The known name closest to `word`, if one is close."""
    import difflib  # on a mistake only: a passing run does not load it

    found = difflib.get_close_matches(word, list(known), n=1)
    return found[0] if found else None


def did_you_mean(word: str, known: Iterable[str], form: str = ": did you mean {!r}?") -> str:
    """`form` naming the closest known name, or "" when none is close."""
    found = close_to(word, known)
    return form.format(found) if found is not None else ""


def unknown(word: str, what: str, known: Iterable[str]) -> str:
    """`'word' is not WHAT`, with the closest known name, if one is close."""
    return f"{word!r} is not {what}{did_you_mean(word, known)}"


def nearest(word: str, choices: Sequence[str]) -> str:
    """The most similar choice, however far: for a message that must always name one."""
    import difflib

    return max(choices, key=lambda c: (difflib.SequenceMatcher(None, word, c).ratio(), c))
