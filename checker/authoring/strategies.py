"""Hypothesis strategies for orders, drawn from rule packs, for users' own property tests.

Values concentrate where verdicts change: allocations and caps +-1, the domestic share
exactly at each ratio +-1 unit, purposes one code point either side of each length
threshold, needed_by one day either side of each lead-time limit, dates on the batch
window's edges, names as registered, as aliases, case- and space-mangled, or as
look-alikes. Every boundary comes from the packs given (their reference data and the
numeric parameters of their rules), so a strategy follows a rule edit without change.

    from checker.authoring.strategies import orders
    @given(orders(pack))
    def test_my_rule(order: dict) -> None: ...

`witnesses(pack)` draws only orders the solver built, one failing each check.

Orders are plain documents (dicts as a YAML or JSON file would hold them, with
`datetime.date` dates), so they can be written to files with `to_yaml` or validated
with `checker.schema.validation.record(checker.schema.records.Order, order)`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from checker.core.types import NUMBERS
from checker.lang import tree
from checker.pack.rulepack import RulePack
from checker.schema.forms import (
    PARTY_SCHEMES,
    TEXT_MAX,
    lei_check_digits,
    party_key,
    party_scheme,
    uscc_check_digit,
)
from checker.source.documents import read_document

Document = dict[str, Any]

UNKNOWN_BATCH = "CN-UNKNOWN-BATCH"
UNKNOWN_MODEL = "nvidia-h200-pcie"
# Characters for generated text: ASCII, a CJK character and an accented letter, so
# lengths are counted in code points, not bytes.
_TEXT = "abcdefghijklmnopqrstuvwxyz 需要é"


_UNLISTED_LEI = "5299000UNLISTED001" + lei_check_digits("5299000UNLISTED001")


@dataclass(frozen=True)
class _Buyer:
    scheme: str  # how it is identified: uscc, lei or id
    key: str
    names: tuple[str, ...]  # every spelling a generated order may use
    allocations: tuple[int, ...]
    batches: tuple[str, ...] = ()  # where it has an allocation


@dataclass(frozen=True)
class _Space:
    """Everything the packs make interesting, merged."""

    buyers: tuple[_Buyer, ...]
    batches: dict[str, tuple[dt.date, dt.date]]
    windows: tuple[dt.date, ...]  # every batch's opening and closing day, in every pack
    controlled: tuple[str, ...]
    domestic: tuple[str, ...]
    other: tuple[str, ...]
    unit_edges: tuple[int, ...]
    caps: tuple[int, ...]
    ints: tuple[int, ...]
    shares: tuple[float, ...]
    examples: tuple[Document, ...]  # the packs' example orders, as their files hold them
    scenarios: tuple[tuple[Document, ...], ...]  # examples with prior orders, priors first
    fields: tuple[_Field, ...]  # the packs' declared order fields
    # the same, narrowed to what differs between the first two packs (for diff-rules)
    focus: _Space | None = None


def _spellings(name: str) -> tuple[str, ...]:
    """The name, variants that must still match, and one that must not."""
    lookalike = name.replace("a", "\u0430", 1)  # Cyrillic a
    return (name, name.upper(), f"  {'  '.join(name.split())} ", lookalike)


def _whole_numbers(attrs: Mapping[str, object]) -> list[int]:
    return [v for v in attrs.values() if type(v) is int and v > 0]


def _space(packs: Sequence[RulePack]) -> _Space:
    if not packs:
        raise ValueError("give at least one rule pack")
    buyers: dict[str, _Buyer] = {}
    batches: dict[str, tuple[dt.date, dt.date]] = {}
    controlled: set[str] = set()
    counted: set[str] = set()
    edges: set[int] = set()
    caps: set[int] = set()
    windows: set[dt.date] = set()
    catalog: dict[str, object] = {}
    ints: set[int] = set()
    shares: set[float] = set()
    for pack in packs:
        meta = pack.meta
        for batch_id, batch in meta.batches.items():
            batches.setdefault(batch_id, (batch.opens, batch.closes))
            windows.update((batch.opens, batch.closes))
            for cap in _whole_numbers(pack.attrs.get(("batches", batch_id), {})):
                edges.update((cap - 1, cap, cap + 1))
                caps.add(cap)
        # Lines of models a ledger adds up (the quota), of models other sums count (the
        # share), and of models no sum selects.
        vocabulary = pack.vocabulary
        amounts = {ledger.amount for ledger in vocabulary.ledgers}
        for name, models in vocabulary.selections.items():
            (controlled if name in amounts else counted).update(models)
        catalog.update(meta.catalog)
        for entity in meta.entities:
            allocations = tuple(s.allocation for s in entity.batches.values() if s.allocation)
            own = tuple(b for b, s in entity.batches.items() if s.allocation)
            names = tuple(s for n in (entity.name, *entity.aliases) for s in _spellings(n))
            key = party_key(entity)
            known = buyers.get(key)
            if known:
                names = tuple(dict.fromkeys(known.names + names))
                allocations = tuple(dict.fromkeys(known.allocations + allocations))
                own = tuple(dict.fromkeys(known.batches + own))
            buyers[key] = _Buyer(party_scheme(entity), key, names, allocations, own)
            edges.update(n for a in allocations for n in (a - 1, a, a + 1) if n > 0)
        for pack_rule in pack.rules:
            keyed = [v for k in pack_rule.keyed for v in k.spec.constants]
            for value in [*pack_rule.params.values(), *keyed]:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    continue
                if isinstance(value, int):
                    ints.update((value - 1, value, value + 1))
                elif 0 <= value <= 1:
                    shares.update(
                        round(min(1.0, max(0.0, value + d)), 6) for d in (-0.01, 0.0, 0.01)
                    )
                if isinstance(value, float) and value > 0:
                    shares.add(value)
    unknown = "9111000000000000" + "1"
    unknown += uscc_check_digit(unknown)
    buyers[unknown] = _Buyer("uscc", unknown, ("Unlisted Compute Co., Ltd.",), ())
    buyers[_UNLISTED_LEI] = _Buyer("lei", _UNLISTED_LEI, ("Unlisted Compute Pte. Ltd.",), ())
    scenarios = _scenarios(packs)
    examples = [scenario[-1] for scenario in scenarios]
    space = _Space(
        buyers=tuple(buyers.values()),
        batches=batches,
        windows=tuple(sorted(windows)),
        controlled=tuple(c for c in catalog if c in controlled),
        domestic=tuple(c for c in catalog if c in counted - controlled),
        other=tuple(c for c in catalog if c not in controlled | counted),
        unit_edges=tuple(sorted(edges)),
        caps=tuple(sorted(caps)),
        ints=tuple(sorted(i for i in ints if 0 <= i <= 400)),
        shares=tuple(sorted(shares | {0.0, 1.0})),
        examples=tuple(examples),
        scenarios=tuple(s for s in scenarios if len(s) > 1),
        fields=tuple(_fields(packs, examples)),
    )
    return _with_focus(space, packs)


def _with_focus(space: _Space, packs: Sequence[RulePack]) -> _Space:
    """`space` with a focus on the values where the first two packs differ: a single
    edit (an allocation cut, a new ratio, a moved window) flips orders only there."""
    if len(packs) < 2 or packs[0].sha256 == packs[1].sha256:
        return space
    one, two = _space(packs[:1]), _space(packs[1:2])

    def changed(a: tuple[Any, ...], b: tuple[Any, ...], merged: tuple[Any, ...]) -> Any:
        differ = tuple(sorted(set(a) ^ set(b)))
        return differ or merged

    buyers = (
        tuple(b for b in space.buyers if b not in one.buyers or b not in two.buyers) or space.buyers
    )
    focus = dataclasses.replace(
        space,
        buyers=buyers,
        windows=changed(one.windows, two.windows, space.windows),
        unit_edges=changed(one.unit_edges, two.unit_edges, space.unit_edges),
        ints=changed(one.ints, two.ints, space.ints),
        shares=changed(one.shares, two.shares, space.shares),
    )
    return dataclasses.replace(space, focus=focus)


def _focused(draw: st.DrawFn, space: _Space) -> _Space:
    """Half the time, the focus of a space that has one."""
    return space.focus if space.focus is not None and draw(st.booleans()) else space


def _scenarios(packs: Sequence[RulePack]) -> list[tuple[Document, ...]]:
    """Every example of the packs as data, its prior orders first: the rules' own
    passing and failing orders, which sit next to the boundaries their authors meant
    (a ledger's limit may be a product of parameters only its examples reach)."""
    found = []
    for pack in packs:
        for pack_rule in pack.rules:
            doc = read_document(Path(pack_rule.file))
            data = doc.data if not isinstance(doc, list) else {}
            for example in data.get("examples") or ():
                found.append((*(example.get("prior_orders") or ()), example["order"]))
    return found


# Strategies are built once per distinct argument: building one per draw made
# hypothesis spend most of its time validating new strategies.
@functools.cache
def _sample(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(values) if values else st.nothing()


@functools.cache
def _near(values: tuple[int, ...], low: int, high: int) -> st.SearchStrategy[int]:
    """Mostly the given boundary values, sometimes anything in [low, high]."""
    inside = tuple(v for v in values if low <= v <= high)
    return _sample(inside) | _integers(low, high) if inside else _integers(low, high)


@functools.cache
def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


_OFFSET = st.sampled_from([0, -1, 1])


def _date(draw: st.DrawFn, space: _Space, batch: str) -> dt.date:
    opens, closes = space.batches.get(batch, (dt.date(2026, 1, 28), dt.date(2026, 12, 31)))
    if draw(st.booleans()):
        return opens + dt.timedelta(draw(_integers(-30, (closes - opens).days + 30)))
    # this batch's edges, or any batch's in any pack (a window edit moves one)
    edges = (opens, closes, *space.windows)
    edge: dt.date = draw(_sample(edges))
    return edge + dt.timedelta(draw(_OFFSET))


@functools.cache
def _body(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=_TEXT, min_size=length, max_size=length)


def _text(draw: st.DrawFn, length: int) -> str:
    """Exactly `length` code points, no leading or trailing space."""
    if length <= 0:
        return ""
    body = draw(_body(length))
    return "x" + body[1:-1] + "y" if length > 1 else "x"


_SITES = st.sampled_from(["Ulanqab, Inner Mongolia", "   ", "贵安"])
_SHARE = st.floats(0, 1, width=32)


def _justification(draw: st.DrawFn, space: _Space, date: dt.date) -> Document | None:
    tenth = _integers(0, 9)
    if draw(tenth) == 0:
        return None
    out: Document = {}
    if draw(tenth):
        out["purpose"] = _text(draw, draw(_near(space.ints, 0, 120)))
    if draw(tenth):
        out["site"] = draw(_SITES)
    if draw(tenth):
        days = draw(_near((*space.ints, -1, 0, 1), -30, 400))
        out["needed_by"] = date + dt.timedelta(days)
    if draw(tenth):
        out["utilization"] = draw(_sample(_fractions(space.shares)) | _SHARE)
    return out


def _fractions(shares: tuple[float, ...]) -> tuple[float, ...]:
    """The shares a utilization can be (0 to 1; a ratio parameter may exceed 1)."""
    return tuple(s for s in shares if 0 <= s <= 1)


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (i < extra) for i in range(parts) if base + (i < extra) > 0]


def _lines(draw: st.DrawFn, space: _Space, controlled: int) -> list[Document]:
    lines: list[Document] = []
    one_or_two, few = _integers(1, 2), _integers(1, 500)
    if controlled and space.controlled:
        for units in _split(controlled, draw(one_or_two)):
            lines.append({"model": draw(_sample(space.controlled)), "units": units})
    share = draw(_sample(space.shares))
    domestic = max(0, math.ceil(controlled * share) + draw(_OFFSET))
    if draw(st.booleans()):
        domestic = draw(_integers(0, 3000))
    if domestic and space.domestic:
        for units in _split(domestic, draw(one_or_two)):
            lines.append({"model": draw(_sample(space.domestic)), "units": units})
    if space.other and draw(_integers(0, 4)) == 4:
        lines.append({"model": draw(_sample(space.other)), "units": draw(few)})
    if draw(_integers(0, 9)) == 9:
        lines.append({"model": UNKNOWN_MODEL, "units": draw(few)})
    if not lines:
        model = draw(_sample((*space.domestic, *space.other, UNKNOWN_MODEL)))
        lines.append({"model": model, "units": 1})
    return draw(st.permutations(lines)) if len(lines) > 1 else lines


def _order(
    draw: st.DrawFn,
    space: _Space,
    order_id: str,
    buyer: _Buyer | None = None,
    controlled: int | None = None,
) -> Document:
    buyer = buyer or draw(_sample(space.buyers))
    if buyer.batches and draw(_integers(0, 3)):  # mostly a batch it has an allocation in
        batch = draw(_sample(buyer.batches))
    else:
        batch = draw(_sample((*space.batches,) * 7 + (UNKNOWN_BATCH,)))
    date = _date(draw, space, batch)
    if controlled is None:
        # near this buyer's own allocations and the caps, where its quota flips
        own = tuple(
            n for a in (*buyer.allocations, *space.caps) for n in (a - 1, a, a + 1) if n > 0
        )
        mine = bool(own) and draw(st.booleans())
        edges = own if mine else space.unit_edges
        controlled = draw(_near(edges, 1, 10**6)) if draw(st.booleans()) else 0
    order: Document = {
        "order_id": order_id,
        "date": date,
        "buyer": {"name": draw(_sample(buyer.names)), buyer.scheme: buyer.key},
        "batch": batch,
        "lines": _lines(draw, space, controlled),
    }
    justification = _justification(draw, space, date)
    if justification is not None:
        order["justification"] = justification
    _declared(draw, space, order)
    return order


def _declared(draw: st.DrawFn, space: _Space, order: Document) -> None:
    """The pack's declared fields: every required one, each optional one half the
    time, with a value the examples use, one the declaration lists, or a boundary."""
    for field in space.fields:
        for target in _records_at(order, field.place):
            if not field.required and draw(st.booleans()):
                continue
            if field.kind == "date":
                days = draw(_near((*space.ints, -1, 0, 1), -30, 400))
                target[field.name] = (
                    order["date"] + dt.timedelta(days)
                    if draw(st.booleans())
                    else order["date"] - dt.timedelta(days)
                )
            elif field.pattern is not None and (not field.candidates or draw(st.booleans())):
                target[field.name] = draw(_of_form(field.pattern))
            else:
                target[field.name] = _plain(draw(_sample(field.candidates)))


@dataclass(frozen=True)
class _Field:
    """A declared order field and the values generated orders give it."""

    place: str  # order, buyer, lines or justification
    name: str
    required: bool
    kind: str
    candidates: tuple[Any, ...]  # hashable: a list's value as a tuple
    pattern: str | None = None  # text of a declared form, drawn from it when no value is


def _fields(packs: Sequence[RulePack], examples: Sequence[Document]) -> list[_Field]:
    found: dict[tuple[str, str], _Field] = {}
    for pack in packs:
        fields = pack.meta.fields
        if fields is None:
            continue
        for place in ("order", "buyer", "lines", "justification"):
            for name, d in getattr(fields, place).items():
                used = [v for e in examples for v in _values_at(e, place, name)]
                listed: list[Any] = list(d.values or ())
                if d.type == "boolean":
                    listed = [True, False]
                elif d.type in NUMBERS:
                    # its bounds, else small values: a required number with no example
                    # and no bounds still gets one (there was none to draw from)
                    listed = [v for v in (d.min, d.max) if v is not None] or (
                        [0, 1] if d.type == "integer" else [0.5, 1.5]
                    )
                elif d.type == "list":
                    listed = [[], list(d.values or ())[:1], list(d.values or ())]
                elif d.type == "text" and not listed:
                    listed = ["generated"]
                if d.pattern is not None:
                    listed = []  # "generated" is not of the form; valid values are drawn
                candidates = tuple(dict.fromkeys(map(_hashable, [*used, *listed])))
                if d.pattern is not None or d.values is not None:
                    candidates = tuple(filter(_accepted_by(d), candidates))
                form = d.pattern if d.type == "text" else None  # a list's items: candidates
                field = _Field(place, name, d.required, d.type, candidates, form)
                if (place, name) in found:  # declared by two packs: values valid in either
                    was = found[(place, name)]
                    field = dataclasses.replace(
                        field,
                        required=was.required and field.required,
                        candidates=tuple(dict.fromkeys([*was.candidates, *candidates])),
                        pattern=field.pattern or was.pattern,
                    )
                found[(place, name)] = field
    return list(found.values())


def _accepted_by(declared: Any) -> Callable[[Any], bool]:
    """Whether a declared field accepts a value (its form, the values it lists)."""
    from pydantic_core import SchemaValidator, ValidationError

    from checker.schema.declared import value_schema

    validator = SchemaValidator(value_schema(declared))

    def accepts(value: Any) -> bool:
        try:
            validator.validate_python(list(value) if isinstance(value, tuple) else value)
        except ValidationError:
            return False
        return True

    return accepts


@functools.lru_cache(maxsize=64)
def _of_form(pattern: str) -> st.SearchStrategy[str]:
    """Text of a declared form: drawn from the pattern (Python's reading of it), kept
    only where the checker's engine (Rust's regex) agrees and the text is plain."""
    from checker.schema.forms import has_form, plain_text

    def fits(text: str) -> bool:
        try:
            plain_text(text)
        except ValueError:
            return False
        return 0 < len(text) <= TEXT_MAX and has_form(pattern, text)

    return st.from_regex(pattern, fullmatch=True).filter(fits)


def _records_at(order: Document, place: str) -> list[Document]:
    """The mappings of an order document a declared field of `place` goes in."""
    records = {
        "order": [order],
        "buyer": [order.get("buyer")],
        "lines": order.get("lines") or [],
        "justification": [order.get("justification")],
    }[place]
    return [r for r in records if isinstance(r, dict)]


def _values_at(order: Document, place: str, name: str) -> list[Any]:
    return [r[name] for r in _records_at(order, place) if name in r]


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _variant(draw: st.DrawFn, space: _Space, order_id: str) -> Document:
    """An example order of the packs with one value moved onto a boundary: the other
    values stay as the example has them, so a flip of one threshold is not hidden by
    another check failing at the same time."""
    order: Document = copy.deepcopy(space.examples[draw(_integers(0, len(space.examples) - 1))])
    order["order_id"] = order_id
    _vary(draw, space, order)
    return order


def _scenario(draw: st.DrawFn, space: _Space) -> list[Document]:
    """An example with prior orders, as the set it is, one of its orders varied."""
    scenario = copy.deepcopy(list(space.scenarios[draw(_integers(0, len(space.scenarios) - 1))]))
    _vary(draw, space, scenario[draw(_integers(0, len(scenario) - 1))])
    return scenario


def _vary(draw: st.DrawFn, space: _Space, order: Document) -> None:
    """Move one value of `order` onto a boundary."""
    date = order["date"] if isinstance(order["date"], dt.date) else dt.date(2026, 2, 3)
    justification = order.get("justification")
    aspect = draw(_integers(0, 5))
    if aspect == 0:
        line = draw(_sample(tuple(range(len(order["lines"])))))
        order["lines"][line]["units"] = draw(_near(space.unit_edges + space.ints, 1, 10**6))
    elif aspect == 1 and space.windows:
        order["date"] = draw(_sample(space.windows)) + dt.timedelta(draw(_OFFSET))
    elif aspect == 2 and isinstance(justification, dict):
        days = draw(_near((*space.ints, -1, 0, 1), -30, 400))
        justification["needed_by"] = date + dt.timedelta(days)
    elif aspect == 3 and isinstance(justification, dict):
        justification["utilization"] = draw(_sample(_fractions(space.shares)))
    elif aspect == 4 and isinstance(justification, dict):
        justification["purpose"] = _text(draw, draw(_near(space.ints, 1, 400)))
    else:
        buyer = draw(_sample(space.buyers))
        order["buyer"] = {"name": draw(_sample(buyer.names)), buyer.scheme: buyer.key}


def orders(*packs: RulePack, order_id: str = "GEN-1") -> st.SearchStrategy[Document]:
    """One valid order document, its values at the packs' boundaries: drawn from the
    reference data, an example order with one value on a boundary, or (one in five) an
    order the solver built to fail one check (`witnesses`), so every check is reached."""
    space = _space(packs)
    drawn = st.composite(lambda draw: _order(draw, _focused(draw, space), order_id))()
    built = witnesses(*packs, order_id=order_id)
    if not space.examples:
        return st.one_of(drawn, drawn, drawn, built)
    varied = st.composite(lambda draw: _variant(draw, _focused(draw, space), order_id))()
    return st.one_of(drawn, drawn, drawn, varied, built)


_WITNESSES: dict[str, tuple[Document, ...]] = {}  # by pack digest: a pack is linted once


def _witness_orders(pack: RulePack) -> tuple[Document, ...]:
    found = _WITNESSES.get(pack.sha256)
    if found is None:
        from checker.judge.checking import Checker
        from checker.proof.lint import lint

        built = lint(Checker(pack, enforce_proposed=True))
        found = tuple(w.order for w in built.witnesses if not w.earlier)
        _WITNESSES[pack.sha256] = found
    return found


def witnesses(*packs: RulePack, order_id: str = "GEN-1") -> st.SearchStrategy[Document]:
    """For each check of each pack, an order the solver built that fails it (those that
    need no earlier orders): `chipcheck rules lint --witnesses` prints them. The solver
    runs when the strategy is first drawn from, once per pack."""

    def build() -> st.SearchStrategy[Document]:
        found = [w for pack in packs for w in _witness_orders(pack)]
        return st.sampled_from([{**copy.deepcopy(w), "order_id": order_id} for w in found])

    return st.deferred(build)


@st.composite
def _order_set(draw: st.DrawFn, space: _Space, max_size: int) -> list[Document]:
    if space.scenarios and draw(_integers(0, 3)) == 3:
        scenario = _scenario(draw, space)
        if len(scenario) <= max_size:
            return scenario
    size = draw(_integers(1, max_size))
    allocated = tuple(b for b in space.buyers if b.allocations)
    buyer = draw(_sample(allocated)) if allocated else None
    whole_batch = bool(space.caps) and draw(_integers(0, 3)) == 3
    shared: list[int] = []
    if buyer and size > 1:
        # Units adding up to one buyer's allocation +-1, or (spread over all allocated
        # buyers) to a batch cap +-1, across the set.
        edge = draw(_sample(space.caps if whole_batch else buyer.allocations))
        total = edge + draw(_OFFSET)
        cuts = sorted(draw(st.lists(_integers(0, total), min_size=size - 1, max_size=size - 1)))
        shared = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    # Sometimes one of them has no controlled units, after the quota is used up (or not).
    zero = draw(_integers(0, size - 1)) if draw(st.booleans()) else None
    if shared and zero is not None:
        shared[zero] = 0
    result = []
    for index in range(size):
        same = bool(shared) and draw(_integers(0, 3)) > 0
        who = (draw(_sample(allocated)) if whole_batch else buyer) if same else None
        units = shared[index] if same else None
        result.append(_order(draw, space, f"GEN-{index + 1}", who, units))
    return result


def order_sets(*packs: RulePack, max_size: int = 6) -> st.SearchStrategy[list[Document]]:
    """Orders with unique ids, often one buyer's, their units summing to its allocation
    +-1; one set in four is an example of the packs with prior orders, one value moved."""
    return _order_set(_space(packs), max_size)


@dataclass(frozen=True)
class Malformed:
    """An order file that must be reported as an error, and what is wrong with it."""

    text: bytes
    suffix: str
    defect: str


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[Document], None]:
    def apply(order: Document) -> None:
        target: Any = order
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


