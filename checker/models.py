"""Pydantic models for orders and rule packs: the schema both kinds of file must meet.

Every model forbids unknown keys and uses strict types, so a typo or a quoted number is
an input error instead of a silent coercion.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

# GB 32100-2015: the 31-character alphabet and the weights of positions 1-17.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def uscc_check_digit(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _valid_uscc(code: str) -> str:
    if len(code) != 18:
        raise ValueError(f"a USCC has 18 characters, this one has {len(code)}")
    for position, char in enumerate(code, start=1):
        if char not in USCC_ALPHABET:
            hint = " (use capital letters)" if char.upper() in USCC_ALPHABET else ""
            raise ValueError(
                f"character {char!r} at position {position} is not in the USCC alphabet "
                f"0-9 A-H J-N P-R T U W-Y{hint}"
            )
    expected = uscc_check_digit(code[:17])
    if code[17] != expected:
        raise ValueError(
            f"check digit is {code[17]!r} but the first 17 characters give {expected!r}: "
            "re-copy the code from the business licence"
        )
    return code


def _iso_date(value: Any) -> Any:
    """Accept a date, or a quoted/JSON string in exactly YYYY-MM-DD form."""
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(f"{value!r} is not a date: write YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} is not a real calendar date") from None
    return value


# For the editor schema only (plain data: pydantic.WithJsonSchema would import the
# json_schema machinery on every run, about 50 ms of cold start).
USCC_SCHEMA = {
    "pattern": "^[0-9A-HJ-NP-RTUW-Y]{18}$",
    "description": "Unified Social Credit Code, GB 32100-2015 (check digit verified)",
}
Uscc = Annotated[str, AfterValidator(_valid_uscc), Field(json_schema_extra=USCC_SCHEMA)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Buyer(Strict):
    name: Text
    uscc: Uscc


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
    lines: list[Line] = Field(min_length=1, max_length=1000)
    justification: Justification | None = None


# --- rule packs ---------------------------------------------------------------------

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
ParamName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class Chip(Strict):
    vendor: Text
    origin: Literal["domestic", "foreign"]
    controlled: bool


class Batch(Strict):
    opens: IsoDate
    closes: IsoDate
    cap: int = Field(gt=0)
    illustrative: bool = False

    @model_validator(mode="after")
    def _window(self) -> Batch:
        if self.closes < self.opens:
            raise ValueError("closes is before opens")
        return self


class Standing(Strict):
    status: Literal["approved", "queued"]
    allocation: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _allocation(self) -> Standing:
        if (self.status == "approved") != (self.allocation is not None):
            raise ValueError("an approved entity needs an allocation; a queued one has none")
        return self


class Entity(Strict):
    name: Text
    aliases: list[Text] = []
    uscc: Uscc
    illustrative: bool = False
    batches: dict[Id, Standing]


class PackMeta(Strict):
    name: Id
    version: Text
    title: Text
    description: LongText
    rules: list[RuleId] = Field(min_length=1)
    catalog: dict[Id, Chip] = Field(min_length=1)
    batches: dict[Id, Batch]
    entities: list[Entity]

    @model_validator(mode="after")
    def _references(self) -> PackMeta:
        if len(set(self.rules)) != len(self.rules):
            raise ValueError("rules lists an id twice")
        seen: set[str] = set()
        for entity in self.entities:
            if entity.uscc in seen:
                raise ValueError(f"USCC {entity.uscc} is listed twice")
            seen.add(entity.uscc)
            for batch in entity.batches:
                if batch not in self.batches:
                    raise ValueError(f"{entity.name} names batch {batch!r}, which is not listed")
        return self


class Parameter(Strict):
    value: int | float | bool | str
    illustrative: bool = False
    note: LongText | None = None


class Check(Strict):
    when: Text
    message: Text


class Example(Strict):
    name: Text
    expect: Literal["pass", "fail", "skip"]
    order: Order
    prior_orders: list[Order] = []


class Rule(Strict):
    id: RuleId
    title: Text
    status: Literal["reported", "proposed"]
    source: Text
    description: LongText
    parameters: dict[ParamName, Parameter] = {}
    skip_when: Text | None = None
    skip_message: Text | None = None
    message: Text
    pass_message: Text
    checks: list[Check] = Field(min_length=1)
    examples: list[Example] = []

    @model_validator(mode="after")
    def _skip(self) -> Rule:
        if (self.skip_when is None) != (self.skip_message is None):
            raise ValueError("skip_when and skip_message go together")
        return self
