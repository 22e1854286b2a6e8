"""Self-contained HTML pages: the ledger view and the check report.

One file each, with its styles, scripts and data inline, loading nothing from the
network (a Content-Security-Policy says so to the browser too). Charts are drawn by
Chart.js (MIT, vendored in checker/vendor, inlined); the data goes in as JSON in a
script element with `<` escaped, and the page's script writes every value from it as
text (`textContent`), never as markup, so no order can inject HTML or script.
"""

from __future__ import annotations

import functools
import html
import json
from pathlib import Path
from typing import Any

from checker.escaping import unicode_safe_data

CHART_JS = Path(__file__).with_name("vendor") / "chart.umd.min.js"

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
function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}
function table(columns, rows) {
  const t = el("table"), head = t.createTHead().insertRow(), body = t.createTBody();
  columns.forEach(c => head.appendChild(el("th", c)));
  rows.forEach(cells => {
    const tr = body.insertRow();
    cells.forEach(cell => {
      const td = el("td", cell.text, cell.cls);
      if (cell.sort !== undefined) td.dataset.sort = String(cell.sort);
      tr.appendChild(td);
    });
  });
  sortable(t);
  return t;
}
const DATA = JSON.parse(document.getElementById("data").textContent);
const fmt = n => (n === null || n === undefined) ? "-" : Number(n).toLocaleString("en-US");
"""

_LEDGER = """
const DAY = 86400000;
const root = document.getElementById("content");
DATA.ledgers.forEach((ledger, li) => {
  root.appendChild(el("h2", "Ledger " + ledger.name));
  root.appendChild(el("p", ledger.description + (ledger.limit ? " (limit: " + ledger.limit + ")"
    : " (no limit)"), "note"));
  ledger.accounts.forEach((account, ai) => {
    const name = Object.entries(account.key).map(([k, v]) => k + " " + v).join(", ") || "all";
    root.appendChild(el("h3", name));
    const over = account.first_over;
    root.appendChild(el("p", "limit " + fmt(account.limit) + ", used " + fmt(account.used)
      + ", reserved " + fmt(account.reserved) + ", remaining " + fmt(account.remaining)
      + (over ? "; first over the limit: " + over.order_id + " (" + over.file + ")" : ""),
      over ? "over" : "meta"));
    const counted = account.orders.filter(o => o.counted);
    if (!counted.length) {
      root.appendChild(el("p", "no order counts toward this total", "note"));
    } else {
    const box = el("div", null, "chart");
    const canvas = el("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", "cumulative units of " + name + " against the limit");
    canvas.dataset.ledger = ledger.name;
    box.appendChild(canvas);
    root.appendChild(box);
    const x = o => Date.parse(o.date + "T00:00:00Z");
    const used = counted.map(o => ({x: x(o), y: o.used_total, order: o}));
    const both = counted.map(o => ({x: x(o), y: o.used_total + o.reserved_total, order: o}));
    const failing = counted.filter(o => o.verdict !== "pass")
      .map(o => ({x: x(o), y: o.used_total + o.reserved_total, order: o}));
    const datasets = [
      {label: "used", data: used, stepped: true, fill: "origin", borderColor: "#1f5fa8",
       backgroundColor: "rgba(31,95,168,.35)", pointRadius: 2},
      {label: "used + reserved", data: both, stepped: true, fill: "-1",
       borderColor: "#7fa7d6", backgroundColor: "rgba(127,167,214,.25)", borderDash: [4, 3],
       pointRadius: 2},
      {label: "failing order", data: failing, type: "scatter", pointStyle: "crossRot",
       pointRadius: 7, borderWidth: 2, borderColor: "#b3261e", backgroundColor: "#b3261e"},
    ];
    if (account.limit !== null) {
      const xs = counted.map(x);
      datasets.push({label: "limit", data: [{x: Math.min(...xs) - DAY, y: account.limit},
        {x: Math.max(...xs) + DAY, y: account.limit}], borderColor: "#b3261e",
        borderDash: [8, 4], pointRadius: 0, fill: false});
    }
    new Chart(canvas, {
      type: "line",
      data: {datasets},
      options: {
        animation: false, maintainAspectRatio: false, parsing: true,
        scales: {
          x: {type: "linear", ticks: {callback: v => new Date(v).toISOString().slice(0, 10),
              maxTicksLimit: 8}},
          y: {beginAtZero: true, ticks: {callback: v => fmt(v)}},
        },
        plugins: {tooltip: {callbacks: {label: c => {
          const o = c.raw.order;
          return o ? o.order_id + " (" + o.status + ", " + o.verdict + "): " + fmt(c.raw.y)
            : "limit " + fmt(c.raw.y);
        }}}},
      },
    });
    }
    root.appendChild(table(
      ["date", "order", "file", "status", "verdict", "amount", "used", "reserved", "remaining"],
      account.orders.map(o => [
        {text: o.date}, {text: o.order_id, cls: "id"}, {text: o.file}, {text: o.status ?? "-"},
        {text: o.over ? o.verdict + " (over)" : o.verdict, cls: o.over ? "over" : o.verdict},
        {text: o.counted ? fmt(o.amount) : fmt(o.amount) + " (not counted)", sort: o.amount,
         cls: "num"},
        {text: fmt(o.used_total), sort: o.used_total, cls: "num"},
        {text: fmt(o.reserved_total), sort: o.reserved_total, cls: "num"},
        {text: fmt(o.remaining_after), sort: o.remaining_after ?? "", cls: "num"},
      ])));
  });
});
if (DATA.errors.length) {
  root.appendChild(el("h2", "Orders in error (in no ledger)"));
  root.appendChild(table(["file", "problems"], DATA.errors.map(e => [
    {text: e.file}, {text: e.messages.join("; "), cls: "error"}])));
}
"""

_CHECK = """
const root = document.getElementById("content");
const rules = DATA.rules;
const statuses = ["pass", "warn", "fail", "skip", "waived"];
const colours = {pass: "#2e8b57", warn: "#d99a00", fail: "#b3261e", skip: "#9aa3ad",
                 waived: "#1a7fa3"};