def _identify(**identifiers: str) -> Callable[[Document], None]:
    """The buyer identified by exactly these (none at all, if none is given)."""

    def apply(order: Document) -> None:
        buyer = order["buyer"]
        for scheme in PARTY_SCHEMES:
            buyer.pop(scheme, None)
        buyer.update(identifiers)

    return apply


def _drop(path: tuple[str | int, ...]) -> Callable[[Document], None]:
    def apply(order: Document) -> None:
        target: Any = order
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return apply


_DATA_DEFECTS: dict[str, Callable[[Document], None]] = {
    "order_id missing": _drop(("order_id",)),
    "date missing": _drop(("date",)),
    "buyer missing": _drop(("buyer",)),
    "buyer identifier missing": _identify(),
    "buyer with a USCC and an LEI": _identify(uscc="91110108000000001A", lei=_UNLISTED_LEI),
    "id in the form of a USCC": _identify(id="91110108000000001A"),
    "LEI wrong check digits": _identify(lei=_UNLISTED_LEI[:-2] + "00"),
    "LEI lower case": _identify(lei=_UNLISTED_LEI.lower()),
    "batch missing": _drop(("batch",)),
    "lines missing": _drop(("lines",)),
    "lines empty": _set(("lines",), []),
    "units missing": _drop(("lines", 0, "units")),
    "model missing": _drop(("lines", 0, "model")),
    "units quoted": _set(("lines", 0, "units"), "8000"),
    "units a float": _set(("lines", 0, "units"), 8000.0),
    "units a boolean": _set(("lines", 0, "units"), True),
    "units zero": _set(("lines", 0, "units"), 0),
    "units negative": _set(("lines", 0, "units"), -5),
    "units null": _set(("lines", 0, "units"), None),
    "unknown key (typo)": _set(("justfication",), {"purpose": "x"}),
    "unknown key in a line": _set(("lines", 0, "unit"), 5),
    "not a calendar date": _set(("date",), "2026-02-30"),
    "date in another format": _set(("date",), "03/02/2026"),
    "USCC wrong length": _set(("buyer", "uscc"), "91110108000000001"),
    "USCC lower case": _set(("buyer", "uscc"), "91110108000000001a"),
    "USCC wrong check digit": _set(("buyer", "uscc"), "91110108000000001B"),
    "order_id with a space": _set(("order_id",), "BD 2026"),
    "order_id empty": _set(("order_id",), ""),
    "utilization above 1": _set(("justification",), {"utilization": 1.5}),
    "utilization as text": _set(("justification",), {"utilization": "high"}),
    "buyer not a mapping": _set(("buyer",), "ByteDance"),
}

