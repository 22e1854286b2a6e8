"""The condition language stage by stage, as tables: text to syntax tree (parse), names
bound (bind), text to typed tree through every stage (check.condition) and the
mistakes refused with their offset, a tree back to text (tree.source), the engine's
normal form (normalise) and exact evaluation (evaluate). The same language
through the real CLI is tests/lang/test_language.py."""

from __future__ import annotations

import pytest

from checker.core.dates import Date
from checker.lang.bind import bind
from checker.lang.check import condition as checked
from checker.lang.evaluate import holds
from checker.lang.normalise import normal_form
from checker.lang.parse import (
    Both,
    Compare,
    Either,
    In,
    Literal,
    Match,
    Name,
    Negated,
    Op,
    Syntax,
    parse,
)
from checker.lang.tree import (
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
    source,
)

FACTS: dict[str, type] = {"a": int, "b": int, "x": float, "s": str, "flag": bool, "d": Date}
PARAMS = {"cap": 5, "share": 0.4, "names": ("x", "y"), "day": "2026-02-03"}

a, b, x, s, d = Fact("a"), Fact("b"), Fact("x"), Fact("s"), Fact("d")


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a > 0", Comparison(a, ">", Const(0))),
        ("a + b * 2 >= 10", Comparison(Arith("+", a, Arith("*", b, Const(2))), ">=", Const(10))),
        ("(a + b) * 2 >= 10", Comparison(Arith("*", Arith("+", a, b), Const(2)), ">=", Const(10))),
        ("-a < 0", Comparison(Arith("*", Const(-1), a), "<", Const(0))),
        ("a > 1 and b > 2 or flag == true", AnyOf((
            AllOf((Comparison(a, ">", Const(1)), Comparison(b, ">", Const(2)))),
            Comparison(Fact("flag"), "==", Const(True)),
        ))),
        ("not (a > 1 or s == 'q')", Not(AnyOf((
            Comparison(a, ">", Const(1)), Comparison(s, "==", Const("q")),
        )))),
        ("s in ['x', 'y']", Member(s, ("x", "y"), False)),
        ("s not in names", Member(s, ("x", "y"), True)),
        ("s not matches '[a-z]+'", Matches(s, "[a-z]+", True)),
        ("a > cap", Comparison(a, ">", Const(5))),  # a parameter is bound as its value
        ("a > 2 * 3", Comparison(a, ">", Const(6))),  # numbers alone are folded, exactly
        ("x < share", Comparison(x, "<", Const(0.4))),
        ("a > 5e4", Comparison(a, ">", Const(50000))),  # a whole number when it is one
        ("a > 50_000", Comparison(a, ">", Const(50000))),
        ("d < '2026-02-03'", Comparison(d, "<", Const("2026-02-03"))),
        ("d >= day", Comparison(d, ">=", Const("2026-02-03"))),
        ("s ~= 'Q'", Comparison(s, "~=", Const("Q"))),
    ],
)  # fmt: skip
def test_parse_builds_the_typed_tree(text: str, tree: Condition) -> None:
    assert checked(text, FACTS, PARAMS) == tree


def test_parse_types_each_literal_as_written() -> None:
    folded = checked("a > 5e4", FACTS, PARAMS)
    assert isinstance(folded, Comparison) and isinstance(folded.right, Const)
    assert type(folded.right.value) is int
    decimal = checked("x > 0.5", FACTS, PARAMS)
    assert isinstance(decimal, Comparison) and isinstance(decimal.right, Const)
    assert type(decimal.right.value) is float


