"""The condition language of rule files: parsed and type-checked, never eval'd.

    condition  := disjunct ("or" disjunct)*
    disjunct   := negation ("and" negation)*
    negation   := "not" negation | "(" condition ")" | test
    test       := sum OP sum | sum ["not"] "in" list | sum ["not"] "matches" STRING
                                                         OP: < <= > >= == != ~= !~=
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/" | "%") unary)*
    unary      := "-" unary | "(" sum ")" | atom
    atom       := NAME | NUMBER | STRING | true | false
    list       := "[" [atom ("," atom)*] "]" | NAME               (a list parameter)

`and` binds tighter than `or`; `not` negates what follows it; arithmetic has the usual
precedence. A NAME is a fact or one of the rule's parameters; parameters are
substituted as literals at load time, so changing a number in YAML is a data edit only.
Numbers are written as YAML users write them: `50_000`, `0.8`, `5e4` (a whole number
when it is one). Text is quoted, "..." or '...'. `/` divides exactly and `%` is the
remainder of whole numbers; their divisor is a non-zero parameter or literal, so no
order can divide by zero. Every name, type and operator is checked here, with the
offset of the mistake: a condition that could never match because of a typo or a type
mismatch is a load error, never a rule that silently passes.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import Any, NamedTuple

from checker.core import dates, numbers
from checker.schema import forms
from checker.schema.forms import ENGINE_EXACT

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

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][-+]?[0-9]+)?)
    | (?P<string>"[^"\\]*"|'[^'\\]*')
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)
    | (?P<op>!~=|~=|<=|>=|==|!=|<|>|\*|\+|-|/|%|\(|\)|\[|\]|,)
    )""",
    re.VERBOSE,
)
_UNDERSCORES = re.compile(r"[0-9](?:_?[0-9])*")  # an underscore only between two digits


MAX_DEPTH = 32  # parentheses, `not`, unary minus and chained operators, nested


class Fact(NamedTuple):
    name: str


class Const(NamedTuple):
    value: Value


class Arith(NamedTuple):
    op: str  # + - * / %
    left: Operand
    right: Operand


Operand = Fact | Const | Arith


class Comparison(NamedTuple):
    left: Operand
    op: str
    right: Operand


class Member(NamedTuple):
    item: Operand
    values: tuple[Value, ...]
    negated: bool  # `not in`


class Not(NamedTuple):
    operand: Condition


class AllOf(NamedTuple):
    parts: tuple[Condition, ...]


class AnyOf(NamedTuple):
    parts: tuple[Condition, ...]


class Matches(NamedTuple):
    """`item matches "pattern"`: the whole text has the form (Rust's regex, linear)."""

    item: Operand
    pattern: str
    negated: bool  # `not matches`


Condition = Comparison | Member | Matches | Not | AllOf | AnyOf
Test = Comparison | Member | Matches