_TEXT_DEFECTS: dict[str, Callable[[str], str]] = {
    "duplicate key": lambda text: text + "batch: CN-H200-2026-B1\n",
    "anchor and alias": lambda text: "x-default: &d 1\n" + text,
    "custom tag": lambda text: text.replace("order_id:", "order_id: !custom", 1),
    "two documents": lambda text: text + "---\norder_id: SECOND\n",
    "not a mapping": lambda text: "- " + text.replace("\n", "\n  "),
    "tab indentation": lambda text: text.replace("\n  ", "\n\t", 1),
}


def to_yaml(order: Document) -> str:
    """A ready-to-save YAML order file (unquoted dates, keys in document order)."""
    return yaml.safe_dump(order, sort_keys=False, allow_unicode=True, width=100)


def to_json(order: Document) -> str:
    return json.dumps(order, indent=2, ensure_ascii=False, default=str) + "\n"


@st.composite
def _malformed(draw: st.DrawFn, space: _Space) -> Malformed:
    order = _order(draw, space, "BAD-1")
    kind = draw(st.sampled_from(["data", "text", "bytes"]))
    if kind == "data":
        defect = draw(st.sampled_from(sorted(_DATA_DEFECTS)))
        _DATA_DEFECTS[defect](order)
        suffix = draw(st.sampled_from([".yaml", ".json"]))
        text = to_json(order) if suffix == ".json" else to_yaml(order)
        return Malformed(text.encode(), suffix, defect)
    if kind == "text":
        defect = draw(st.sampled_from(sorted(_TEXT_DEFECTS)))
        return Malformed(_TEXT_DEFECTS[defect](to_yaml(order)).encode(), ".yaml", defect)
    raw = to_yaml(order).encode()
    cut = draw(st.integers(0, len(raw)))
    return Malformed(raw[:cut] + b"\xff\xfe" + raw[cut:], ".yaml", "bytes that are not UTF-8")


