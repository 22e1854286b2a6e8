"""A result's words are built only when a report reads them, once per distinct input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checker.cli.main import main
from checker.core.results import Words
from checker.judge.checking import Checker
from checker.lang.templates import Template
from checker.pack.rulepack import RulePack, load_pack
from checker.source.documents import read_document
from tests.conftest import PACK, REPO

ORDERS = REPO / "examples" / "orders"


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The text of every template rendered while the test runs."""
    texts: list[str] = []
    render = Template.render

    def counting(self: Template, *args: Any, **kwargs: Any) -> str:
        texts.append(self.text)
        return render(self, *args, **kwargs)

    monkeypatch.setattr(Template, "render", counting)
    yield texts


def _pass_texts() -> set[str]:
    pack = load_pack(PACK)
    assert isinstance(pack, RulePack)
    passes = {r.pass_message.text for r in pack.rules}
    others = {r.message.text for r in pack.rules} | {
        c.message.text for r in pack.rules for c in r.checks
    }
    assert passes and not passes & others  # so a rendered text tells which it was
    return passes


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_formats_that_do_not_show_passing_results_never_word_them(
    fmt: str, tmp_path: Path, rendered: list[str]
) -> None:
    passes = _pass_texts()
    assert main(["check", "--format", fmt, "--output", str(tmp_path / "out"), str(ORDERS)]) == 1
    assert rendered  # failing results were worded
    assert not passes & set(rendered)


def test_the_quiet_text_report_never_words_passing_results(
    tmp_path: Path, rendered: list[str]
) -> None:
    passes = _pass_texts()
    assert main(["check", "--quiet", "--output", str(tmp_path / "out"), str(ORDERS)]) == 1
    assert not passes & set(rendered)


def test_a_report_that_shows_passing_results_words_equal_inputs_once(
    tmp_path: Path, rendered: list[str]
) -> None:
    """Ten copies of one order (each its own id): one wording serves them all, except
    where a message reads what differs between them (the quota used before each)."""
    passes = _pass_texts()
    text = (ORDERS / "tencent-2026-0012.yaml").read_text(encoding="utf-8")
    for i in range(10):
        copy = text.replace("order_id: TC-2026-0012", f"order_id: TC-COPY-{i}")
        assert copy != text
        (tmp_path / f"copy-{i}.yaml").write_text(copy, encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["check", "--format", "json", "--output", str(out), str(tmp_path)]) == 0
    worded = [t for t in rendered if t in passes]
    results = out.read_text(encoding="utf-8").count('"status": "pass"')
    assert results >= 10 * len(passes) // 2
    assert 0 < len(worded) < results // 4


def test_equal_inputs_share_one_words(rendered: list[str]) -> None:
    pack = load_pack(PACK)
    assert isinstance(pack, RulePack)
    document = dict(read_document(ORDERS / "tencent-2026-0012.yaml").data)
    first, second = Checker(pack).evaluate_documents(
        [document, {**document, "order_id": "other-id"}]
    )
    assert isinstance(first, tuple) and isinstance(second, tuple)
    assert rendered == []  # nothing read the words yet
    pairs = [(a.words, b.words) for a, b in zip(first, second, strict=True)]
    shared = [a for a, b in pairs if a is b]
    assert shared, "no result of two orders differing only in order_id shares its words"
    assert all(isinstance(w, Words) and not w.worded for w in shared)
    words = shared[0]
    assert str(words) == str(words)  # read twice, by two results
    assert len(rendered) == 1 and words.worded