class ExpressionError(ValueError):
    """A bad condition; `offset` is the 0-based position in the condition text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class Date(str):
    """The type of a date fact (a YYYY-MM-DD text, so the engine compares dates as
    text, which orders them by day): it compares with dates and date literals only."""


def kind(t: type) -> str:
    if t is Date:
        return "date"
    return "number" if t in (int, float) else "text" if t is str else "boolean"


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


def rename(condition: Condition, names: Mapping[str, str]) -> Condition:
    """The condition with facts renamed (a rule's keyed parameter to its own fact)."""
    if not names:
        return condition

    def operand(o: Operand) -> Operand:
        if isinstance(o, Fact):
            return Fact(names.get(o.name, o.name))
        if isinstance(o, Arith):
            return Arith(o.op, operand(o.left), operand(o.right))
        return o

    if isinstance(condition, Comparison):
        return Comparison(operand(condition.left), condition.op, operand(condition.right))
    if isinstance(condition, Member | Matches):
        return condition._replace(item=operand(condition.item))
    if isinstance(condition, Not):
        return Not(rename(condition.operand, names))
    return type(condition)(tuple(rename(p, names) for p in condition.parts))


def substitute(operand: Operand, values: Mapping[str, Value]) -> Operand:
    """The operand with the named facts replaced by values."""
    if isinstance(operand, Fact) and operand.name in values:
        return Const(values[operand.name])
    if isinstance(operand, Arith):
        return Arith(
            operand.op, substitute(operand.left, values), substitute(operand.right, values)
        )
    return operand


def normal_form(condition: Condition, list_tests: int, negate: bool = False) -> Condition:
    """The condition with `not` pushed down to its tests (De Morgan; `<` becomes `>=`),
    nested `and`s and `or`s of one kind merged, and lists of at most `list_tests`
    values expanded (`x in [a, b]` is `x == a or x == b`); a longer one stays a Member,
    looked up before the assert."""
    if isinstance(condition, Not):
        return normal_form(condition.operand, list_tests, not negate)
    if isinstance(condition, AllOf | AnyOf):
        conjunction = isinstance(condition, AllOf) != negate
        kind_ = AllOf if conjunction else AnyOf
        parts: list[Condition] = []
        for part in condition.parts:  # (a and b) and c is a and b and c: fewer groups
            normal = normal_form(part, list_tests, negate)
            parts += normal.parts if isinstance(normal, kind_) else (normal,)
        return kind_(tuple(parts))
    if isinstance(condition, Matches):
        return condition._replace(negated=condition.negated != negate)
    if isinstance(condition, Member):
        negated = condition.negated != negate
        if len(condition.values) > list_tests:
            return condition._replace(negated=negated)
        tests: tuple[Condition, ...] = tuple(
            Comparison(condition.item, "!=" if negated else "==", Const(v))
            for v in condition.values
        )
        if not tests:  # `x in []` never holds, `x not in []` always does
            return Comparison(condition.item, "==" if negated else "!=", condition.item)
        if len(tests) == 1:
            return tests[0]
        return AllOf(tests) if negated else AnyOf(tests)
    assert isinstance(condition, Comparison)
    op = INVERSE[condition.op] if negate else condition.op
    return Comparison(condition.left, op, condition.right)


def groups(condition: Condition) -> int:
    """`and` and `or` groups below the top of a normal-form condition."""
    if not isinstance(condition, AllOf | AnyOf):
        return 0
    return sum(
        1 + groups(part) if isinstance(part, AllOf | AnyOf) else 0 for part in condition.parts
    )


def width(condition: Condition, list_tests: int) -> int:
    """Tests the engine holds for the condition: each comparison, each value of a list
    of at most `list_tests` values, one for a longer list (looked up before)."""
    if isinstance(condition, Comparison | Matches):
        return 1
    if isinstance(condition, Member):
        return len(condition.values) if 0 < len(condition.values) <= list_tests else 1
    if isinstance(condition, Not):
        return width(condition.operand, list_tests)
    return sum(width(part, list_tests) for part in condition.parts)


def conjuncts(condition: Condition) -> tuple[Condition, ...]:
    """The parts of a top-level `and` (the condition itself if it is none)."""
    return condition.parts if isinstance(condition, AllOf) else (condition,)


def evaluate(operand: Operand, facts: Mapping[str, Value]) -> Value:
    """Value of an operand, computed exactly: numbers written with decimals are the
    decimals written (0.6 is 3/5, not the nearest double), and the result is rounded
    once. The engine is given such values (checker.engine.compiling), so `20000 * 0.6` is
    12000 in a report and in a verdict alike."""
    if isinstance(operand, Const):
        return operand.value
    if isinstance(operand, Fact):
        return facts[operand.name]
    exact = _exact(operand, facts)
    if isinstance(exact, int):
        return exact
    return int(exact) if exact.denominator == 1 and _whole(operand, facts) else float(exact)


def _whole(operand: Operand, facts: Mapping[str, Value]) -> bool:
    """Whether every leaf is a whole number (then so is the value, unless divided)."""
    return all(
        type(leaf.value if isinstance(leaf, Const) else facts[leaf.name]) is int
        for leaf in leaves(operand)
    ) and not any(isinstance(node, Arith) and node.op == "/" for node in _nodes(operand))


def _nodes(operand: Operand) -> Iterator[Operand]:
    yield operand
    if isinstance(operand, Arith):
        yield from _nodes(operand.left)
        yield from _nodes(operand.right)


@functools.lru_cache(maxsize=4096)
def _decimal(value: float) -> Fraction:
    """The decimal a float was written as (0.6 is 3/5); few differ, so each is parsed once."""
    return Fraction(repr(value))


def _exact(operand: Operand, facts: Mapping[str, Value]) -> int | Fraction:
    if isinstance(operand, Const | Fact):
        value = operand.value if isinstance(operand, Const) else facts[operand.name]
        assert isinstance(value, int | float) and not isinstance(value, bool)
        return value if type(value) is int else _decimal(value)
    left, right = _exact(operand.left, facts), _exact(operand.right, facts)
    if operand.op == "+":
        return left + right
    if operand.op == "-":
        return left - right
    if operand.op == "*":
        return left * right
    if operand.op == "%":
        return left % right
    return Fraction(left) / right


def folded(text: str) -> str:
    """Text as `~=` compares it: letters in one case, runs of spacing as one space,
    none at the ends (so "lenovo  group" ~= "Lenovo Group")."""
    return " ".join(text.casefold().split())


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "~=": lambda a, b: folded(a) == folded(b),
    "!~=": lambda a, b: folded(a) != folded(b),
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def holds(condition: Condition, facts: Mapping[str, Value]) -> bool:
    """Whether the condition holds, in plain Python: for tests, explanations and a
    waiver's `when` (which selects orders; the engine still judges every check)."""
    if isinstance(condition, Comparison):
        left, right = evaluate(condition.left, facts), evaluate(condition.right, facts)
        if _numeric(left) and _numeric(right):  # exactly, not as the doubles nearest
            exact = _exact(condition.left, facts), _exact(condition.right, facts)
            return bool(_COMPARE[condition.op](*exact))
        return bool(_COMPARE[condition.op](left, right))
    if isinstance(condition, Member):
        found = evaluate(condition.item, facts) in condition.values
        return found != condition.negated
    if isinstance(condition, Matches):
        text = evaluate(condition.item, facts)
        return (
            isinstance(text, str) and forms.has_form(condition.pattern, text)
        ) != condition.negated
    if isinstance(condition, Not):
        return not holds(condition.operand, facts)
    if isinstance(condition, AllOf):
        return all(holds(part, facts) for part in condition.parts)
    return any(holds(part, facts) for part in condition.parts)


def _height(operand: Operand) -> int:
    """Arithmetic nested in `operand` (each node is checked as it is built, so this
    never recurses past MAX_DEPTH)."""
    if not isinstance(operand, Arith):
        return 0
    return 1 + max(_height(operand.left), _height(operand.right))


def _numeric(value: object) -> bool:
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
        return f"({_bare(condition)})"
    if isinstance(condition, Comparison):
        return f"{_bare(condition.left)} {condition.op} {_bare(condition.right)}"
    if isinstance(condition, Member):
        items = ", ".join(source(Const(v)) for v in condition.values)
        return f"{_bare(condition.item)} {'not in' if condition.negated else 'in'} [{items}]"
    if isinstance(condition, Matches):
        quote = "'" if '"' in condition.pattern else '"'
        word = "not matches" if condition.negated else "matches"
        return f"{_bare(condition.item)} {word} {quote}{condition.pattern}{quote}"
    if isinstance(condition, Not):
        return f"not ({source(condition.operand)})"
    joiner = " and " if isinstance(condition, AllOf) else " or "
    return joiner.join(
        f"({source(p)})" if isinstance(p, AllOf | AnyOf) else source(p) for p in condition.parts
    )


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2}


