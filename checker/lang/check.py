"""Type-checking a bound condition into the typed tree the engine and the evaluator
read (checker.lang.tree): every operand gets its type, every test its meaning.

A comparison needs two sides of one kind (a text written YYYY-MM-DD compared with a
date is a date, and a real calendar day); `<` and friends need numbers or dates, `~=`
text, `matches` text; arithmetic needs numbers, and `/` and `%` a non-zero number or
parameter as divisor, so no order can divide by zero. Numbers alone are computed here,
once and exactly: a result no number chipcheck holds can be is refused, never rounded.
A test that reads no fact is an error: it would be true or false for every order.
Each error points at the part it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from checker.core import dates
from checker.core.dates import Date
from checker.core.frozen import replace
from checker.lang.bind import bind
from checker.lang.evaluate import evaluate, exact_value
from checker.lang.parse import (
    MAX_DEPTH,
    Both,
    Compare,
    Either,
    Expr,
    In,
    Literal,
    Match,
    Name,
    Negated,
    Op,
    Syntax,
    begins,
    parse,
)
from checker.lang.tree import (
    FOLDED,
    ORDERING,
    AllOf,
    AnyOf,
    Arith,
    Comparison,
    Condition,
    Const,
    ExpressionError,
    Fact,
    Matches,
    Member,
    Not,
    Operand,
    ParamValue,
    Test,
    Value,
    article,
    bare,
    describe,
    height,
    kind,
    names,
    source,
)
from checker.schema.forms import ENGINE_EXACT

Typed = tuple[Operand, type, int]  # an operand, its type and its offset in the text


def condition(
    text: str,
    facts: Mapping[str, type],
    params: Mapping[str, ParamValue],
    used: set[str] | None = None,
) -> Condition:
    """The condition `text` through every stage, parse, bind and check: typed against
    `facts` and `params`; the parameters it names are added to `used`, if given."""
    return check(bind(parse(text), facts, params, used if used is not None else set()))


def check(syntax: Syntax) -> Condition:
    """The typed tree of a bound condition; ExpressionError at the part that is wrong."""
    if isinstance(syntax, Negated):
        return Not(check(syntax.operand), syntax.span)
    if isinstance(syntax, Both | Either):
        parts = tuple(check(p) for p in syntax.parts)
        return AllOf(parts, syntax.span) if isinstance(syntax, Both) else AnyOf(parts, syntax.span)
    if isinstance(syntax, Compare):
        return _depends(_comparison(syntax), syntax.span[0])
    if isinstance(syntax, In):
        return _depends(_member(syntax), syntax.span[0])
    return _depends(_matches(syntax), syntax.span[0])


def _comparison(syntax: Compare) -> Comparison:
    left, left_type, offset = _operand(syntax.left)
    right, right_type, right_offset = _operand(syntax.right)
    op, op_offset = syntax.op, syntax.at
    left_type = _as_date(left, left_type, right_type, offset)
    right_type = _as_date(right, right_type, left_type, right_offset)
    left, right = _typed(left, left_type), _typed(right, right_type)
    if kind(left_type) != kind(right_type):
        raise ExpressionError(
            f"{describe(left)} is {article(left_type)} and cannot be compared with "
            f"{article(right_type)}",
            right_offset,
        )
    if op in FOLDED and kind(left_type) != "text":
        raise ExpressionError(
            f"{op} compares text; {describe(left)} is {article(left_type)}", op_offset
        )
    if op in ORDERING and kind(left_type) not in ("number", "date"):
        raise ExpressionError(
            f"{op} needs numbers or dates; {describe(left)} is {article(left_type)}", op_offset
        )
    return Comparison(left, op, right, syntax.span)


def _member(syntax: In) -> Member:
    item, item_type, _ = _operand(syntax.item)
    values: list[Value] = []
    value_type: type | None = None
    assert not isinstance(syntax.items, Name), "bound"
    for found in syntax.items:
        assert not isinstance(found, Name), "bound"
        value = found.value
        this = type(value)
        if value_type is not None and kind(this) != kind(value_type):
            raise ExpressionError("a list holds values of one kind", begins(found))
        value_type = this
        values.append(value)
    list_type = value_type or str
    if item_type is Date and list_type is str:
        if bad := [v for v in values if dates.calendar_date(str(v)) is None]:
            raise ExpressionError(
                f"{describe(item)} is a date; {bad[0]!r} {_not_a_date(str(bad[0]))}",
                syntax.at,
            )
        list_type = Date
    if values and kind(list_type) != kind(item_type):
        raise ExpressionError(
            f"{describe(item)} is {article(item_type)} and the list holds {kind(list_type)} values",
            syntax.at,
        )
    return Member(item, tuple(values), syntax.negated, syntax.span)


def _matches(syntax: Match) -> Matches:
    item, item_type, offset = _operand(syntax.item)
    if kind(item_type) != "text":
        raise ExpressionError(
            f"matches needs text; {describe(item)} is {article(item_type)}", offset
        )
    return Matches(item, syntax.pattern, syntax.negated, syntax.span)


def _depends(test: Test, offset: int) -> Test:
    if not names(test):
        raise ExpressionError(
            f"`{source(test)}` reads no fact: it is true or false for every order", offset
        )
    return test


def _operand(expr: Expr) -> Typed:
    offset = begins(expr)
    if isinstance(expr, Fact | Const):
        assert expr.type is not None, "bound"
        return expr, expr.type, offset
    if isinstance(expr, Literal):
        return Const(expr.value, expr.span, type(expr.value)), type(expr.value), offset
    assert isinstance(expr, Op), "bound"
    return _arith(expr, _operand(expr.left), _operand(expr.right))


def _arith(syntax: Op, left: Typed, right: Typed) -> Typed:
    op, op_offset = syntax.op, syntax.at
    for operand, operand_type, at in (left, right):
        if kind(operand_type) == "date":
            raise ExpressionError(
                f"{op} needs numbers; {describe(operand)} is a date (days between two "
                "dates are a fact declared in pack.yaml: `days: [from, to]`)",
                at,
            )
        if kind(operand_type) != "number":
            raise ExpressionError(
                f"{op} needs numbers; {describe(operand)} is {article(operand_type)}", at
            )
    if op in ("/", "%"):
        divisor = right[0]
        if not isinstance(divisor, Const):
            raise ExpressionError(
                f"the divisor of {op} must be a parameter or a number, so no order can "
                "divide by zero",
                right[2],
            )
        if divisor.value == 0:
            raise ExpressionError(f"{op} by zero", right[2])
        if op == "%" and (left[1] is not int or right[1] is not int):
            raise ExpressionError("% needs whole numbers on both sides", op_offset)
    both_int = left[1] is int and right[1] is int
    result_type: type = int if both_int and op != "/" else float  # a quotient: decimals
    node = Arith(op, left[0], right[0], syntax.span, result_type)
    if height(node) > MAX_DEPTH:
        raise ExpressionError(
            f"more than {MAX_DEPTH} operators in a row: split the sum into facts or checks",
            op_offset,
        )
    if isinstance(left[0], Const) and isinstance(right[0], Const):
        return _folded(node, left[2])
    return node, result_type, left[2]


def _folded(node: Arith, offset: int) -> Typed:
    """Arithmetic on numbers alone, done once, exactly: a value no number chipcheck
    holds can be (`1 / 3`, past 2^53) is refused, never rounded."""
    exact = exact_value(node, {})
    if not -ENGINE_EXACT <= exact <= ENGINE_EXACT:
        raise ExpressionError(
            f"`{bare(node)}` is past {ENGINE_EXACT:,} (2^53), the largest number "
            "the engine computes exactly",
            offset,
        )
    folded = evaluate(node, {})
    if Fraction(repr(folded) if isinstance(folded, float) else folded) != exact:
        raise ExpressionError(
            f"`{bare(node)}` is not a decimal chipcheck holds exactly, and a number is "
            "never rounded: multiply the other side instead",
            offset,
        )
    return Const(folded, node.span, type(folded)), type(folded), offset


def _typed(operand: Operand, found: type) -> Operand:
    """The operand with the type its test settled on (a text literal may be a date)."""
    return operand if operand.type is found else replace(operand, type=found)


def _as_date(operand: Operand, own: type, other: type, offset: int) -> type:
    """A text literal compared with a date is a date, if it is written as one."""
    if other is not Date or own is not str or not isinstance(operand, Const):
        return own
    if dates.calendar_date(str(operand.value)) is None:
        raise ExpressionError(
            f"{operand.value!r} is compared with a date but {_not_a_date(str(operand.value))}",
            offset,
        )
    return Date


def _not_a_date(text: str) -> str:
    if dates.shaped(text):
        return "is not a real calendar date"
    return "is not one: write YYYY-MM-DD"
