"""checker.core.frozen behaves as `@dataclass(frozen=True, slots=True)` does, for the
language's nodes: the standard library's dataclass is the oracle."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checker.core.frozen import Frozen, field, frozen, replace
from checker.lang import parse, tree


@frozen
class Node(Frozen):
    name: str
    size: int = 0
    span: tuple[int, int] | None = field(default=None, compare=False, repr=False)


@frozen
class Other(Frozen):
    name: str
    size: int = 0
    span: tuple[int, int] | None = field(default=None, compare=False, repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class Node_:  # the oracle, named so that its repr reads as Node's
    name: str
    size: int = 0
    span: tuple[int, int] | None = dataclasses.field(default=None, compare=False, repr=False)


Node_.__qualname__ = "Node"

values = st.tuples(
    st.text(max_size=3),
    st.integers(-2, 2),
    st.none() | st.tuples(st.integers(0, 3), st.integers(0, 3)),
)


@given(values, values)
def test_equality_hash_and_repr_are_a_dataclass(a: tuple[Any, ...], b: tuple[Any, ...]) -> None:
    ours, theirs = (Node(*a), Node(*b)), (Node_(*a), Node_(*b))
    assert (ours[0] == ours[1]) == (theirs[0] == theirs[1])
    assert (ours[0] != ours[1]) == (theirs[0] != theirs[1])
    assert hash(ours[0]) == hash(theirs[0])
    assert repr(ours[0]) == repr(theirs[0])


def test_fields_that_do_not_compare_take_no_part() -> None:
    assert Node("a", 1, (0, 1)) == Node("a", 1, (5, 6))
    assert len({Node("a", 1, (0, 1)), Node("a", 1)}) == 1
    assert Node("a", 1) != Node("a", 2)


def test_instances_of_two_classes_are_never_equal() -> None:
    assert Node("a") != Other("a")
    assert Node("a") != ("a", 0)


def test_the_constructor_takes_fields_by_position_or_name_with_defaults() -> None:
    node = Node("a", size=3)
    assert (node.name, node.size, node.span) == ("a", 3, None)
    with pytest.raises(TypeError, match="missing its field name"):
        Node()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="no field colour"):
        Node("a", colour=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="two values for name"):
        Node("a", name="b")  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 3 fields"):
        Node("a", 1, None, 4)  # type: ignore[call-arg]


def test_an_instance_is_frozen_and_slotted() -> None:
    node = Node("a")
    with pytest.raises(AttributeError, match="frozen"):
        node.name = "b"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="frozen"):
        del node.size  # type: ignore[misc]
    assert not hasattr(node, "__dict__")
    assert Node.__slots__ == Node.__match_args__ == ("name", "size", "span")


def test_replace_copies_with_changes_and_pickling_keeps_every_field() -> None:
    node = Node("a", 1, (2, 3))
    changed = replace(node, size=5)
    assert (changed.name, changed.size, changed.span) == ("a", 5, (2, 3))
    assert node.size == 1
    with pytest.raises(TypeError, match="no field colour"):
        replace(node, colour=1)
    for copied in (pickle.loads(pickle.dumps(node)), copy.deepcopy(node)):
        assert type(copied) is Node and copied.span == (2, 3) and copied == node


def test_class_patterns_match_by_position() -> None:
    match tree.Comparison(tree.Fact("units"), "<", tree.Const(5)):
        case tree.Comparison(tree.Fact(name), op, tree.Const(value)):
            assert (name, op, value) == ("units", "<", 5)
        case _:
            pytest.fail("no match")


def test_the_languages_nodes_are_frozen_classes() -> None:
    """Not dataclasses: the decorator cost every run 10-16 ms to create them (issue 27)."""
    nodes = [
        tree.Fact, tree.Const, tree.Arith, tree.Comparison, tree.Member, tree.Not,
        tree.AllOf, tree.AnyOf, tree.Matches, parse.Name, parse.Literal, parse.Op,
        parse.Compare, parse.In, parse.Match, parse.Negated, parse.Both, parse.Either,
    ]  # fmt: skip
    assert all(issubclass(n, Frozen) and not dataclasses.is_dataclass(n) for n in nodes)