def _bare(operand: Operand) -> str:
    """An operand written with the parentheses its precedence needs, and no others."""
    if not isinstance(operand, Arith):
        return source(operand)
    level = _PRECEDENCE[operand.op]

    def side(child: Operand, right: bool) -> str:
        if not isinstance(child, Arith):
            return source(child)
        inner = _PRECEDENCE[child.op]
        needs = inner < level or (right and inner == level)
        return f"({_bare(child)})" if needs else _bare(child)

    return f"{side(operand.left, False)} {operand.op} {side(operand.right, True)}"


def written(operand: Operand) -> str:
    """An operand as a message quotes it: `a + b * c`."""
    return _bare(operand)


def parse(
    text: str,
    facts: Mapping[str, type],
    params: Mapping[str, ParamValue],
    used: set[str] | None = None,
) -> Condition:
    """The condition `text`, typed against `facts` and `params`; the parameters it
    names are added to `used`, if given (for the unused-parameter warning)."""
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if not match or match.lastgroup is None:
            found = text[position:].strip()[0]
            if found in "\"'":
                raise ExpressionError(
                    "a quoted text ends with the quote it opens with and holds no backslash: "
                    "in a pattern, write [0-9] for a digit and [.] for a dot",
                    position,
                )
            raise ExpressionError(f"unexpected character {found!r}", position)
        start = match.start(match.lastgroup)
        tokens.append((match.lastgroup, match.group(match.lastgroup), start))
        position = match.end()
    parser = _Parser(tokens, len(text), facts, params)
    condition = parser.condition()
    if used is not None:
        used.update(parser.used)
    if (extra := parser.peek()) is not None:
        raise ExpressionError(f"expected 'and', 'or' or the end, found {extra[1]!r}", extra[2])
    return condition


