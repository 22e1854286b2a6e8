"""Self-contained HTML pages: the ledger view and the check report.

One file each, with its styles, scripts and data inline, loading nothing from the
network (a Content-Security-Policy says so to the browser too). Every table, total and
message is in the markup, escaped here (hidden characters shown as escapes, so no
order can spoof the text), so a page reads, prints and archives without script.
Where script runs, charts are drawn over it by Chart.js (MIT, vendored in
checker/vendor, inlined) from the data in a JSON script element with `<` escaped, and
a click on a table header sorts it.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from checker.core.escaping import for_display, unicode_safe_data
from checker.core.results import waiver_terms

CHART_JS = Path(__file__).parent.parent / "vendor" / "chart.umd.min.js"

_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)

_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem;
  padding: 0 1rem; color: #1d2733; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #d5dbe3; }
h3 { font-size: 1rem; margin: 1.6rem 0 .3rem; }
.meta, .note { color: #5b6776; }
.chart { position: relative; height: 260px; margin: .5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e6eaf0;
  vertical-align: top; }
th { cursor: pointer; user-select: none; background: #f4f6f9; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.id { white-space: nowrap; }
td.lines { white-space: pre-line; }
.fail, .error, .over { color: #b3261e; font-weight: 600; }
.warn { color: #8a5a00; }
.pass { color: #1e6b34; }
.waived { color: #1a5f7a; }
.skip { color: #6b7480; }
"""

# Sortable tables: a click on a header sorts by that column (numbers as numbers).
_SORT = """
function sortable(table) {
  const heads = table.querySelectorAll("th");
  heads.forEach((th, col) => th.addEventListener("click", () => {
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    heads.forEach(h => h.removeAttribute("aria-sort"));
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const value = r => r.cells[col].dataset.sort ?? r.cells[col].textContent;
    rows.sort((a, b) => {
      const x = value(a), y = value(b);
      const nx = Number(x), ny = Number(y);
      const c = (x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return ascending ? c : -c;
    });
    rows.forEach(r => body.appendChild(r));
  }));
}
document.querySelectorAll("table").forEach(sortable);
const DATA = JSON.parse(document.getElementById("data").textContent);
const fmt = n => (n === null || n === undefined) ? "-" : Number(n).toLocaleString("en-US");
"""

_LEDGER = """
const DAY = 86400000;
document.querySelectorAll("div.chart[data-ledger]").forEach(box => {
  const ledger = DATA.ledgers[Number(box.dataset.ledger)];
  const account = ledger.accounts[Number(box.dataset.account)];
  const counted = account.orders.filter(o => o.counted);
  box.hidden = false;
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", box.dataset.label);
  canvas.dataset.ledger = ledger.name;
  box.appendChild(canvas);
  const x = o => Date.parse(o.date + "T00:00:00Z");
  // The axis spans the orders' dates and a day either side, in whole days: one order
  // gets a three-day axis, not years of repeated ticks; each step line runs from 0 at
  // its start to its last total at its end, so one order still draws both lines.
  const xs = counted.map(x);
  const low = Math.min(...xs) - DAY, high = Math.max(...xs) + DAY;
  const step = DAY * Math.max(1, Math.ceil((high - low) / DAY / 8));
  const line = total => {
    const points = counted.map(o => ({x: x(o), y: total(o), order: o}));
    return [{x: low, y: 0}, ...points, {x: high, y: points[points.length - 1].y}];
  };
  const used = line(o => o.used_total);
  const both = line(o => o.used_total + o.reserved_total);
  const failing = counted.filter(o => o.failing)
    .map(o => ({x: x(o), y: o.used_total + o.reserved_total, order: o}));
  const datasets = [
    {label: "used", data: used, stepped: true, fill: "origin", borderColor: "#1f5fa8",
     backgroundColor: "rgba(31,95,168,.35)", pointRadius: 2},
    {label: "used + reserved", data: both, stepped: true, fill: "-1",
     borderColor: "#7fa7d6", backgroundColor: "rgba(127,167,214,.25)", borderDash: [4, 3],
     pointRadius: 2},
    {label: "failed by a rule on this total", data: failing, type: "scatter",
     pointStyle: "crossRot", pointRadius: 7, borderWidth: 2, borderColor: "#b3261e",
     backgroundColor: "#b3261e"},
  ];
  if (account.limit !== null) {
    datasets.push({label: "limit", data: [{x: low, y: account.limit},
      {x: high, y: account.limit}], borderColor: "#b3261e",
      borderDash: [8, 4], pointRadius: 0, fill: false});
  }
  new Chart(canvas, {
    type: "line",
    data: {datasets},
    options: {
      animation: false, maintainAspectRatio: false, parsing: true,
      scales: {
        x: {type: "linear", min: low, max: high, ticks: {stepSize: step,
            callback: v => new Date(v).toISOString().slice(0, 10)}},
        y: {beginAtZero: true, ticks: {callback: v => fmt(v)}},
      },
      plugins: {tooltip: {callbacks: {label: c => {
        const o = c.raw.order;
        return o ? o.order_id + " (" + o.status + ", " + o.verdict + "): " + fmt(c.raw.y)
          : c.dataset.label + " " + fmt(c.raw.y);
      }}}},
    },
  });
});
"""