def malformed_documents(*packs: RulePack) -> st.SearchStrategy[Malformed]:
    """Order files with one defect each: a schema violation, a YAML hazard or bad bytes."""
    return _malformed(_space(packs))


@dataclass(frozen=True)
class PackEdit:
    """One number of a pack changed: `path` into the YAML of `file` (a rule's
    parameter value, a batch cap, an allocation), and its new value."""

    file: str
    path: tuple[str | int, ...]
    old: int | float
    new: int | float

    def apply(self, directory: Path) -> None:
        """Write the edit into the pack at `directory` (a copy: comments are dropped)."""
        target = directory / self.file
        data = yaml.safe_load(target.read_text(encoding="utf-8"))
        holder = data
        for key in self.path[:-1]:
            holder = holder[key]
        holder[self.path[-1]] = self.new
        target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")


def _numbers(pack: RulePack) -> list[tuple[str, tuple[str | int, ...], int | float]]:
    """Every number of the pack an edit may change, where a compliance officer would."""
    found: list[tuple[str, tuple[str | int, ...], int | float]] = []
    for r in pack.rules:
        for name, param in r.rule.parameters.items():
            value = param.value
            if isinstance(value, int | float) and not isinstance(value, bool):
                found.append((Path(r.file).name, ("parameters", name, "value"), value))
    for batch_id in pack.meta.batches:
        cap = pack.attrs.get(("batches", batch_id), {}).get("cap")
        if isinstance(cap, int) and not isinstance(cap, bool):
            found.append(("pack.yaml", ("batches", batch_id, "cap"), cap))
    for i, entity in enumerate(pack.meta.entities):
        for batch_id, standing in entity.batches.items():
            if standing.allocation is not None:
                path = ("entities", i, "batches", batch_id, "allocation")
                found.append(("pack.yaml", path, standing.allocation))
    return found