@pytest.mark.parametrize(
    ("text", "words", "offset"),
    [
        ("a >", "condition ends early", 3),
        ("a > 1 )", "expected 'and', 'or' or the end", 6),
        ("a > 1 b", "expected 'and', 'or' or the end", 6),
        ("a $ 1", "unexpected character '$'", 2),
        ("a > c", "'c' is not a fact or parameter", 4),
        ("a > cat", "did you mean 'cap'?", 4),
        ("a / b > 1", "the divisor of / must be a parameter or a number", 4),
        ("a % 0 > 1", "% by zero", 4),
        ("x % 2 > 0", "% needs whole numbers", 2),
        ("1 / 3 < a", "is not a decimal chipcheck holds exactly", 0),
        ("a > 1e400", "too large or too near 0 to hold exactly", 4),
        ("s < 'b'", "< needs numbers or dates", 2),
        ("s == 1", "s is text and cannot be compared with a number", 5),
        ("d == '2026-02-30'", "is compared with a date but is not a real calendar date", 5),
        ("d in ['2026-02-29']", "'2026-02-29' is not a real calendar date", 5),
        ("d < 'soon'", "is compared with a date but is not one: write YYYY-MM-DD", 4),
        ("a + d > 1", "+ needs numbers; d is a date", 4),
        ("1 < 2", "reads no fact", 0),
        ("a in cap", "parameter 'cap' is not a list", 5),
        ("a > names", "parameter 'names' is a list: use it after 'in'", 4),
        ("s matches '(a+)+'", "", 10),  # nested repetition is fine for a linear engine
        ("a > 0 and " * 40 + "a > 0", "", None),  # long, flat: fine
        ("(" * 33 + "a > 0" + ")" * 33, "nested more than 32 deep", 32),
    ],
)  # fmt: skip
def test_parse_refuses_a_mistake_at_its_offset(text: str, words: str, offset: int | None) -> None:
    if not words:
        checked(text, FACTS, PARAMS)
        return
    with pytest.raises(ExpressionError) as caught:
        checked(text, FACTS, PARAMS)
    assert words in str(caught.value)
    assert caught.value.offset == offset


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("a+b*2>=10", "a + b * 2 >= 10"),
        ("(a + b) * 2 >= 10", "(a + b) * 2 >= 10"),
        ("a > 1 and (b > 2 or s == 'q')", 'a > 1 and (b > 2 or s == "q")'),
        ("not a > 1", "not (a > 1)"),
        ("s in names", 's in ["x", "y"]'),
        ('s matches "[a-z]"', 's matches "[a-z]"'),
    ],
)
def test_a_tree_reads_back_as_text_that_parses_to_it(text: str, written: str) -> None:
    tree = checked(text, FACTS, PARAMS)
    assert source(tree) == written
    assert checked(written, FACTS, PARAMS) == tree


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("not (a > 1 or b == 2)", "a <= 1 and b != 2"),
        ("not (a > 1 and not b < 2)", "a <= 1 or b < 2"),
        ("a > 1 and (b > 2 and s == 'q')", 'a > 1 and b > 2 and s == "q"'),
        ("s in ['x', 'y']", 's == "x" or s == "y"'),
        ("s not in ['x', 'y']", 's != "x" and s != "y"'),
    ],
)
def test_normal_form_pushes_not_down_and_flattens(text: str, normal: str) -> None:
    assert source(normal_form(checked(text, FACTS, PARAMS), 8)) == normal


@pytest.mark.parametrize(
    ("text", "facts", "expected"),
    [
        # 0.2857142857142857 * 7 is 1.9999999999999999 exactly; doubles say 2.0
        ("x * 7 < 2", {"x": 0.2857142857142857}, True),
        ("x * 3 == 0.3", {"x": 0.1}, True),  # 0.1 is the decimal written, not a double
        ("a * share >= 4", {"a": 10}, True),
        ("a * share > 4", {"a": 10}, False),
        ("a % 7 * 4 > a", {"a": 3}, True),
        ("-a < 0", {"a": 3}, True),
        ("s ~= 'Ab  C'", {"s": " ab c "}, True),
        ("s !~= 'Ab  C'", {"s": "abc"}, True),
        ("d < day", {"d": "2026-02-02"}, True),
        ("s matches '[a-z]+'", {"s": "abc1"}, False),
        ("s in names or flag == true", {"s": "z", "flag": True}, True),
    ],
)
def test_evaluation_is_exact(text: str, facts: dict[str, object], expected: bool) -> None:
    assert holds(checked(text, FACTS, PARAMS), facts) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "path", "written"),
    [
        ("a + b * 2 >= 10", "", "a + b * 2 >= 10"),
        ("a + b * 2 >= 10", "left", "a + b * 2"),
        ("a + b * 2 >= 10", "left.right", "b * 2"),
        ("a + b * 2 >= 10", "right", "10"),
        ("a > cap", "right", "cap"),  # a parameter's value, where its name was written
        ("a > 2 * 3", "right", "2 * 3"),  # folded, where it was written
        ("-a < 0", "left", "-a"),
        ("a > 1 and s in ['x', 'y']", "parts.1", "s in ['x', 'y']"),
        ("a > 1 or not (b > 2)", "parts.1", "not (b > 2)"),
        ("flag == true and s  matches  'x'", "parts.1", "s  matches  'x'"),
    ],
)
def test_every_node_spans_the_text_it_was_parsed_from(text: str, path: str, written: str) -> None:
    node: object = checked(text, FACTS, PARAMS)
    for step in filter(None, path.split(".")):
        node = node[int(step)] if isinstance(node, tuple) else getattr(node, step)
    span = getattr(node, "span")  # noqa: B009
    assert span is not None and text[span[0] : span[1]] == written


