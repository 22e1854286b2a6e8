"""Names bound, in a stage of their own: each NAME of a parsed condition is a fact (kept
by name, with its type) or one of the rule's parameters (replaced by its value, so
changing a number in YAML is a data edit only). A name that is neither is an error at
its offset, with the closest known name.
"""

from __future__ import annotations

from collections.abc import Mapping

from checker.core.frozen import replace
from checker.core.suggestions import unknown
from checker.lang.parse import (
    Compare,
    Expr,
    In,
    Literal,
    Match,
    Name,
    Negated,
    Op,
    Syntax,
    begins,
)
from checker.lang.tree import Const, ExpressionError, Fact, ParamValue


def bind(
    syntax: Syntax, facts: Mapping[str, type], params: Mapping[str, ParamValue], used: set[str]
) -> Syntax:
    """`syntax` with its names bound to `facts` and `params`; the parameters it names are
    added to `used` (for the unused-parameter warning)."""
    return _Binder(facts, params, used).condition(syntax)


class _Binder:
    def __init__(
        self, facts: Mapping[str, type], params: Mapping[str, ParamValue], used: set[str]
    ) -> None:
        self.facts = facts
        self.params = params
        self.used = used

    def condition(self, syntax: Syntax) -> Syntax:
        if isinstance(syntax, Compare):
            return replace(syntax, left=self.expr(syntax.left), right=self.expr(syntax.right))
        if isinstance(syntax, In):
            item = self.expr(syntax.item)
            return replace(syntax, item=item, items=self.items(syntax.items))
        if isinstance(syntax, Match):
            return replace(syntax, item=self.expr(syntax.item))
        if isinstance(syntax, Negated):
            return replace(syntax, operand=self.condition(syntax.operand))
        return replace(syntax, parts=tuple(self.condition(p) for p in syntax.parts))

    def expr(self, expr: Expr) -> Expr:
        if isinstance(expr, Op):
            return replace(expr, left=self.expr(expr.left), right=self.expr(expr.right))
        if not isinstance(expr, Name):
            return expr
        return self.name(expr)

    def name(self, name: Name) -> Fact | Const:
        text, offset = name.text, name.span[0]
        if text in self.facts:
            return Fact(text, name.span, self.facts[text])
        if text in self.params:
            value = self.params[text]
            self.used.add(text)
            if isinstance(value, tuple):
                raise ExpressionError(f"parameter {text!r} is a list: use it after 'in'", offset)
            return Const(value, name.span, type(value))
        known = {**self.facts, **self.params}
        raise ExpressionError(unknown(text, "a fact or parameter", known), offset)

    def items(
        self, items: tuple[Name | Literal | Const, ...] | Name
    ) -> tuple[Name | Literal | Const, ...]:
        if isinstance(items, Name):  # a list parameter
            text, offset = items.text, items.span[0]
            if text not in self.params:
                raise ExpressionError(
                    f"expected a list [...] or a list parameter, found {text!r}", offset
                )
            value = self.params[text]
            self.used.add(text)
            if not isinstance(value, tuple):
                raise ExpressionError(f"parameter {text!r} is not a list", offset)
            return tuple(Const(v, items.span, type(v)) for v in value)
        bound: list[Name | Literal | Const] = []
        for item in items:
            found = self.name(item) if isinstance(item, Name) else item
            if isinstance(found, Fact):
                raise ExpressionError("a list holds values, not facts", begins(item))
            bound.append(found)
        return tuple(bound)
