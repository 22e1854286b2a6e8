"""The condition language's syntax: text to a syntax tree, never eval'd.

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
precedence. Numbers are written as YAML users write them: `50_000`, `0.8`, `5e4` (a
whole number when it is one). Text is quoted, "..." or '...'. This stage knows no fact
and no parameter: a NAME is a Name until checker.lang.bind says which it is, and
checker.lang.check types the tree. Every node keeps its span, so each later stage
points at the mistake.
"""

from __future__ import annotations

import re

from checker.core import numbers
from checker.core.frozen import Frozen, frozen, replace
from checker.lang.tree import KEYWORDS, OPERATORS, Const, ExpressionError, Fact, Span, Value
from checker.schema import forms

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


@frozen
class Name(Frozen):
    """A fact or a parameter, as written."""

    text: str
    span: Span


@frozen
class Literal(Frozen):
    """A number, a quoted text, true or false, as written."""

    value: Value
    span: Span


@frozen
class Op(Frozen):
    """Arithmetic: `left op right`; `at` is where the operator stands."""

    op: str
    left: Expr
    right: Expr
    span: Span
    at: int


# What an operand may be: parse writes names and literals, checker.lang.bind turns each
# name into the fact or the parameter's value it stands for.
Expr = Name | Literal | Op | Fact | Const


@frozen
class Compare(Frozen):
    left: Expr
    op: str
    right: Expr
    span: Span
    at: int  # the operator


@frozen
class In(Frozen):
    """`item [not] in [...]` or `item [not] in LIST_PARAMETER`."""

    item: Expr
    items: tuple[Name | Literal | Const, ...] | Name  # bound: Literals and Consts
    negated: bool
    span: Span
    at: int  # the list


@frozen
class Match(Frozen):
    item: Expr
    pattern: str
    negated: bool
    span: Span


@frozen
class Negated(Frozen):
    operand: Syntax
    span: Span


@frozen
class Both(Frozen):
    parts: tuple[Syntax, ...]
    span: Span


@frozen
class Either(Frozen):
    parts: tuple[Syntax, ...]
    span: Span


Syntax = Compare | In | Match | Negated | Both | Either


def begins(expr: Expr) -> int:
    """Where `expr` was written (a bound parameter's value: where its name was)."""
    return expr.span[0] if expr.span is not None else 0


def parse(text: str) -> Syntax:
    """The syntax tree of the condition `text`; ExpressionError at the offset of the
    first thing that is not the language."""
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if not match or match.lastgroup is None:
            rest = text[position:]
            found = rest.strip()[0]
            position += len(rest) - len(rest.lstrip())  # at the character, not the space
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
    parser = _Parser(tokens, len(text))
    condition = parser.condition()
    if (extra := parser.peek()) is not None:
        raise ExpressionError(f"expected 'and', 'or' or the end, found {extra[1]!r}", extra[2])
    return condition


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]], end: int) -> None:
        self.tokens = tokens
        self.index = 0
        self.end = end
        self.depth = 0
        self.last_end = 0  # where the token taken last ends: the end of a node's span

    def _start(self) -> int:
        token = self.peek()
        return token[2] if token is not None else self.end

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
        self.last_end = token[2] + len(token[1])
        return token

    def _expect(self, text: str) -> None:
        token = self._take(repr(text))
        if token[1] != text:
            raise ExpressionError(f"expected {text!r}, found {token[1]!r}", token[2])

    # --- conditions ---------------------------------------------------------------

    def condition(self) -> Syntax:
        start = self._start()
        parts = [self.disjunct()]
        while self._at("or"):
            self.index += 1
            parts.append(self.disjunct())
        return parts[0] if len(parts) == 1 else Either(tuple(parts), (start, self.last_end))

    def disjunct(self) -> Syntax:
        start = self._start()
        parts = [self.negation()]
        while self._at("and"):
            self.index += 1
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else Both(tuple(parts), (start, self.last_end))

    def negation(self) -> Syntax:
        token = self.peek()
        if token is None or not (
            self._at("not") or (self._at("(") and self._parenthesised_condition())
        ):
            return self.test()
        self._deeper(token[2])
        self.index += 1
        if token[1] == "not":
            negated = self.negation()
            inner: Syntax = Negated(negated, (token[2], self.last_end))
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

    def test(self) -> Syntax:
        left = self.sum()
        start = begins(left)
        if self._at("in", "not", "matches"):
            word = self._take("'in'")[1]
            negated = word == "not"
            if negated:
                word, at = self._take("'in' or 'matches'")[1:]
                if word not in ("in", "matches"):
                    raise ExpressionError(f"expected 'in' or 'matches', found {word!r}", at)
            if word == "matches":
                kind_, text, at = self._take("a pattern in quotes")
                if kind_ != "string":
                    raise ExpressionError(f"matches needs a pattern in quotes, found {text!r}", at)
                try:
                    forms.linear_pattern(text[1:-1])
                except ValueError as exc:
                    raise ExpressionError(str(exc), at) from None
                return Match(left, text[1:-1], negated, (start, self.last_end))
            items, list_at = self.list()
            return In(left, items, negated, (start, self.last_end), list_at)
        op_kind, op, op_offset = self._take("a comparison operator")
        if op_kind != "op" or op not in OPERATORS:
            raise ExpressionError(
                f"expected a comparison ({' '.join(OPERATORS)}) or 'in', found {op!r}", op_offset
            )
        right = self.sum()
        return Compare(left, op, right, (start, self.last_end), op_offset)

    def list(self) -> tuple[tuple[Name | Literal | Const, ...] | Name, int]:
        kind_, text, offset = self._take("a list")
        if kind_ == "name" and text not in KEYWORDS:
            return Name(text, (offset, self.last_end)), offset
        if text != "[":
            raise ExpressionError(
                f"expected a list [...] or a list parameter, found {text!r}", offset
            )
        items: list[Name | Literal | Const] = []
        while not self._at("]"):
            if items:
                self._expect(",")
            atom = self.atom()
            items.append(atom)
        self._expect("]")
        return tuple(items), offset

    # --- arithmetic ---------------------------------------------------------------

    def sum(self) -> Expr:
        left = self.product()
        while self._at("+", "-"):
            op, at = self._take("+ or -")[1:]
            right = self.product()
            left = Op(op, left, right, (begins(left), self.last_end), at)
        return left

    def product(self) -> Expr:
        left = self.unary()
        while self._at("*", "/", "%"):
            op, at = self._take("* / or %")[1:]
            right = self.unary()
            left = Op(op, left, right, (begins(left), self.last_end), at)
        return left

    def unary(self) -> Expr:
        if not self._at("-", "("):
            return self.atom()
        symbol, offset = self._take("- or (")[1:]
        self._deeper(offset)
        inner: Expr
        if symbol == "-":
            operand = self.unary()
            minus = Literal(-1, (offset, offset + 1))
            inner = Op("*", minus, operand, (offset, self.last_end), offset)
        else:
            inner = self.sum()
            self._expect(")")
            inner = replace(inner, span=(offset, self.last_end))  # its parentheses too
        self.depth -= 1
        return inner

    def atom(self) -> Name | Literal:
        kind_, text, offset = self._take("a value")
        span = (offset, self.last_end)
        if kind_ == "number":
            return Literal(_number(text, offset), span)
        if kind_ == "string":
            return Literal(text[1:-1], span)
        if kind_ == "name":
            if text in ("true", "false"):
                return Literal(text == "true", span)
            if text in KEYWORDS:
                raise ExpressionError(f"expected a value, found {text!r}", offset)
            return Name(text, span)
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
