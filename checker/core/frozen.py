"""Frozen value classes, as `@dataclass(frozen=True, slots=True)` makes them, made at
import for a fraction of the cost.

The condition language has 18 node classes. The dataclass decorator writes and compiles
each class's methods from source at import, ~0.5-0.9 ms a class: 10-16 ms of every run,
a tenth of a one-file check. Here `@frozen` makes each class again with one `type()`
call, its annotations as `__slots__`, and the methods, shared by all, read the fields
from the class. Typing is a dataclass's (PEP 681's `dataclass_transform`): the same
constructor, read-only fields, `field(default=..., compare=False, repr=False)`.
Equality, hashing and repr are a dataclass's too: fields with `compare=False` take no
part in equality or hash; instances of different classes are never equal.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, TypeVar, dataclass_transform

_MISSING: Any = object()


class _Field:
    __slots__ = ("compare", "default", "repr")

    def __init__(self, default: Any, compare: bool, repr: bool) -> None:
        self.default = default
        self.compare = compare
        self.repr = repr


def field(*, default: Any = _MISSING, compare: bool = True, repr: bool = True) -> Any:
    """A field's options, as `dataclasses.field` takes them (the ones nodes use)."""
    return _Field(default, compare, repr)


def _one(name: str) -> Callable[[Any], tuple[Any, ...]]:
    return lambda node: (getattr(node, name),)


class Frozen:
    """Base of a frozen value class, made by `@frozen`: the methods all such classes
    share, reading the fields from the class."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]]
    _defaults: ClassVar[dict[str, Any]]
    _shown: ClassVar[tuple[str, ...]]
    _key: ClassVar[Callable[[Any], tuple[Any, ...]]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        cls = type(self)
        fields = cls._fields
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__} takes {len(fields)} fields, {len(args)} given")
        put = object.__setattr__
        for name, value in zip(fields, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{cls.__name__} got two values for {name}")
            put(self, name, value)
        for name in fields[len(args) :]:
            value = kwargs.pop(name, _MISSING)
            if value is _MISSING:
                value = cls._defaults.get(name, _MISSING)
                if value is _MISSING:
                    raise TypeError(f"{cls.__name__} is missing its field {name}")
            put(self, name, value)
        if kwargs:
            raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(kwargs))}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: {type(self).__name__} is frozen")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        key = type(self)._key
        return bool(key(self) == key(other))

    def __hash__(self) -> int:
        return hash(type(self)._key(self))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self)._shown)
        return f"{type(self).__qualname__}({shown})"

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return type(self), tuple(getattr(self, name) for name in type(self)._fields)


F = TypeVar("F", bound=Frozen)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[F]) -> type[F]:
    """`cls` made again with its annotated fields as slots, as `@dataclass(frozen=True,
    slots=True)` does, but with no code to generate. A decorator, not a metaclass: an
    isinstance test against a class of another metaclass is 2.5 times slower, and
    judging an order makes hundreds."""
    namespace = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
    fields = tuple(namespace.get("__annotations__", {}))
    options = {f: namespace.pop(f, _MISSING) for f in fields}
    specs = {f: o if isinstance(o, _Field) else _Field(o, True, True) for f, o in options.items()}
    compared = tuple(f for f in fields if specs[f].compare)
    key: Callable[[Any], tuple[Any, ...]]
    if len(compared) > 1:  # a tuple of the compared fields, in C
        key = attrgetter(*compared)
    else:  # attrgetter of one name gives no tuple
        key = _one(compared[0]) if compared else (lambda _: ())
    namespace.update(
        __slots__=fields,
        __match_args__=fields,
        _fields=fields,
        _defaults={f: s.default for f, s in specs.items() if s.default is not _MISSING},
        _shown=tuple(f for f in fields if specs[f].repr),
        _key=key,
    )
    made: type[F] = type(cls.__name__, cls.__bases__, namespace)
    return made


def replace(node: F, /, **changes: Any) -> F:
    """A copy of `node` with some fields changed, as `dataclasses.replace` makes one."""
    cls = type(node)
    unknown = set(changes) - set(cls._fields)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    return cls(*(changes.get(f, getattr(node, f)) for f in cls._fields))
