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

import re
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction

from checker.core import dates, numbers
from checker.core.dates import Date
from checker.core.suggestions import unknown
from checker.lang.evaluate import evaluate, exact_value
from checker.lang.tree import (
    FOLDED,
    KEYWORDS,
    OPERATORS,
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
from checker.schema import forms
from checker.schema.forms import ENGINE_EXACT

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

    def condition(self) -> Condition:
        start = self._start()
        parts = [self.disjunct()]
        while self._at("or"):
            self.index += 1
            parts.append(self.disjunct())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts), (start, self.last_end))

    def disjunct(self) -> Condition:
        start = self._start()
        parts = [self.negation()]
        while self._at("and"):
            self.index += 1
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts), (start, self.last_end))

    def negation(self) -> Condition:
        token = self.peek()
        if token is None or not (
            self._at("not") or (self._at("(") and self._parenthesised_condition())
        ):
            return self.test()
        self._deeper(token[2])
        self.index += 1
        if token[1] == "not":
            negated = self.negation()
            inner: Condition = Not(negated, (token[2], self.last_end))
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
                        f"{describe(left)} is a date; {bad[0]!r} {_not_a_date(str(bad[0]))}",
                        list_offset,
                    )
                value_type = Date
            if values and kind(value_type) != kind(left_type):
                raise ExpressionError(
                    f"{describe(left)} is {article(left_type)} and the list holds "
                    f"{kind(value_type)} values",
                    list_offset,
                )
            return self._depends(Member(left, values, negated, (offset, self.last_end)), offset)
        op_kind, op, op_offset = self._take("a comparison operator")
        if op_kind != "op" or op not in OPERATORS:
            raise ExpressionError(
                f"expected a comparison ({' '.join(OPERATORS)}) or 'in', found {op!r}", op_offset
            )
        right, right_type, right_offset = self.sum()
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
                f"{op} needs numbers or dates; {describe(left)} is {article(left_type)}",
                op_offset,
            )
        return self._depends(Comparison(left, op, right, (offset, self.last_end)), offset)

    def _matches(self, item: Operand, item_type: type, offset: int, negated: bool) -> Matches:
        kind_, text, at = self._take("a pattern in quotes")
        if kind_ != "string":
            raise ExpressionError(f"matches needs a pattern in quotes, found {text!r}", at)
        if kind(item_type) != "text":
            raise ExpressionError(
                f"matches needs text; {describe(item)} is {article(item_type)}", offset
            )
        try:
            forms.linear_pattern(text[1:-1])
        except ValueError as exc:
            raise ExpressionError(str(exc), at) from None
        test = self._depends(Matches(item, text[1:-1], negated, (offset, self.last_end)), offset)
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
                "*",
                (Const(-1, (offset, offset + 1), int), int, offset),
                (operand, operand_type, offset),
                offset,
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
        node = Arith(op, left[0], right[0], (left[2], self.last_end), result_type)
        if height(node) > MAX_DEPTH:
            raise ExpressionError(
                f"more than {MAX_DEPTH} operators in a row: split the sum into facts or checks",
                op_offset,
            )
        if isinstance(left[0], Const) and isinstance(right[0], Const):
            return self._folded(node, left[2])
        return node, result_type, left[2]

    @staticmethod
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

    def atom(self) -> Typed:
        kind_, text, offset = self._take("a value")
        if kind_ == "number":
            value = _number(text, offset)
            return Const(value, (offset, self.last_end), type(value)), type(value), offset
        if kind_ == "string":
            return Const(text[1:-1], (offset, self.last_end), str), str, offset
        if kind_ == "name":
            if text in ("true", "false"):
                return Const(text == "true", (offset, self.last_end), bool), bool, offset
            if text in KEYWORDS:
                raise ExpressionError(f"expected a value, found {text!r}", offset)
            if text in self.facts:
                fact_type = self.facts[text]
                return Fact(text, (offset, self.last_end), fact_type), fact_type, offset
            if text in self.params:
                param = self.params[text]
                self.used.add(text)
                if isinstance(param, tuple):
                    raise ExpressionError(
                        f"parameter {text!r} is a list: use it after 'in'", offset
                    )
                return Const(param, (offset, self.last_end), type(param)), type(param), offset
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


def _typed(operand: Operand, found: type) -> Operand:
    """The operand with the type `test` settled on (a text literal may be a date)."""
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
