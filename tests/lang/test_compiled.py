"""Comparisons the engine is given decided (checker.lang.evaluate.compiled_comparison)
exactly: the same outcome as computing with Python's Fraction from the decimals as
written, for any numbers."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import example, given

from checker.authoring.strategies import arithmetic_comparisons
from checker.lang import tree
from checker.lang.evaluate import compiled_comparison, holds

_ORACLE = {
    "<": Fraction.__lt__,
    "<=": Fraction.__le__,
    ">": Fraction.__gt__,
    ">=": Fraction.__ge__,
    "==": Fraction.__eq__,
    "!=": Fraction.__ne__,
}


def _exact(operand: tree.Operand, facts: dict[str, Any]) -> Fraction:
    if isinstance(operand, tree.Arith):
        left, right = _exact(operand.left, facts), _exact(operand.right, facts)
        return {"+": left + right, "-": left - right, "*": left * right}[operand.op]
    value = operand.value if isinstance(operand, tree.Const) else facts[operand.name]
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


N = tree.Fact("n", None, int)
D = tree.Fact("d", None, float)


@given(arithmetic_comparisons())
@example((tree.Comparison(D, "==", tree.Const(0.3, None, float)), {"n": 0, "d": 0.3}))
@example(  # 0.1 + 0.2 is 0.30000000000000004 in doubles: the decimals are exactly 0.3
    (
        tree.Comparison(
            tree.Arith("+", D, tree.Const(0.2, None, float), None, float),
            "==",
            tree.Const(0.3, None, float),
        ),
        {"n": 0, "d": 0.1},
    )
)
@example(  # 7,999.6 needs 8,000 units, not the double nearest 19,999 * 0.4
    (tree.Comparison(N, ">=", tree.Arith("*", tree.Const(19_999, None, int), D, None, float)),
     {"n": 7_999, "d": 0.4})
)  # fmt: skip
def test_a_compiled_comparison_is_exact(case: tuple[tree.Comparison, dict[str, Any]]) -> None:
    comparison, facts = case
    compiled = compiled_comparison(comparison)
    assert compiled is not None
    expected = _ORACLE[comparison.op](
        _exact(comparison.left, facts), _exact(comparison.right, facts)
    )
    assert compiled(facts) is expected
    assert holds(comparison, facts) is expected


def test_other_comparisons_are_not_compiled() -> None:
    text = tree.Fact("batch", None, str)
    for comparison in (
        tree.Comparison(text, "==", tree.Const("B1", None, str)),
        tree.Comparison(text, "~=", tree.Const("b1", None, str)),
        tree.Comparison(tree.Arith("/", N, tree.Const(3, None, int), None, float), "<", N),
        tree.Comparison(tree.Arith("%", N, tree.Const(3, None, int), None, int), "<", N),
        tree.Comparison(tree.Fact("flag", None, bool), "==", tree.Const(True, None, bool)),
    ):
        assert compiled_comparison(comparison) is None, comparison
