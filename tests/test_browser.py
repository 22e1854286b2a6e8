"""The HTML pages in a real browser: Debian's headless Chromium, driven by Playwright,
opens each page from disk. The charts must be drawn (a Chart.js chart on every canvas,
with a size and painted pixels), nothing may be fetched, nothing logged as an error,
and a screenshot is saved beside the page. .ci/run installs Chromium when missing."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

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


def _missing(what: str) -> None:
    """In CI a missing browser fails the run; on a developer's machine it skips."""
    if os.environ.get("CI"):
        pytest.fail(what)
    pytest.skip(what)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is missing: pip install -e '.[dev]'")
    if not Path(CHROMIUM).is_file():
        _missing("Chromium is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def open_page(browser: Any, path: Path) -> tuple[Any, list[str]]:
    """The page loaded from disk, and every error it logged or request it made."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
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
    assert page.locator("tbody tr").count() == 10
    page.close()