@pytest.mark.parametrize(
    ("text", "path", "typed"),
    [
        ("a + b * 2 >= 10", "left", int),
        ("a + x > 1", "left", float),  # a decimal fact makes the sum a decimal
        ("a / 4 > 1", "left", float),  # so does a quotient
        ("a % 4 > 1", "left", int),
        ("a > cap", "right", int),
        ("x < share", "right", float),
        ("d < '2026-02-03'", "right", Date),  # a text compared with a date is a date
        ("d >= day", "right", Date),
        ("s == 'q'", "right", str),
        ("flag == true", "left", bool),
        ("-a < 0", "left", int),
        ("a > 2 * 3", "right", int),
    ],
)
def test_every_operand_carries_the_type_parse_found(text: str, path: str, typed: type) -> None:
    node: object = checked(text, FACTS, PARAMS)
    for step in path.split("."):
        node = getattr(node, step)
    assert getattr(node, "type") is typed  # noqa: B009


# --- the stages one by one ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "syntax"),
    [
        ("a > 0", Compare(Name("a", (0, 1)), ">", Literal(0, (4, 5)), (0, 5), 2)),
        ("zz >= 'q'", Compare(Name("zz", (0, 2)), ">=", Literal("q", (6, 9)), (0, 9), 3)),
        ("-a < 0", Compare(
            Op("*", Literal(-1, (0, 1)), Name("a", (1, 2)), (0, 2), 0), "<", Literal(0, (5, 6)),
            (0, 6), 3,
        )),
        ("(a + 1) * 2 > b", Compare(
            Op("*", Op("+", Name("a", (1, 2)), Literal(1, (5, 6)), (0, 7), 3),
               Literal(2, (10, 11)), (0, 11), 8),
            ">", Name("b", (14, 15)), (0, 15), 12,
        )),
        ("s not in names", In(Name("s", (0, 1)), Name("names", (9, 14)), True, (0, 14), 9)),
        ("s in ['x', cap]", In(
            Name("s", (0, 1)), (Literal("x", (6, 9)), Name("cap", (11, 14))), False, (0, 15), 5,
        )),
        ("not s matches 'x+'", Negated(Match(Name("s", (4, 5)), "x+", False, (4, 18)), (0, 18))),
        ("a > 1 or flag == true and b < 2", Either((
            Compare(Name("a", (0, 1)), ">", Literal(1, (4, 5)), (0, 5), 2),
            Both((
                Compare(Name("flag", (9, 13)), "==", Literal(True, (17, 21)), (9, 21), 14),
                Compare(Name("b", (26, 27)), "<", Literal(2, (30, 31)), (26, 31), 28),
            ), (9, 31)),
        ), (0, 31))),
    ],
)  # fmt: skip
def test_parse_knows_only_the_syntax(text: str, syntax: Syntax) -> None:
    """Names stay names (`zz` is no fact, and parse does not know it); every node keeps
    its span, a group its parentheses."""
    assert parse(text) == syntax


@pytest.mark.parametrize(
    ("text", "words", "offset"),
    [
        ("zz > 1", "'zz' is not a fact or parameter", 0),
        ("a > cat", "did you mean 'cap'?", 4),
        ("a > names", "parameter 'names' is a list: use it after 'in'", 4),
        ("a in cap", "parameter 'cap' is not a list", 5),
        ("s in a_list", "expected a list [...] or a list parameter, found 'a_list'", 5),
        ("s in ['x', a]", "a list holds values, not facts", 11),
    ],
)
def test_bind_refuses_a_name_it_cannot_bind(text: str, words: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        bind(parse(text), FACTS, PARAMS, set())
    assert words in str(caught.value)
    assert caught.value.offset == offset


def test_bind_makes_a_parameter_its_value_and_records_it() -> None:
    used: set[str] = set()
    bound = bind(parse("a > cap and s in names"), FACTS, PARAMS, used)
    assert used == {"cap", "names"}
    assert isinstance(bound, Both)
    first, second = bound.parts
    assert isinstance(first, Compare) and isinstance(second, In)
    assert first.left == Fact("a") and first.left.type is int
    assert first.right == Const(5) and first.right.span == (4, 7)  # where `cap` was written
    assert second.items == (Const("x"), Const("y"))