Typed = tuple[Operand, type, int]  # an operand, its type and its offset in the text


class _Parser:
    def __init__(
        self,
        tokens: list[tuple[str, str, int]],
        end: int,
        facts: Mapping[str, type],
        params: Mapping[str, ParamValue],
    ) -> None:
        self.tokens = tokens
        self.index = 0
        self.end = end
        self.facts = facts
        self.params = params
        self.used: set[str] = set()
        self.depth = 0

    def _deeper(self, offset: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(
                f"nested more than {MAX_DEPTH} deep (parentheses, not, unary minus): "
                "write it flatter or split it into checks",
                offset,
            )

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _at(self, *texts: str) -> bool:
        token = self.peek()
        return token is not None and token[0] in ("op", "name") and token[1] in texts

    def _take(self, expected: str) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"condition ends early: expected {expected}", self.end)
        self.index += 1
        return token

    def _expect(self, text: str) -> None:
        token = self._take(repr(text))
        if token[1] != text:
            raise ExpressionError(f"expected {text!r}, found {token[1]!r}", token[2])

    # --- conditions ---------------------------------------------------------------

    def condition(self) -> Condition:
        parts = [self.disjunct()]
        while self._at("or"):
            self.index += 1
            parts.append(self.disjunct())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def disjunct(self) -> Condition:
        parts = [self.negation()]
        while self._at("and"):
            self.index += 1
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def negation(self) -> Condition:
        token = self.peek()
        if token is None or not (
            self._at("not") or (self._at("(") and self._parenthesised_condition())
        ):
            return self.test()
        self._deeper(token[2])
        self.index += 1
        if token[1] == "not":
            inner: Condition = Not(self.negation())
        else:
            inner = self.condition()
            self._expect(")")
        self.depth -= 1
        return inner

    def _parenthesised_condition(self) -> bool:
        """Whether the "(" here opens a condition rather than arithmetic: `(a or b)`
        and `(a < b)` do, `(a + b) < c` does not. Decided by reading ahead to the
        matching ")" for a comparison operator or keyword at the same depth."""
        depth = 0
        for kind_, text, _ in self.tokens[self.index :]:
            if kind_ != "op" and text not in ("and", "or", "not", "in", "matches"):
                continue
            if text in ("(", "["):
                depth += 1
            elif text in (")", "]"):
                depth -= 1
                if depth == 0:
                    return False
            elif depth == 1 and text in (*OPERATORS, "and", "or", "not", "in", "matches"):
                return True
        return False

    def test(self) -> Test:
        left, left_type, offset = self.sum()
        if self._at("in", "not", "matches"):
            word = self._take("'in'")[1]
            negated = word == "not"
            if negated:
                word, at = self._take("'in' or 'matches'")[1:]
                if word not in ("in", "matches"):
                    raise ExpressionError(f"expected 'in' or 'matches', found {word!r}", at)
            if word == "matches":
                return self._matches(left, left_type, offset, negated)
            values, value_type, list_offset = self.list()
            if left_type is Date and value_type is str:
                if bad := [v for v in values if dates.calendar_date(str(v)) is None]:
                    raise ExpressionError(
                        f"{_describe(left)} is a date; {bad[0]!r} {_not_a_date(str(bad[0]))}",
                        list_offset,
                    )
                value_type = Date
            if values and kind(value_type) != kind(left_type):
                raise ExpressionError(
                    f"{_describe(left)} is {_article(left_type)} and the list holds "
                    f"{kind(value_type)} values",
                    list_offset,
                )
            return self._depends(Member(left, values, negated), offset)
        op_kind, op, op_offset = self._take("a comparison operator")
        if op_kind != "op" or op not in OPERATORS:
            raise ExpressionError(
                f"expected a comparison ({' '.join(OPERATORS)}) or 'in', found {op!r}", op_offset
            )
        right, right_type, right_offset = self.sum()
        left_type = _as_date(left, left_type, right_type, offset)
        right_type = _as_date(right, right_type, left_type, right_offset)
        if kind(left_type) != kind(right_type):
            raise ExpressionError(
                f"{_describe(left)} is {_article(left_type)} and cannot be compared with "
                f"{_article(right_type)}",
                right_offset,
            )
        if op in FOLDED and kind(left_type) != "text":
            raise ExpressionError(
                f"{op} compares text; {_describe(left)} is {_article(left_type)}", op_offset
            )
        if op in ORDERING and kind(left_type) not in ("number", "date"):
            raise ExpressionError(
                f"{op} needs numbers or dates; {_describe(left)} is {_article(left_type)}",
                op_offset,
            )
        return self._depends(Comparison(left, op, right), offset)

    def _matches(self, item: Operand, item_type: type, offset: int, negated: bool) -> Matches:
        kind_, text, at = self._take("a pattern in quotes")
        if kind_ != "string":
            raise ExpressionError(f"matches needs a pattern in quotes, found {text!r}", at)
        if kind(item_type) != "text":
            raise ExpressionError(
                f"matches needs text; {_describe(item)} is {_article(item_type)}", offset
            )
        try:
            forms.linear_pattern(text[1:-1])
        except ValueError as exc:
            raise ExpressionError(str(exc), at) from None
        test = self._depends(Matches(item, text[1:-1], negated), offset)
        assert isinstance(test, Matches)
        return test

    @staticmethod
    def _depends(test: Test, offset: int) -> Test:
        if not names(test):
            raise ExpressionError(
                f"`{source(test)}` reads no fact: it is true or false for every order", offset
            )
        return test

    def list(self) -> tuple[tuple[Value, ...], type, int]:
        token = self._take("a list")
        kind_, text, offset = token
        if kind_ == "name" and text in self.params:
            value = self.params[text]
            self.used.add(text)
            if not isinstance(value, tuple):
                raise ExpressionError(f"parameter {text!r} is not a list", offset)
            return value, type(value[0]) if value else str, offset
        if text != "[":
            raise ExpressionError(
                f"expected a list [...] or a list parameter, found {text!r}", offset
            )
        values: list[Value] = []
        value_type: type | None = None
        while not self._at("]"):
            if values:
                self._expect(",")
            atom, atom_type, atom_offset = self.atom()
            if not isinstance(atom, Const):
                raise ExpressionError("a list holds values, not facts", atom_offset)
            if value_type is not None and kind(atom_type) != kind(value_type):
                raise ExpressionError("a list holds values of one kind", atom_offset)
            value_type = atom_type
            values.append(atom.value)
        self._expect("]")
        return tuple(values), value_type or str, offset

    # --- arithmetic ---------------------------------------------------------------

    def sum(self) -> Typed:
        left = self.product()
        while self._at("+", "-"):
            op = self._take("+ or -")
            left = self._arith(op[1], left, self.product(), op[2])
        return left

    def product(self) -> Typed:
        left = self.unary()
        while self._at("*", "/", "%"):
            op = self._take("* / or %")
            left = self._arith(op[1], left, self.unary(), op[2])
        return left

    def unary(self) -> Typed:
        if not self._at("-", "("):
            return self.atom()
        symbol, offset = self._take("- or (")[1:]
        self._deeper(offset)
        if symbol == "-":
            operand, operand_type, _ = self.unary()
            inner = self._arith(
                "*", (Const(-1), int, offset), (operand, operand_type, offset), offset
            )
        else:
            inner = self.sum()
            self._expect(")")
        self.depth -= 1
        return inner[0], inner[1], offset

    def _arith(self, op: str, left: Typed, right: Typed, op_offset: int) -> Typed:
        for operand, operand_type, at in (left, right):
            if kind(operand_type) == "date":
                raise ExpressionError(
                    f"{op} needs numbers; {_describe(operand)} is a date (days between two "
                    "dates are a fact declared in pack.yaml: `days: [from, to]`)",
                    at,
                )
            if kind(operand_type) != "number":
                raise ExpressionError(
                    f"{op} needs numbers; {_describe(operand)} is {_article(operand_type)}", at
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
        result_type: type = int if both_int and op != "/" else float
        node = Arith(op, left[0], right[0])
        if _height(node) > MAX_DEPTH:
            raise ExpressionError(
                f"more than {MAX_DEPTH} operators in a row: split the sum into facts or checks",
                op_offset,
            )
        if isinstance(left[0], Const) and isinstance(right[0], Const):
            return self._folded(node, left[2])
        if op == "/" and both_int:
            result_type = float  # a quotient of whole numbers may have decimals
        return node, result_type, left[2]

    @staticmethod
    def _folded(node: Arith, offset: int) -> Typed:
        """Arithmetic on numbers alone, done once, exactly: a value no number chipcheck
        holds can be (`1 / 3`, past 2^53) is refused, never rounded."""
        exact = _exact(node, {})
        if not -ENGINE_EXACT <= exact <= ENGINE_EXACT:
            raise ExpressionError(
                f"`{_bare(node)}` is past {ENGINE_EXACT:,} (2^53), the largest number "
                "the engine computes exactly",
                offset,
            )
        folded = evaluate(node, {})
        if Fraction(repr(folded) if isinstance(folded, float) else folded) != exact:
            raise ExpressionError(
                f"`{_bare(node)}` is not a decimal chipcheck holds exactly, and a number is "
                "never rounded: multiply the other side instead",
                offset,
            )
        return Const(folded), type(folded), offset

    def atom(self) -> Typed:
        kind_, text, offset = self._take("a value")
        if kind_ == "number":
            value = _number(text, offset)
            return Const(value), type(value), offset
        if kind_ == "string":
            return Const(text[1:-1]), str, offset
        if kind_ == "name":
            if text in ("true", "false"):
                return Const(text == "true"), bool, offset
            if text in KEYWORDS:
                raise ExpressionError(f"expected a value, found {text!r}", offset)
            if text in self.facts:
                return Fact(text), self.facts[text], offset
            if text in self.params:
                param = self.params[text]
                self.used.add(text)
                if isinstance(param, tuple):
                    raise ExpressionError(
                        f"parameter {text!r} is a list: use it after 'in'", offset
                    )
                return Const(param), type(param), offset
            known = {**self.facts, **self.params}
            raise ExpressionError(unknown(text, "a fact or parameter", known), offset)
        raise ExpressionError(f"expected a value, found {text!r}", offset)


def _number(text: str, offset: int) -> int | float:
    mantissa = text.lower().partition("e")[0]
    for part in mantissa.split("."):
        if not _UNDERSCORES.fullmatch(part):
            raise ExpressionError(
                f"{text} is not a number: an underscore goes between two digits", offset
            )
    plain = text.replace("_", "")
    try:
        exact = numbers.value(plain)
        if exact.denominator == 1 and "." not in mantissa:
            return int(exact)  # 5e4 is the whole number 50000
        return numbers.decimal(plain)
    except numbers.InexactNumber as exc:
        raise ExpressionError(str(exc), offset) from None


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


def _describe(operand: Operand) -> str:
    return source(operand) if not isinstance(operand, Arith) else f"`{_bare(operand)}`"


def _article(t: type) -> str:
    word = kind(t)
    return f"a {word}" if word != "text" else "text"


def unknown(text: str, what: str, known: Mapping[str, object]) -> str:
    """`'text' is not WHAT`, with the closest known name, if one is close."""
    close = difflib.get_close_matches(text, list(known), n=1)
    hint = f": did you mean {close[0]!r}?" if close else ""
    return f"{text!r} is not {what}{hint}"
