"""Pydantic models for orders and rule packs: the schema both kinds of file must meet.

Every model forbids unknown keys and uses strict types, so a typo or a quoted number is
an input error instead of a silent coercion.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic.config import JsonDict

from checker.schema.forms import (
    ENGINE_EXACT,
    ID_FORM,
    ITEMS_MAX,
    LONG_TEXT_MAX,
    TEXT_MAX,
    batch_window,
    declared_shape,
    fact_shape,
    free_text,
    iso_date,
    keyed_parameter,
    one_identifier,
    pack_references,
    plain_text,
    rule_period,
    rule_skip,
    standing_allocation,
    valid_lei,
    valid_uscc,
    waiver_scope,
)

# For the editor schema only (plain data: pydantic.WithJsonSchema would import the
# json_schema machinery on every run, about 50 ms of cold start).
USCC_SCHEMA = {
    "pattern": "^[0-9A-HJ-NP-RTUW-Y]{18}$",
    "description": "Unified Social Credit Code, GB 32100-2015 (check digit verified)",
}
Uscc = Annotated[str, AfterValidator(valid_uscc), Field(json_schema_extra=USCC_SCHEMA)]
LEI_SCHEMA = {
    "pattern": "^[0-9A-Z]{18}[0-9]{2}$",
    "description": "Legal Entity Identifier, ISO 17442 (check digits verified)",
}
Lei = Annotated[str, AfterValidator(valid_lei), Field(json_schema_extra=LEI_SCHEMA)]
# A party gives exactly one of uscc, lei and id (forms.one_identifier).
ONE_IDENTIFIER: JsonDict = {
    "oneOf": [{"required": ["uscc"]}, {"required": ["lei"]}, {"required": ["id"]}]
}
IsoDate = Annotated[dt.date, BeforeValidator(iso_date)]
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=TEXT_MAX), AfterValidator(plain_text)
]
LongText = Annotated[str, StringConstraints(max_length=LONG_TEXT_MAX), AfterValidator(free_text)]
# A condition: long enough for lists, and it may be folded over lines in YAML.
ConditionText = Annotated[
    str, StringConstraints(min_length=1, max_length=LONG_TEXT_MAX), AfterValidator(free_text)
]
Id = Annotated[str, StringConstraints(pattern=f"^{ID_FORM}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Buyer(Strict):
    model_config = ConfigDict(json_schema_extra=ONE_IDENTIFIER)

    name: Text
    uscc: Uscc | None = None
    lei: Lei | None = None
    id: Id | None = None

    _identifier = model_validator(mode="after")(one_identifier)


class Line(Strict):
    model: Text
    units: int = Field(gt=0, le=1_000_000_000)


class Justification(Strict):
    purpose: LongText | None = None
    site: Text | None = None
    needed_by: IsoDate | None = None
    utilization: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)


class Order(Strict):
    order_id: Id
    date: IsoDate
    buyer: Buyer
    batch: Id
    lines: list[Line] = Field(min_length=1, max_length=ITEMS_MAX)
    justification: Justification | None = None


# --- rule packs ---------------------------------------------------------------------

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
ParamName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


# A catalog model, a batch and an entity carry the attributes the pack declares
# (`attributes:`); those are validated against the declarations (checker.schema.declared),
# so here are only the keys every pack has.
class Chip(Strict):
    illustrative: bool = False


class Batch(Strict):
    opens: IsoDate
    closes: IsoDate
    illustrative: bool = False

    _window = model_validator(mode="after")(batch_window)


class Standing(Strict):
    status: Literal["approved", "queued"]
    allocation: int | None = Field(default=None, ge=0, le=ENGINE_EXACT)

    _allocation = model_validator(mode="after")(standing_allocation)


class Entity(Strict):
    model_config = ConfigDict(json_schema_extra=ONE_IDENTIFIER)

    name: Text
    aliases: list[Text] = []
    uscc: Uscc | None = None
    lei: Lei | None = None
    id: Id | None = None
    illustrative: bool = False
    batches: dict[Id, Standing]

    _identifier = model_validator(mode="after")(one_identifier)


Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
# a field of the order (`justification.purpose`) or an attribute of what it names
# (`batch.cap`, `entity.name`): see checker.pack.vocabulary
Path = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")]


Finite = Annotated[float, Field(allow_inf_nan=False)]


class Declared(Strict):
    """A field or attribute a pack declares: its type, and whether it must be given."""

    type: Literal["text", "integer", "decimal", "boolean", "date", "list"] = "text"
    of: Literal["text", "integer", "decimal", "boolean", "date"] | None = None  # a list's items
    values: list[Text] | None = Field(default=None, min_length=1)  # the only text allowed
    pattern: Text | None = None  # the form text must have, matched whole in linear time
    min: int | Finite | None = None
    max: int | Finite | None = None
    required: bool = False
    description: LongText | None = None

    _shape = model_validator(mode="after")(declared_shape)


class Attributes(Strict):
    catalog: dict[Name, Declared] = {}
    batches: dict[Name, Declared] = {}
    entities: dict[Name, Declared] = {}


class Fields(Strict):
    order: dict[Name, Declared] = {}
    buyer: dict[Name, Declared] = {}
    lines: dict[Name, Declared] = {}
    justification: dict[Name, Declared] = {}


class FactDecl(Strict):
    """A fact derived from the order by one of the kinds below."""

    description: LongText
    value: Path | None = None  # a field or attribute as it is
    present: Path | None = None  # whether it is given
    length: Path | None = None  # its length in visible code points
    days: list[Path] | None = Field(default=None, min_length=2, max_length=2)  # [from, to]
    sum: Name | None = None  # of a number over `over`
    min: Name | None = None
    max: Name | None = None
    count: Path | None = None  # items of a list: `lines`, or a list field
    all: ConditionText | None = None  # holds for every item of `over` that `where` selects
    exists: ConditionText | None = None
    over: Path = "lines"
    where: ConditionText | None = None  # which items of `over` count
    default: int | float | bool | str | None = None  # when the path is not given
    at_least: int | None = None  # a floor: days before an opening are never negative

    _shape = model_validator(mode="after")(fact_shape)


class LedgerDecl(Strict):
    """A cumulative total over the checked set: `<name>_used_before` and friends."""

    description: LongText
    key: list[Name]  # facts whose values share one total ([]: every order, one total)
    amount: Name  # the fact each order adds
    counts: ConditionText | None = None  # which orders add (default: all)
    # which counted orders only reserve their amount (drafts, orders awaiting approval):
    # the ledger view shows them apart from those that used it; both count to the limit
    reserved: ConditionText | None = None
    limit: Name | None = None  # gives <name>_remaining and <name>_remaining_after
    order: list[Name] = ["date", "order_id"]  # the order orders are taken in
    period: Literal["month", "quarter", "year"] | None = None  # totals start over


class CatalogList(Strict):
    """A list drawn from the catalog, so a message names reference data as the pack
    holds it: the `catalog` attribute (`id` for the model id) of each model `where`
    selects, each value once, in catalog order."""

    catalog: Name
    where: ConditionText | None = None


class PackMeta(Strict):
    name: Id
    version: Text
    title: Text
    description: LongText
    rules: list[RuleId] = Field(min_length=1)
    attributes: Attributes | None = None
    fields: Fields | None = None
    lists: dict[Name, list[Text] | CatalogList] = {}
    facts: dict[Name, FactDecl] = {}
    ledgers: dict[Name, LedgerDecl] = {}
    catalog: dict[Id, Chip] = Field(min_length=1)
    batches: dict[Id, Batch]
    entities: list[Entity]

    _references = model_validator(mode="after")(pack_references)


ParamItem = int | float | bool | str


class Parameter(Strict):
    value: ParamItem | list[ParamItem]  # with `by:`, the value for keys not in `values`
    illustrative: bool = False
    note: LongText | None = None
    by: Name | None = None  # a fact whose value picks the parameter's value
    values: (
        dict[Annotated[str, StringConstraints(min_length=1, max_length=TEXT_MAX)], ParamItem] | None
    ) = None

    _keyed = model_validator(mode="after")(keyed_parameter)


class Check(Strict):
    id: RuleId | None = None  # what an example's `check:` may name
    when: ConditionText
    message: Text
    fix: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")] | None = None


class Example(Strict):
    name: Text
    expect: Literal["pass", "fail", "skip"]
    # for expect: fail, the check that must fail: its id, or its number (1 is the first)
    check: Annotated[int, Field(ge=1)] | RuleId | None = None
    order: Order
    prior_orders: list[Order] = []


class Rule(Strict):
    id: RuleId
    title: Text
    status: Literal["reported", "proposed"]
    source: Text
    description: LongText
    parameters: dict[ParamName, Parameter] = {}
    # the order dates the rule applies to (inclusive); outside them it is `skip`
    effective_from: IsoDate | None = None
    effective_until: IsoDate | None = None
    skip_when: ConditionText | None = None
    skip_message: Text | None = None
    message: Text
    pass_message: Text
    checks: list[Check] = Field(min_length=1)
    examples: list[Example] = []

    _skip = model_validator(mode="after")(rule_skip)
    _period = model_validator(mode="after")(rule_period)


# --- waivers ------------------------------------------------------------------------


class Waiver(Strict):
    """An exception granted for a rule (or one check of it) on some orders, accountable:
    who owns it, who approved it, the approval's reference, and when it ends."""

    id: Id
    rule: RuleId
    check: Annotated[int, Field(ge=1)] | RuleId | None = None  # its id, or 1 for the first
    orders: list[Id] | None = Field(default=None, min_length=1, max_length=10_000)
    when: ConditionText | None = None  # a condition on the order's facts, as in a rule
    reason: Annotated[
        str, StringConstraints(min_length=1, max_length=LONG_TEXT_MAX), AfterValidator(free_text)
    ]
    owner: Text
    approved_by: Text
    reference: Text
    expires: IsoDate  # applies through the end of this day; no waiver lasts forever
    created: IsoDate | None = None

    _scope = model_validator(mode="after")(waiver_scope)


class Waivers(Strict):
    waivers: list[Waiver]