root.appendChild(el("h2", "Results per rule"));
const box = el("div", null, "chart");
box.style.height = (80 + 22 * rules.length) + "px";
const canvas = el("canvas");
canvas.setAttribute("role", "img");
canvas.setAttribute("aria-label", "results per rule");
box.appendChild(canvas);
root.appendChild(box);
const counts = rules.map(rule => Object.fromEntries(statuses.map(s => [s, 0])));
DATA.orders.forEach(o => o.results.forEach(r => {
  const i = rules.indexOf(r.rule);
  if (i >= 0) counts[i][r.status] += 1;
}));
new Chart(canvas, {
  type: "bar",
  data: {labels: rules, datasets: statuses.map(s => ({label: s, backgroundColor: colours[s],
    data: counts.map(c => c[s])}))},
  options: {animation: false, maintainAspectRatio: false, indexAxis: "y",
    scales: {x: {stacked: true}, y: {stacked: true, ticks: {autoSkip: false}}}},
});
root.appendChild(el("h2", "Orders"));
root.appendChild(table(["file", "order", "verdict", "failing and warning rules"],
  DATA.orders.map(o => [
    {text: o.file}, {text: o.order_id ?? "-", cls: "id"}, {text: o.verdict, cls: o.verdict},
    {text: o.errors.length ? o.errors.map(e => (e.line ? "line " + e.line + ": " : "")
      + e.message).join("; ")
      : o.results.filter(r => r.status !== "pass" && r.status !== "skip")
          .map(r => r.status + " " + r.rule + ": " + r.message
            + (r.waiver ? " [waiver " + r.waiver.id + (r.waiver.applied ? "" : ", not in force")
              + "]" : "")).join("\\n"), cls: "lines"},
  ])));
"""


@functools.cache
def _chart_js() -> str:
    return CHART_JS.read_text(encoding="utf-8")


def _json_for_script(data: Any) -> str:
    """JSON that cannot end its script element: `<`, `>` and `&` written as escapes."""
    text = json.dumps(unicode_safe_data(data), ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page(title: str, subtitle: str, data: Any, script: str) -> str:
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
<p class="meta">{html.escape(subtitle)}</p>
<div id="content"></div>
<script type="application/json" id="data">{_json_for_script(data)}</script>
<script>{_chart_js()}</script>
<script>{_SORT}{script}</script>
</body>
</html>
"""


def _pack_line(pack: dict[str, str]) -> str:
    return f"rule pack {pack['name']} {pack['version']}, sha256 {pack['sha256']}"


def ledger_page(data: dict[str, Any]) -> str:
    """The ledger view (checker.ledgerreporting.data) as a page."""
    summary = data["summary"]
    subtitle = f"{_pack_line(data['rulepack'])}; {summary['orders']} orders"
    if summary["errors"]:
        subtitle += f", {summary['errors']} in error"
    return _page("chipcheck ledgers", subtitle, data, _LEDGER)


def check_page(data: dict[str, Any]) -> str:
    """A check report (the JSON report's data, plus the rule ids) as a page."""
    s = data["summary"]
    subtitle = (
        f"{_pack_line(data['rulepack'])}; {s['orders']} orders: {s['pass']} pass, "
        f"{s['fail']} fail, {s['error']} error"
        + (f", {s['waived']} results waived" if "waived" in s else "")
    )
    return _page("chipcheck report", subtitle, data, _CHECK)
