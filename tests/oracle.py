"""An independent plain-Python reading of SPEC section 2, for differential tests, with
the order lifecycle the bundled pack declares: cancelled and rejected orders hold no
quota (every other status, and none, counts).

It shares nothing with the checker but the pack's data (reference data and rule
parameters): no fact derivation, no condition language, no compiler, no engine. Where
the two disagree, one of them misreads the SPEC.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence

from checker.pack.rulepack import RulePack
from checker.schema.records import Order


def _norm(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def judge(
    pack: RulePack,
    orders: Sequence[Order],
    *,
    enforce_proposed: bool = False,
    lifecycle: Sequence[str | None] | None = None,
) -> list[dict[str, str]]:
    """Status of each default-pack rule (present in `pack`) for each order; `lifecycle`
    is each order's `status` field, if it has one."""
    held = [s not in ("cancelled", "rejected") for s in lifecycle or [None] * len(orders)]
    meta = pack.meta
    params = {r.rule.id: r.params for r in pack.rules}
    entities = {e.uscc: e for e in meta.entities}
    chips = {m: pack.attrs[("catalog", m)] for m in meta.catalog}  # the declared attributes

    def controlled(order: Order) -> int:
        return sum(
            line.units
            for line in order.lines
            if line.model in chips and chips[line.model]["controlled"]
        )

    def allocation(order: Order) -> int | None:
        entity = entities.get(order.buyer.uscc)
        standing = entity.batches.get(order.batch) if entity else None
        if standing is None or standing.status != "approved" or order.batch not in meta.batches:
            return None
        return standing.allocation

    used: list[tuple[int, int]] = [(0, 0)] * len(orders)
    buyer_total: dict[tuple[str, str], int] = {}
    batch_total: dict[str, int] = {}
    for i in sorted(range(len(orders)), key=lambda i: (orders[i].date, orders[i].order_id)):
        o = orders[i]
        key = (o.batch, o.buyer.uscc)
        used[i] = (buyer_total.get(key, 0), batch_total.get(o.batch, 0))
        if allocation(o) is not None and held[i]:
            buyer_total[key] = buyer_total.get(key, 0) + controlled(o)
            batch_total[o.batch] = batch_total.get(o.batch, 0) + controlled(o)

    results = []
    for o, (buyer_used, batch_used) in zip(orders, used, strict=True):
        status: dict[str, str] = {}
        status["known-models"] = (
            "pass" if all(line.model in meta.catalog for line in o.lines) else "fail"
        )

        entity = entities.get(o.buyer.uscc)
        standing = entity.batches.get(o.batch) if entity else None
        approved = entity is not None and standing is not None and standing.status == "approved"
        names = {_norm(n) for n in (entity.name, *entity.aliases)} if entity else set()
        status["approved-buyer"] = "pass" if approved and _norm(o.buyer.name) in names else "fail"

        batch = meta.batches.get(o.batch)
        in_window = batch is not None and batch.opens <= o.date <= batch.closes
        status["batch-window"] = "pass" if in_window else "fail"

        alloc = allocation(o)
        if alloc is None or batch is None:
            status["batch-quota"] = "skip"
        else:
            c = controlled(o)
            cap = pack.attrs[("batches", o.batch)]["cap"]
            over = buyer_used + c > alloc or batch_used + c > cap
            status["batch-quota"] = "fail" if over else "pass"

        c = controlled(o)
        domestic = sum(
            line.units
            for line in o.lines
            if line.model in chips and chips[line.model]["origin"] == "domestic"
        )
        if "domestic-ratio" in params:
            ratio = params["domestic-ratio"]["ratio"]
            assert isinstance(ratio, int | float)
            if c == 0:
                status["domestic-ratio"] = "skip"
            elif domestic >= c * ratio:
                status["domestic-ratio"] = "pass"
            else:
                status["domestic-ratio"] = "fail" if enforce_proposed else "warn"

        if "need-justification" in params:
            p = params["need-justification"]
            j = o.justification
            ok = (
                j is not None
                and len((j.purpose or "").strip()) >= int(p["min_purpose_chars"])
                and len((j.site or "").strip()) > 0
                and j.needed_by is not None
                and o.date <= j.needed_by <= o.date + dt.timedelta(int(p["max_lead_days"]))
                and j.utilization is not None
                and j.utilization >= float(p["min_utilization"])
            )
            status["need-justification"] = "pass" if ok else "fail"
        results.append({r.rule.id: status[r.rule.id] for r in pack.rules if r.rule.id in status})
    return results