_CHECK = """
const statuses = ["pass", "warn", "fail", "skip", "waived"];
const colours = {pass: "#2e8b57", warn: "#d99a00", fail: "#b3261e", skip: "#9aa3ad",
                 waived: "#1a7fa3"};
const box = document.getElementById("rules-chart");
box.hidden = false;
box.style.height = (80 + 22 * DATA.rules.length) + "px";
const canvas = document.createElement("canvas");
canvas.setAttribute("role", "img");
canvas.setAttribute("aria-label", "results per rule");
box.appendChild(canvas);
new Chart(canvas, {
  type: "bar",
  data: {labels: DATA.rules, datasets: statuses.map(s => ({label: s,
    backgroundColor: colours[s], data: DATA.counts.map(c => c[s])}))},
  options: {animation: false, maintainAspectRatio: false, indexAxis: "y",
    scales: {x: {stacked: true}, y: {stacked: true, ticks: {autoSkip: false}}}},
});
"""


@functools.cache
def _chart_js() -> str:
    return CHART_JS.read_text(encoding="utf-8")


def _json_for_script(data: Any) -> str:
    """JSON that cannot end its script element: `<`, `>` and `&` written as escapes."""
    text = json.dumps(unicode_safe_data(data), ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _t(value: object) -> str:
    """Text for the page: hidden and format characters as visible escapes (no bidi
    spoofing), then HTML-escaped."""
    return html.escape(for_display(str(value)))


def _n(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


class Stamp(NamedTuple):
    """What a page says of its making: which chipcheck, when, judging as of which day."""

    version: str
    made: str  # UTC, to the second; SOURCE_DATE_EPOCH, where set, for reproducible pages
    as_of: str

    @classmethod
    def now(cls, as_of: str) -> Stamp:
        from checker import __version__

        return cls(__version__, utc_now().strftime("%Y-%m-%d %H:%M:%S UTC"), as_of)


def utc_now() -> dt.datetime:
    """Now, in UTC; SOURCE_DATE_EPOCH, where set, instead (reproducible reports)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return (
        dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        if epoch.isdigit()
        else dt.datetime.now(dt.UTC)
    )


def _page(title: str, meta: list[str], stamp: Stamp, body: str, data: Any, script: str) -> str:
    made = (
        f"made by chipcheck {_t(stamp.version)} on {_t(stamp.made)}, judging as of "
        f"{_t(stamp.as_of)}"
    )
    lines = "".join(f'<p class="meta">{_t(line)}</p>\n' for line in meta)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
{lines}<p class="meta made">{made}</p>
<div id="content">
{body}</div>
<script type="application/json" id="data">{_json_for_script(data)}</script>
<script>{_chart_js()}</script>
<script>{_SORT}{script}</script>
</body>
</html>
"""


def _table(columns: list[str], rows: Sequence[Sequence[tuple[str, str, object]]]) -> str:
    """A table of (text, class, sort key) cells; the text is escaped here."""
    head = "".join(f"<th>{_t(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for text, cls, key in row:
            attrs = f' class="{cls}"' if cls else ""
            if key is not None:
                attrs += f' data-sort="{_t(key)}"'
            cells.append(f"<td{attrs}>{_t(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>\n"
    )


def _pack_line(pack: dict[str, str]) -> str:
    return f"rule pack {pack['name']} {pack['version']}, sha256 {pack['sha256']}"


def ledger_page(data: dict[str, Any], stamp: Stamp) -> str:
    """The ledger view (checker.report.ledger.data) as a page: every table and total
    in the markup; the charts drawn over it where script runs."""
    summary = data["summary"]
    meta = f"{_pack_line(data['rulepack'])}; {summary['orders']} orders"
    if summary["errors"]:
        meta += f", {summary['errors']} in error"
    body = []
    for li, ledger in enumerate(data["ledgers"]):
        body.append(f"<h2>Ledger {_t(ledger['name'])}</h2>")
        rules = ", ".join(ledger["rules"]) or "none"
        note = f"{ledger['description']} ({ledger['limits']}); rules on it: {rules}"
        body.append(f'<p class="note">{_t(note)}</p>')
        for ai, account in enumerate(ledger["accounts"]):
            name = account["name"]
            over = account["first_over"]
            first = f"; first over the limit: {over['order_id']} ({over['file']})" if over else ""
            totals = (
                f"limit {_n(account['limit'])}, used {_n(account['used'])}, reserved "
                f"{_n(account['reserved'])}, remaining {_n(account['remaining'])}{first}"
            )
            body.append(f"<h3>{_t(name)}</h3>")
            body.append(f'<p class="{"over" if over else "meta"}">{_t(totals)}</p>')
            if any(o["counted"] for o in account["orders"]):
                label = _t(f"cumulative units of {name} against the limit")
                body.append(
                    f'<div class="chart" hidden data-ledger="{li}" data-account="{ai}" '
                    f'data-label="{label}"></div>'
                )
            else:
                body.append('<p class="note">no order counts toward this total</p>')
            body.append(
                _table(
                    [
                        "date",
                        "order",
                        "file",
                        "status",
                        "verdict",
                        "amount",
                        "used",
                        "reserved",
                        "remaining",
                    ],
                    [_ledger_row(o) for o in account["orders"]],
                )
            )
    if data["errors"]:
        body.append("<h2>Orders in error (in no ledger)</h2>")
        rows = [[(e["file"], "", None), ("; ".join(e["messages"]), "error", None)]
                for e in data["errors"]]  # fmt: skip
        body.append(_table(["file", "problems"], rows))
    return _page("chipcheck ledgers", [meta], stamp, "\n".join(body) + "\n", data, _LEDGER)


def _ledger_row(o: dict[str, Any]) -> list[tuple[str, str, object]]:
    amount = _n(o["amount"]) + ("" if o["counted"] else " (not counted)")
    verdict = o["verdict"] + (" (over)" if o["over"] else "")
    return [
        (o["date"], "id", None),
        (o["order_id"], "id", None),
        (o["file"], "", None),
        (o["status"] or "-", "", None),
        (verdict, "over" if o["over"] else o["verdict"], None),
        (amount, "num", o["amount"]),
        (_n(o["used_total"]), "num", o["used_total"]),
        (_n(o["reserved_total"]), "num", o["reserved_total"]),
        (
            _n(o["remaining_after"]),
            "num",
            "" if o["remaining_after"] is None else o["remaining_after"],
        ),
    ]


STATUSES = ("pass", "warn", "fail", "skip", "waived")


def check_page(data: dict[str, Any], stamp: Stamp) -> str:
    """A check report (the JSON report's data, plus the rule ids) as a page: the counts
    per rule and every order's failing, warning and waived results in the markup (a
    waived one with its waiver's terms); the chart drawn over it where script runs."""
    s = data["summary"]
    meta = (
        f"{_pack_line(data['rulepack'])}; {s['orders']} orders: {s['pass']} pass, "
        f"{s['fail']} fail, {s['error']} error"
        + (f", {s['waived']} results waived" if "waived" in s else "")
    )
    counts = {rule: dict.fromkeys(STATUSES, 0) for rule in data["rules"]}
    for order in data["orders"]:
        for r in order["results"]:
            if r["rule"] in counts:
                counts[r["rule"]][r["status"]] += 1
    per_rule = _table(
        ["rule", *STATUSES],
        [[(rule, "id", None), *((str(c[st]), "num", c[st]) for st in STATUSES)]
         for rule, c in counts.items()],
    )  # fmt: skip
    orders = _table(
        ["file", "order", "verdict", "failing, warning and waived results"],
        [
            [
                (o["file"], "", None),
                (o["order_id"] or "-", "id", None),
                (o["verdict"], o["verdict"], None),
                ("\n".join(_results(o)), "lines", None),
            ]
            for o in data["orders"]
        ],
    )
    body = (
        '<h2>Results per rule</h2>\n<div class="chart" hidden id="rules-chart"></div>\n'
        f"{per_rule}<h2>Orders</h2>\n{orders}"
    )
    chart = {"rules": data["rules"], "counts": list(counts.values())}
    return _page("chipcheck report", [meta], stamp, body, chart, _CHECK)


def _results(order: dict[str, Any]) -> list[str]:
    if order["errors"]:
        return [
            (f"line {e['line']}: " if e["line"] else "") + e["message"] for e in order["errors"]
        ]
    lines = []
    for r in order["results"]:
        if r["status"] in ("pass", "skip") and "waiver" not in r:
            continue
        line = f"{r['status']} {r['rule']}: {r['message']}"
        waiver = r.get("waiver")
        if waiver is not None:
            state = "applied" if waiver["applied"] else "not in force"
            line += (
                f" [waiver {waiver['id']}, {state}: {waiver_terms(waiver)}, expires "
                f"{waiver['expires']}: {waiver['reason']}]"
            )
        lines.append(line)
    return lines
