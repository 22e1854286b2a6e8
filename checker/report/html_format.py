"""The HTML report: one self-contained page (checker.report.pages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from checker.core.results import (
    OrderResult,
    PackInfo,
    Tally,
)
from checker.report.json_format import SCHEMA, order_json, summary_json


class HtmlWriter:
    """One self-contained page (checker.report.pages): a chart of results per rule and a
    sortable table of orders. A page is for people: it keeps every order until the end."""

    def __init__(self, pack: PackInfo) -> None:
        self.pack = pack
        self._orders: list[dict[str, Any]] = []

    def begin(self) -> Iterable[str]:
        return ()

    def order(self, order: OrderResult) -> Iterable[str]:
        self._orders.append(order_json(order))
        return ()

    def end(self, tally: Tally) -> Iterable[str]:
        from checker.report.pages import Stamp, check_page

        data = {
            "schema": SCHEMA,
            "rulepack": self.pack.identity(),
            "rules": [r.id for r in self.pack.rules],
            "orders": self._orders,
            "summary": summary_json(tally, self.pack),
        }
        waivers = self.pack.waivers
        as_of = waivers.as_of if waivers is not None else dt.date.today().isoformat()
        return (check_page(data, Stamp.now(as_of)),)
