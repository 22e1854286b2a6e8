"""Where a rule result points in its order file: the field its failing check judged.

SARIF and GitHub annotations show a result at a line, so a quota failure should point
at the `units` of the controlled line, a wrong name at `buyer.name`. The judged fact of
the first failing check is its fix fact (`has_justification == true and purpose_chars
< ...` judges `purpose_chars`), else the first fact of its last top-level conjunct;
each fact's locator (checker.pack.vocabulary) names the field it comes from. A field the
order lacks points at its nearest present parent, else line 1.
"""

from __future__ import annotations

from checker.source.documents import Document, Loc, Mark


def position(doc: Document, loc: Loc) -> Mark:
    """Line and column of the field (its key, for a mapping entry), else of its parent."""
    while loc:
        mark = doc.keys.get(loc) if isinstance(loc[-1], str) else doc.values.get(loc)
        if mark is not None:
            return mark
        loc = loc[:-1]
    return (1, 1)
