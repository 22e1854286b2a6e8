"""Dates as every file and flag writes them: exactly YYYY-MM-DD, and a real calendar day.

One definition for orders, packs, waivers, conditions and `--as-of`: datetime's
fromisoformat alone also takes 20260203 and 2026-W05 (since 3.11), and a pattern alone
takes 2026-02-30.
"""

from __future__ import annotations

import datetime as dt
import re


class Date(str):
    """The type of a date fact (a YYYY-MM-DD text, so the engine compares dates as
    text, which orders them by day): it compares with dates and date literals only."""


_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def shaped(text: str) -> bool:
    """Whether `text` is written YYYY-MM-DD (ASCII digits), whatever the day."""
    return _SHAPE.fullmatch(text) is not None


def calendar_date(text: str) -> dt.date | None:
    """The day `text` names, or None when it is not YYYY-MM-DD or no such day exists."""
    if not shaped(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
