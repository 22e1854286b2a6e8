"""The condition language's tree: its nodes, operators and values, and how a tree is
read back as text (in messages) and walked (names, tests, literals)."""

from __future__ import annotations

from collections.abc import Iterator

from checker.core.frozen import Frozen, field, frozen
from checker.core.types import VALUE_TYPES

Value = int | float | bool | str
ParamValue = Value | tuple[Value, ...]

ORDERING = ("<", "<=", ">", ">=")
FOLDED = ("~=", "!~=")  # equal, not equal, ignoring letter case and spacing
OPERATORS = (*ORDERING, "==", "!=", *FOLDED)
KEYWORDS = frozenset({"and", "or", "not", "in", "matches", "true", "false"})
MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!=", "~=": "~=",
          "!~=": "!~="}  # fmt: skip
INVERSE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "==", "~=": "!~=",
           "!~=": "~="}  # fmt: skip

Span = tuple[int, int]  # [start, end): 0-based offsets into the condition's text


# Nodes are frozen: conditions are compared, hashed (the engine's derived fields are
# keyed by them) and shared. A node's span says where it was written, an operand's type
# what checker.lang.check found it to be (int, float, str, bool, Date); neither takes part in
# equality: `a > 1` is the same test wherever it stands. Nodes a rewrite builds (the
# normal form) may have no span; every operand has its type.
@frozen
class Fact(Frozen):
    name: str
    span: Span | None = field(default=None, compare=False, repr=False)
    type: type | None = field(default=None, compare=False, repr=False)


@frozen
class Const(Frozen):
    value: Value
    span: Span | None = field(default=None, compare=False, repr=False)
    type: type | None = field(default=None, compare=False, repr=False)


@frozen
class Arith(Frozen):
    op: str  # + - * / %
    left: Operand
    right: Operand
    span: Span | None = field(default=None, compare=False, repr=False)
    type: type | None = field(default=None, compare=False, repr=False)


Operand = Fact | Const | Arith


@frozen
class Comparison(Frozen):
    left: Operand
    op: str
    right: Operand
    span: Span | None = field(default=None, compare=False, repr=False)


@frozen
class Member(Frozen):
    item: Operand
    values: tuple[Value, ...]
    negated: bool  # `not in`
    span: Span | None = field(default=None, compare=False, repr=False)


@frozen
class Not(Frozen):
    operand: Condition
    span: Span | None = field(default=None, compare=False, repr=False)


@frozen
class AllOf(Frozen):
    parts: tuple[Condition, ...]
    span: Span | None = field(default=None, compare=False, repr=False)


@frozen
class AnyOf(Frozen):
    parts: tuple[Condition, ...]
    span: Span | None = field(default=None, compare=False, repr=False)


@frozen
class Matches(Frozen):
    """`item matches "pattern"`: the whole text has the form (Rust's regex, linear)."""

    item: Operand
    pattern: str
    negated: bool  # `not matches`
    span: Span | None = field(default=None, compare=False, repr=False)


Condition = Comparison | Member | Matches | Not | AllOf | AnyOf
Test = Comparison | Member | Matches


class ExpressionError(ValueError):
    """A bad condition; `offset` is the 0-based position in the condition text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def kind(t: type) -> str:
    """What the language compares a value of type `t` as: number, text, date, boolean."""
    return VALUE_TYPES[t].kind


def tests(condition: Condition) -> Iterator[Test]:
    """Every comparison, membership and pattern test of the condition, in order."""
    if isinstance(condition, Comparison | Member | Matches):
        yield condition
    elif isinstance(condition, Not):
        yield from tests(condition.operand)
    else:
        for part in condition.parts:
            yield from tests(part)


def literals(test: Test) -> list[tuple[Operand, Value]]:
    """Each (operand, literal) a test compares: a list's values with its item, a
    literal with the other side of a comparison; none for a pattern."""
    if isinstance(test, Matches):
        return []
    if isinstance(test, Member):
        return [(test.item, v) for v in test.values]
    return [
        (side, other.value)
        for side, other in ((test.left, test.right), (test.right, test.left))
        if isinstance(other, Const)
    ]


def folds(test: Test) -> bool:
    """Whether the test compares text ignoring letter case and spacing (`~=`)."""
    return isinstance(test, Comparison) and test.op in FOLDED


def operands(condition: Condition) -> Iterator[Operand]:
    """Every operand of the condition's tests, in order."""
    for test in tests(condition):
        if isinstance(test, Comparison):
            yield test.left
            yield test.right
        else:
            yield test.item


def leaves(operand: Operand) -> Iterator[Fact | Const]:
    if isinstance(operand, Arith):
        yield from leaves(operand.left)
        yield from leaves(operand.right)
    else:
        yield operand


def names_of(operand: Operand) -> list[str]:
    """Facts an operand reads, in order (with repeats)."""
    return [leaf.name for leaf in leaves(operand) if isinstance(leaf, Fact)]


def names(condition: Condition) -> list[str]:
    """Facts a condition reads, in first-use order."""
    return list(dict.fromkeys(name for op in operands(condition) for name in names_of(op)))


def height(operand: Operand) -> int:
    """Arithmetic nested in `operand` (each node is checked as it is built, so this
    never recurses past MAX_DEPTH)."""
    if not isinstance(operand, Arith):
        return 0
    return 1 + max(height(operand.left), height(operand.right))


def numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def source(condition: Condition | Operand) -> str:
    """The condition written back as text, fully parenthesised where it nests."""
    if isinstance(condition, Const):
        value = condition.value
        if isinstance(value, bool):
            return "true" if value else "false"
        return f'"{value}"' if isinstance(value, str) else repr(value)
    if isinstance(condition, Fact):
        return condition.name
    if isinstance(condition, Arith):
        return f"({bare(condition)})"
    if isinstance(condition, Comparison):
        return f"{bare(condition.left)} {condition.op} {bare(condition.right)}"
    if isinstance(condition, Member):
        items = ", ".join(source(Const(v)) for v in condition.values)
        return f"{bare(condition.item)} {'not in' if condition.negated else 'in'} [{items}]"
    if isinstance(condition, Matches):
        quote = "'" if '"' in condition.pattern else '"'
        word = "not matches" if condition.negated else "matches"
        return f"{bare(condition.item)} {word} {quote}{condition.pattern}{quote}"
    if isinstance(condition, Not):
        return f"not ({source(condition.operand)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return joiner.join(
        f"({source(p)})" if isinstance(p, AllOf | AnyOf) else source(p) for p in condition.parts
    )


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2}


def bare(operand: Operand) -> str:
    """An operand written with the parentheses its precedence needs, and no others."""
    if not isinstance(operand, Arith):
        return source(operand)
    level = _PRECEDENCE[operand.op]

    def side(child: Operand, right: bool) -> str:
        if not isinstance(child, Arith):
            return source(child)
        inner = _PRECEDENCE[child.op]
        needs = inner < level or (right and inner == level)
        return f"({bare(child)})" if needs else bare(child)

    return f"{side(operand.left, False)} {operand.op} {side(operand.right, True)}"


def written(operand: Operand) -> str:
    """An operand as a message quotes it: `a + b * c`."""
    return bare(operand)


def describe(operand: Operand) -> str:
    return source(operand) if not isinstance(operand, Arith) else f"`{bare(operand)}`"


def article(t: type) -> str:
    word = kind(t)
    return f"a {word}" if word != "text" else "text"
