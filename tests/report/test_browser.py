"""The HTML pages in a real browser: Debian's headless Chromium, driven by Playwright,
opens each page from disk. The charts must be drawn (a Chart.js chart on every canvas,
with a size and painted pixels), nothing may be fetched, nothing logged as an error,
and a screenshot is saved beside the page. .ci/run installs Chromium when missing."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, missing_tool

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_tool("playwright is missing: pip install -e '.[dev]'")
    if not Path(CHROMIUM).is_file():
        missing_tool("Chromium is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def open_page(browser: Any, path: Path, *, script: bool = True) -> tuple[Any, list[str]]:
    """The page loaded from disk (with JavaScript on or off), and every error it logged
    or request it made."""
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, java_script_enabled=script
    )
    page = context.new_page()
    problems: list[str] = []

    def console(message: Any) -> None:
        if message.type in ("error", "warning"):
            problems.append(f"console {message.type}: {message.text}")

    def request(made: Any) -> None:
        if not made.url.startswith("file://"):
            problems.append(f"fetched {made.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda failed: problems.append(f"request failed: {failed.url}"))
    page.on("request", request)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, problems


DRAWN = """() => Array.from(document.querySelectorAll("canvas")).map(c => {
  const box = c.getBoundingClientRect();
  const pixels = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return {chart: Chart.getChart(c) !== undefined, width: box.width, height: box.height, painted};
})"""


def test_the_ledger_page_draws_a_chart_per_total(cli: Any, tmp_path: Path, browser: Any) -> None:
    page_file = tmp_path / "ledger.html"
    run = cli("ledger", REPO / "examples" / "orders", "--format", "html", "--output", page_file)
    assert run.code == 1, run.err  # a total is past its limit in the examples
    data = json.loads(cli("ledger", REPO / "examples" / "orders", "--format", "json").out)
    charted = sum(
        any(o["counted"] for o in a["orders"]) for v in data["ledgers"] for a in v["accounts"]
    )
    page, problems = open_page(browser, page_file)
    canvases = page.evaluate(DRAWN)
    page.screenshot(path=str(tmp_path / "ledger.png"), full_page=True)
    assert problems == []
    assert len(canvases) == charted > 0
    for canvas in canvases:
        assert canvas["chart"] and canvas["width"] > 300 and canvas["height"] > 100, canvas
        assert canvas["painted"] > 1000, canvas
    assert "sha256 " + data["rulepack"]["sha256"] in page.inner_text("p.meta")
    assert (tmp_path / "ledger.png").stat().st_size > 10_000

    # A click on a header sorts the table by that column.
    table = page.locator("table").first
    table.locator("th", has_text="amount").click()
    table.locator("th", has_text="amount").click()  # descending
    amounts = [
        int(c.replace(",", "")) for c in table.locator("td.num:nth-child(6)").all_inner_texts()
    ]
    assert amounts == sorted(amounts, reverse=True)
    page.close()


def test_the_check_report_page_draws_its_chart(cli: Any, tmp_path: Path, browser: Any) -> None:
    page_file = tmp_path / "report.html"
    hostile = tmp_path / "orders"
    shutil.copytree(REPO / "examples" / "orders", hostile)
    # An order's text reaches the page as text only: no markup, no script.
    bad = (
        (hostile / "tencent-2026-0012.yaml")
        .read_text()
        .replace("site: ", "site: </script><script>window.pwned=1</script><b>x</b> ", 1)
    )
    (hostile / "tencent-2026-0012.yaml").write_text(bad)
    cli("check", hostile, "--format", "html", "--output", page_file)
    page, problems = open_page(browser, page_file)
    canvases = page.evaluate(DRAWN)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert problems == []
    assert len(canvases) == 1 and canvases[0]["chart"] and canvases[0]["painted"] > 1000
    assert page.evaluate("() => window.pwned") is None
    assert page.locator("b").count() == 0
    assert page.locator("table").nth(1).locator("tbody tr").count() == 11
    page.close()


def test_the_pages_stand_alone_without_javascript(cli: Any, tmp_path: Path, browser: Any) -> None:
    """Printed, archived or mailed, a page must still say everything: every table and
    total is in the markup, with when it was made, as of which date, by which pack, and
    each waiver's terms; an order's bidi override shows as an escape, not reversed."""
    orders = tmp_path / "orders"
    shutil.copytree(REPO / "examples" / "orders", orders)
    spoofed = orders / "tencent-2026-0012.yaml"
    text = spoofed.read_text(encoding="utf-8")
    assert "  name: 深圳市腾讯计算机系统有限公司" in text
    spoofed.write_text(
        text.replace("  name: 深圳市腾讯计算机系统有限公司", '  name: "Evil \\u202eabc"')
    )
    report, ledger = tmp_path / "report.html", tmp_path / "ledger.html"
    waivers = REPO / "examples" / "waivers.yaml"
    cli("check", orders, "--waivers", waivers, "--as-of", "2026-12-01", "--format", "html",
        "--output", report)  # fmt: skip
    cli("ledger", orders, "--format", "html", "--output", ledger)
    for path in (report, ledger):
        page, problems = open_page(browser, path, script=False)
        page.screenshot(path=str(path.with_suffix(".noscript.png")), full_page=True)
        assert problems == []
        assert page.locator("canvas").count() == 0
        made = page.inner_text("p.made")
        assert made.startswith("made by chipcheck ") and " UTC, judging as of " in made
        assert "rule pack cn-h200-2026" in page.inner_text("body")
        assert "\u202e" not in page.inner_text("body")
        page.close()
    page, _ = open_page(browser, report, script=False)
    text = page.inner_text("body")
    assert "judging as of 2026-12-01" in text
    assert "buyer Evil \\u202eabc (91440300708461136T) may not order" in text
    assert page.locator("table").nth(1).locator("tbody tr").count() == 11
    assert "waiver W-2026-001, applied: ref " in text
    page.close()
    page, _ = open_page(browser, ledger, script=False)
    assert page.locator("table").count() >= 3
    assert "limit 400,000, used" in page.inner_text("body")
    page.close()
