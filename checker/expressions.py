"""The condition language of rule files, parsed without eval.

    condition  := comparison ("and" comparison)*
    comparison := FACT OP operand            OP: < <= > >= == !=
    operand    := atom (("*" | "+" | "-") atom)?
    atom       := NAME | NUMBER | "string" | true | false

The left side is always a fact (durable_rules compares a fact's field). A NAME on the
right is a fact or one of the rule's parameters; parameters are substituted as literals
at load time, so changing a number in YAML is a data edit only. Names and types are
checked here: a condition that could never match because of a typo or a type mismatch
is a load error, never a rule that silently passes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import NamedTuple

Value = int | float | bool | str

ORDERING = ("<", "<=", ">", ">=")
OPERATORS = (*ORDERING, "==", "!=")

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>-?[0-9]+(?:\.[0-9]+)?)
    | (?P<string>"[^"\\]*")
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op><=|>=|==|!=|<|>|\*|\+|-)
    )""",
    re.VERBOSE,
)


class Fact(NamedTuple):
    name: str


class Const(NamedTuple):
    value: Value


class Arith(NamedTuple):
    op: str
    left: Fact | Const
    right: Fact | Const


Operand = Fact | Const | Arith


class Comparison(NamedTuple):
    fact: str
    op: str
    right: Operand


Condition = tuple[Comparison, ...]


class ExpressionError(ValueError):
    """A bad condition; `offset` is the 0-based position in the condition text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def _kind(t: type) -> str:
    return "number" if t in (int, float) else t.__name__


def names(condition: Condition) -> list[str]:
    """Facts a condition reads, in first-use order."""
    found: dict[str, None] = {}

    def visit(operand: Operand) -> None:
        if isinstance(operand, Fact):
            found[operand.name] = None
        elif isinstance(operand, Arith):
            visit(operand.left)
            visit(operand.right)

    for comparison in condition:
        found[comparison.fact] = None
        visit(comparison.right)
    return list(found)


def evaluate(operand: Operand, facts: Mapping[str, Value]) -> Value:
    """Value of a right-hand side, for explanations (the engine decides, this explains)."""
    if isinstance(operand, Const):
        return operand.value
    if isinstance(operand, Fact):
        return facts[operand.name]
    left, right = evaluate(operand.left, facts), evaluate(operand.right, facts)
    assert isinstance(left, (int, float)) and isinstance(right, (int, float))
    if operand.op == "*":
        return left * right
    return left + right if operand.op == "+" else left - right


def parse(text: str, facts: Mapping[str, type], params: Mapping[str, Value]) -> Condition:
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if not match or match.lastgroup is None:
            raise ExpressionError(f"unexpected character {text[position:].strip()[0]!r}", position)
        start = match.start(match.lastgroup)
        tokens.append((match.lastgroup, match.group(match.lastgroup), start))
        position = match.end()
    parser = _Parser(tokens, len(text), facts, params)
    return parser.condition()


class _Parser:
    def __init__(
        self,
        tokens: list[tuple[str, str, int]],
        end: int,
        facts: Mapping[str, type],
        params: Mapping[str, Value],
    ) -> None:
        self.tokens = tokens
        self.index = 0
        self.end = end
        self.facts = facts
        self.params = params

    def _peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _take(self, expected: str) -> tuple[str, str, int]:
        token = self._peek()
        if token is None:
            raise ExpressionError(f"condition ends early: expected {expected}", self.end)
        self.index += 1
        return token

    def condition(self) -> Condition:
        comparisons = [self.comparison()]
        while (token := self._peek()) is not None:
            if token[:2] != ("name", "and"):
                raise ExpressionError(f"expected 'and', found {token[1]!r}", token[2])
            self.index += 1
            comparisons.append(self.comparison())
        return tuple(comparisons)

    def comparison(self) -> Comparison:
        kind, text, offset = self._take("a fact name")
        if kind != "name" or text not in self.facts:
            raise ExpressionError(self._unknown(text, "a fact", self.facts), offset)
        left_type = self.facts[text]
        op_kind, op, op_offset = self._take("a comparison operator")
        if op_kind != "op" or op not in OPERATORS:
            raise ExpressionError(f"expected one of {' '.join(OPERATORS)}, found {op!r}", op_offset)
        right, right_type, right_offset = self.operand()
        if _kind(left_type) != _kind(right_type):
            raise ExpressionError(
                f"{text} is a {_kind(left_type)} and cannot be compared with a {_kind(right_type)}",
                right_offset,
            )
        if op in ORDERING and _kind(left_type) != "number":
            raise ExpressionError(f"{op} needs numbers; {text} is a {_kind(left_type)}", op_offset)
        return Comparison(text, op, right)

    def operand(self) -> tuple[Operand, type, int]:
        left, left_type, offset = self.atom()
        token = self._peek()
        if token is None or token[0] != "op" or token[1] not in "*+-":
            return left, left_type, offset
        self.index += 1
        right, right_type, right_offset = self.atom()
        for operand_type, at in ((left_type, offset), (right_type, right_offset)):
            if _kind(operand_type) != "number":
                raise ExpressionError(f"{token[1]} needs numbers", at)
        result_type = int if left_type is int and right_type is int else float
        if isinstance(left, Const) and isinstance(right, Const):
            folded = evaluate(Arith(token[1], left, right), {})
            return Const(folded), result_type, offset
        return Arith(token[1], left, right), result_type, offset

    def atom(self) -> tuple[Fact | Const, type, int]:
        kind, text, offset = self._take("a value")
        if kind == "number":
            value: Value = float(text) if "." in text else int(text)
            return Const(value), type(value), offset
        if kind == "string":
            return Const(text[1:-1]), str, offset
        if kind == "name":
            if text in ("true", "false"):
                return Const(text == "true"), bool, offset
            if text in self.facts:
                return Fact(text), self.facts[text], offset
            if text in self.params:
                value = self.params[text]
                return Const(value), type(value), offset
            known = {**self.facts, **self.params}
            raise ExpressionError(self._unknown(text, "a fact or parameter", known), offset)
        raise ExpressionError(f"expected a value, found {text!r}", offset)

    @staticmethod
    def _unknown(text: str, what: str, known: Mapping[str, object]) -> str:
        close = difflib.get_close_matches(text, list(known), n=1)
        hint = f": did you mean {close[0]!r}?" if close else ""
        return f"{text!r} is not {what}{hint}"