@st.composite
def _edit(
    draw: st.DrawFn, numbers: list[tuple[str, tuple[str | int, ...], int | float]]
) -> PackEdit:
    file, path, old = draw(st.sampled_from(numbers))
    if isinstance(old, int):
        tenth = max(1, old // 10)
        candidates: list[int | float] = [old + 1, old - 1, old + tenth, old - tenth, old + 1000]
    else:
        candidates = [round(old + 0.1, 4), round(old - 0.1, 4), old * 2 or 0.5]
    new = draw(st.sampled_from([c for c in dict.fromkeys(candidates) if c != old and c >= 0]))
    return PackEdit(file, path, old, new)


def pack_edits(pack: RulePack) -> st.SearchStrategy[PackEdit]:
    """Single edits of a pack's numbers (rule parameters, batch caps, allocations): a
    unit either way, a tenth either way, or a jump; for testing rule-edit analysis."""
    return _edit(_numbers(pack))


__all__ = [
    "Malformed",
    "PackEdit",
    "malformed_documents",
    "order_sets",
    "orders",
    "pack_edits",
    "to_json",
    "to_yaml",
    "witnesses",
]


# Facts an arithmetic comparison reads: a whole number and a decimal (a float, read as
# the decimal written).
ARITHMETIC_FACTS = {"n": int, "d": float}


def _decimals(places: int) -> st.SearchStrategy[float]:
    """Decimals as an order or a pack writes them: at most `places` decimal places."""
    return st.integers(-(10**9), 10**9).map(lambda units: float(f"{units / 10**places:.{places}f}"))


def _operands(depth: int) -> st.SearchStrategy[tree.Operand]:
    leaf = st.one_of(
        st.sampled_from([tree.Fact(name, None, kind) for name, kind in ARITHMETIC_FACTS.items()]),
        st.integers(-(10**6), 10**6).map(lambda v: tree.Const(v, None, int)),
        _decimals(3).map(lambda v: tree.Const(v, None, float)),
    )
    if depth == 0:
        return leaf
    inner = _operands(depth - 1)
    return st.one_of(
        leaf,
        st.builds(
            lambda op, left, right: tree.Arith(op, left, right, None, float),
            st.sampled_from("+-*"),
            inner,
            inner,
        ),
    )


def arithmetic_comparisons() -> st.SearchStrategy[tuple[tree.Comparison, dict[str, Any]]]:
    """A comparison of whole numbers and decimals under + - *, nested up to three deep,
    and the values of the facts it reads (ARITHMETIC_FACTS)."""
    comparison = st.builds(
        tree.Comparison,
        _operands(3),
        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
        _operands(3),
    )
    facts = st.fixed_dictionaries(
        {"n": st.integers(-(10**12), 10**12), "d": _decimals(4) | st.sampled_from([0.1, 0.5])}
    )
    return st.tuples(comparison, facts)
