"""A number is exact or refused, never rounded: in orders, waivers and conditions, through
the real CLI (the pack's own cases are in tests/pack/test_rule_pack_errors.py)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.core import numbers
from tests.conftest import order_text, write
from tests.judge.test_waivers import LOW, waiver, waivers_file


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("0.80000000000000000001", "cannot be held exactly (it would be rounded to 0.8)"),
        ("1e-400", "too large or too near 0"),
        ("0." + "9" * 60, "has 60 digits: a number has at most 40"),
    ],
)
def test_an_order_number_that_would_be_rounded_is_an_input_error(
    cli: Any, tmp_path: Path, written: str, words: str
) -> None:
    write(tmp_path, "orders/o.yaml", order_text(("utilization: 0.93", f"utilization: {written}")))
    run = cli("check", "orders", "--format", "json")
    assert run.code == 2
    (error,) = run.order("o.yaml")["errors"]
    assert words in error["message"]
    assert (error["line"], error["column"]) == (16, 16)


def test_a_decimal_at_its_boundary_is_judged_as_written(cli: Any, tmp_path: Path) -> None:
    """need-justification wants utilization of at least 0.8: 0.8 passes, the next
    decimal below that a double holds distinctly fails."""
    write(tmp_path, "orders/at.yaml", order_text(("utilization: 0.93", "utilization: 0.8")))
    below = order_text(("utilization: 0.93", "utilization: 0.79999999999999"), ("T-1", "T-2"))
    write(tmp_path, "orders/below.yaml", below)
    run = cli("check", "orders", "--format", "json")
    assert run.status("at.yaml", "need-justification") == "pass"
    assert run.status("below.yaml", "need-justification") == "fail"


def test_a_waiver_condition_that_would_round_is_a_load_error(cli: Any, tmp_path: Path) -> None:
    """`controlled_units * 0 >= 1e-400` read as `>= 0` would waive every order."""
    write(tmp_path, "orders/low.yaml", order_text(LOW))
    when = waiver(orders=None, when='"controlled_units * 0 >= 1e-400"')
    path = waivers_file(tmp_path, when)
    run = cli("check", "orders", "--waivers", path)
    assert run.code == 2
    assert "waivers.yaml:" in run.err and "1e-400 is too large or too near 0" in run.err
    assert "nothing was checked" in run.err


def test_a_deeply_nested_waiver_condition_is_a_load_error(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "orders/low.yaml", order_text(LOW))
    when = '"' + "(" * 400 + "controlled_units > 0" + ")" * 400 + '"'
    path = waivers_file(tmp_path, waiver(orders=None, when=when))
    run = cli("check", "orders", "--waivers", path)
    assert run.code == 2
    assert "nested more than 32 deep" in run.err


@given(
    st.text("0123456789", min_size=1, max_size=45),
    st.integers(0, 45),
    st.one_of(st.none(), st.integers(-330, 330)),
)
def test_a_decimal_is_held_exactly_or_refused(
    digits: str, point: int, exponent: int | None
) -> None:
    """Property: whatever is written, the number kept is exactly the decimal written
    (by its shortest repr, as chipcheck reads a double), or it is refused."""
    text = f"{digits[:point]}.{digits[point:]}" if point < len(digits) else digits + ".0"
    if exponent is not None:
        text += f"e{exponent}"
    try:
        held = numbers.decimal(text)
    except numbers.InexactNumber:
        return
    assert Fraction(repr(held)) == Fraction(text)
