"""The checks behind the schema that pydantic's field types cannot say.

Shared by the pydantic models (checker.schema.models) and the validators compiled from them
(checker.schema.records), so both run the very same code. Nothing here imports pydantic: the
check path validates with pydantic-core alone and must not pay for importing it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from typing import Any, Protocol, TypeVar

from checker.core import dates
from checker.core.types import NUMBERS

# durable_rules compares and computes numbers as 64-bit integers or IEEE doubles, and
# converts between them: both are exact for every integer up to 2**53, no further
# (tests/engine/test_engine.py shows where each breaks). Every number a pack gives and every
# value a condition can compute must stay inside; so must the quota ledger.
ENGINE_EXACT = 2**53
# Floats reach the engine as JSON text, and Python writes those below 1e-4 with an
# exponent (1e-05), which durable_rules' parser refuses.
ENGINE_SMALLEST_FLOAT = 1e-4
# durable_rules walks its match network with a stack of 64 nodes and fails an assert
# (ERR_MAX_STACK_SIZE) when more are pending at once; after such failures it was seen
# to corrupt its heap. A ruleset holding at most 63 tests (comparisons), plus
# chipcheck's sentinel, can never have more pending: a pack's rules are split into as
# many rulesets as that takes, and one condition may hold at most 63 tests.
ENGINE_MAX_TESTS = 63
# A list of up to this many values is tested by the engine (`x == a or x == b ...`); a
# longer one (a catalog of certified chips) is looked up before the assert.
ENGINE_LIST_TESTS = 8
# durable_rules keeps a rule's nested `and`/`or` groups in an expression sequence of 32
# entries and refuses a ruleset past it (ERR_EXPRESSION_LIMIT_EXCEEDED): measured, 14
# groups below a condition's top build and 15 do not (tests/engine/test_engine.py).
ENGINE_MAX_GROUPS = 14

# GB 32100-2015: the 31-character alphabet and the weights of positions 1-17.
# How much a file may hold, for every reader of it: the models, the declared fields,
# the JSON Schemas, the facts' bounds and the strategies.
TEXT_MAX = 500  # characters of a text field (a name, a site, a declared text)
LONG_TEXT_MAX = 5000  # characters of free text (a purpose, a description)
ITEMS_MAX = 1000  # lines of an order, items of a declared list
ID_FORM = r"[A-Za-z0-9._-]{1,64}"  # an id: an order, a batch, a pack (models.Id)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Unicode category Cc (C0, DEL, C1) and Cs (lone surrogates, which JSON's \ud800 escape
# can produce but which are not characters and no UTF-8 file can hold).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_IN_FREE_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def uscc_check_digit(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _code_form(code: str, name: str, length: int, alphabet: str, allowed: str) -> None:
    """A code's length and characters, the first wrong one named (before its check digits)."""
    if len(code) != length:
        raise ValueError(f"{name} has {length} characters, this one has {len(code)}")
    for position, char in enumerate(code, start=1):
        if char not in alphabet:
            hint = " (use capital letters)" if char.upper() in alphabet else ""
            raise ValueError(f"character {char!r} at position {position} is not {allowed}{hint}")


def valid_uscc(code: str) -> str:
    _code_form(code, "a USCC", 18, USCC_ALPHABET, "in the USCC alphabet 0-9 A-H J-N P-R T U W-Y")
    expected = uscc_check_digit(code[:17])
    if code[17] != expected:
        raise ValueError(
            f"check digit is {code[17]!r} but the first 17 characters give {expected!r}: "
            "re-copy the code from the business licence"
        )
    return code


LEI_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# How a party is identified, in order of preference: a Chinese firm by its USCC, another
# by its Legal Entity Identifier, one with neither by the id its pack gives it.
PARTY_SCHEMES = ("uscc", "lei", "id")


def lei_check_digits(first18: str) -> str:
    """ISO 17442's two check digits (ISO 7064 MOD 97-10, letters read as 10 to 35)."""
    number = int("".join(str(LEI_ALPHABET.index(c)) for c in first18 + "00"))
    return f"{98 - number % 97:02d}"


def valid_lei(code: str) -> str:
    _code_form(code, "an LEI", 20, LEI_ALPHABET, "a digit or letter A-Z")
    expected = lei_check_digits(code[:18])
    if code[18:] != expected:
        raise ValueError(
            f"check digits are {code[18:]!r} but the first 18 characters give {expected!r}: "
            "re-copy the code from the GLEIF record"
        )
    return code


def code_scheme(text: str) -> str | None:
    """ "uscc" or "lei" if the text is a valid code of that scheme (check digits and all),
    else None: what an id may not be, since it would name a second party."""
    for scheme, valid in (("uscc", valid_uscc), ("lei", valid_lei)):
        try:
            valid(text)
        except ValueError:
            continue
        return scheme
    return None


class _Party(Protocol):
    uscc: str | None
    lei: str | None
    id: str | None


Q = TypeVar("Q", bound=_Party)


def party_scheme(party: _Party) -> str:
    """The scheme that identifies a party (it gives exactly one: see one_identifier)."""
    return "uscc" if party.uscc is not None else "lei" if party.lei is not None else "id"


def party_key(party: _Party) -> str:
    """The identifier that names a party, whichever its scheme: the three never collide
    (a USCC has 18 characters, an LEI 20, and an id has neither's form)."""
    return party.uscc or party.lei or party.id or ""


def one_identifier(party: Q) -> Q:
    """A party gives one identifier: its USCC where it has one, else its LEI, else its
    pack's own id, which may not have the form of either (it would name two parties)."""
    given = [s for s in PARTY_SCHEMES if getattr(party, s) is not None]
    if not given:
        raise ValueError(
            "give one identifier: uscc (a Chinese firm's Unified Social Credit Code), "
            "lei (a Legal Entity Identifier) or id (the rule pack's own id for a party "
            "with neither)"
        )
    if len(given) > 1:
        raise ValueError(
            f"give one identifier, not {' and '.join(given)}: the USCC where there is one, "
            "else the LEI, else the pack's own id"
        )
    if party.id is not None and (scheme := code_scheme(party.id)) is not None:
        raise ValueError(f"id {party.id} is a valid {scheme.upper()}: give it as {scheme}")
    return party


def _refuse(value: str, pattern: re.Pattern[str], allowed: str) -> str:
    found = pattern.search(value)
    if found is None:
        return value
    char = found.group()
    what = (
        "a lone surrogate (not a character)"
        if "\ud800" <= char <= "\udfff"
        else ("a control character")
    )
    raise ValueError(
        f"U+{ord(char):04X} at position {found.start() + 1} is {what}, which {allowed}: remove it"
    )


def plain_text(value: str) -> str:
    """Names, codes, models, sites: no control character (SPEC 1, v1.1)."""
    return value if value.isprintable() else _refuse(value, _CONTROL, "this field may not hold")


def free_text(value: str) -> str:
    """A purpose: line feeds and tabs allowed, no other control character."""
    return _refuse(value, _CONTROL_IN_FREE_TEXT, "only line feed and tab may be in a purpose")


def visible_length(text: str) -> int:
    """Code points after trimming, not counting invisible format characters (Unicode
    category Cf: U+200B zero-width space, U+00AD soft hyphen, bidi controls), so
    invisible padding cannot satisfy a minimum (SPEC 1, v1.1)."""
    if text.isprintable():  # no Cf (nor Cc, Cs, Zl, Zp) in it: the common case
        return len(text.strip())
    return len("".join(c for c in text if unicodedata.category(c) != "Cf").strip())


def iso_date(value: Any) -> Any:
    """Accept a date, or a quoted/JSON string in exactly YYYY-MM-DD form."""
    if isinstance(value, str):
        if not dates.shaped(value):
            raise ValueError(f"{value!r} is not a date: write YYYY-MM-DD")
        day = dates.calendar_date(value)
        if day is None:
            raise ValueError(f"{value} is not a real calendar date")
        return day
    return value


# Checks across the fields of one record, run after its fields are valid. Each takes
# the record (a model or a dataclass: only the attributes are read) and returns it.


class _Window(Protocol):
    @property
    def opens(self) -> dt.date: ...
    @property
    def closes(self) -> dt.date: ...


class _Standing(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def allocation(self) -> int | None: ...


class _Skip(Protocol):
    @property
    def skip_when(self) -> str | None: ...
    @property
    def skip_message(self) -> str | None: ...


W = TypeVar("W", bound=_Window)
S = TypeVar("S", bound=_Standing)
K = TypeVar("K", bound=_Skip)
P = TypeVar("P")


def batch_window(batch: W) -> W:
    if batch.closes < batch.opens:
        raise ValueError("closes is before opens")
    return batch


def standing_allocation(standing: S) -> S:
    if (standing.status == "approved") != (standing.allocation is not None):
        raise ValueError("an approved entity needs an allocation; a queued one has none")
    return standing


def pack_references(meta: P) -> P:
    """Rule ids listed once, parties listed once, every batch an entity names listed."""
    data: Any = meta
    if len(set(data.rules)) != len(data.rules):
        raise ValueError("rules lists an id twice")
    seen: set[str] = set()
    for entity in data.entities:
        key = party_key(entity)
        if key in seen:
            raise ValueError(f"{party_scheme(entity).upper()} {key} is listed twice")
        seen.add(key)
        for batch in entity.batches:
            if batch not in data.batches:
                raise ValueError(f"{entity.name} names batch {batch!r}, which is not listed")
    return meta


_FACT_KINDS = ("value", "present", "length", "days", "sum", "min", "max", "count", "all", "exists")
_OVER_KINDS = ("sum", "min", "max", "count", "all", "exists")


def declared_shape(declared: P) -> P:
    """`of` only for a list, `values` only for text, `min`/`max` only for numbers."""
    data: Any = declared
    if (data.type == "list") != (data.of is not None):
        raise ValueError("a list needs `of:` (the type of its items), and only a list has it")
    item = data.of or data.type
    if data.values is not None and item != "text":
        raise ValueError("`values:` lists the text allowed: use it with type text")
    if data.pattern is not None:
        if item != "text" or data.values is not None:
            raise ValueError("`pattern:` is the form of free text: use it with type text, "
                             "without `values:`")  # fmt: skip
        linear_pattern(data.pattern)
    if (data.min is not None or data.max is not None) and item not in NUMBERS:
        raise ValueError("`min:` and `max:` bound numbers: use them with integer or decimal")
    for name, bound in (("min", data.min), ("max", data.max)):
        if bound is None:
            continue
        if item == "integer" and type(bound) is not int:
            raise ValueError(f"an integer's `{name}:` is a whole number, not {bound!r}")
        if abs(bound) > ENGINE_EXACT:
            raise ValueError(
                f"`{name}: {bound!r}` is past {ENGINE_EXACT:,} (2^53), the largest number "
                "the engine compares exactly"
            )
    if data.min is not None and data.max is not None and data.max < data.min:
        raise ValueError("max is below min")
    return declared


def anchored(pattern: str) -> str:
    """A declared pattern as matched: the whole text, not a part of it."""
    return f"^(?:{pattern})$"


@functools.lru_cache(maxsize=256)
def _form(pattern: str) -> Any:
    """pydantic-core's validator of text of the whole form `pattern`, matched by Rust's
    regex engine (RE2 semantics) in time linear in the text; SchemaError if there is
    none (a backreference, look-around, a pattern that does not parse)."""
    from pydantic_core import SchemaValidator

    return SchemaValidator(
        {"type": "str", "pattern": anchored(pattern), "regex_engine": "rust-regex"}
    )


def has_form(pattern: str, text: str) -> bool:
    """Whether the whole of `text` has the form `pattern` (a linear_pattern)."""
    from pydantic_core import ValidationError

    try:
        _form(pattern).validate_python(text)
    except ValidationError:
        return False
    return True


def linear_pattern(pattern: str) -> None:
    """Raise ValueError unless `pattern` is a regular expression that Rust's regex engine
    (pydantic-core's, RE2 semantics) matches in time linear in the text: no
    backreferences, no look-around, so no pattern can take exponential time."""
    from pydantic_core import SchemaError

    try:
        _form(pattern)
    except SchemaError:
        raise ValueError(
            f"`pattern: {pattern}` is not a regular expression chipcheck can match in linear "
            "time: check its brackets and escapes, and leave out backreferences (\\1) and "
            "look-around ((?=, (?!, (?<=)"
        ) from None


def fact_shape(fact: P) -> P:
    """Exactly one kind; `where` and `over` only for kinds over items; `default` only
    where a value can be missing."""
    data: Any = fact
    kinds = [k for k in _FACT_KINDS if getattr(data, k) is not None]
    if len(kinds) != 1:
        listed = ", ".join(_FACT_KINDS)
        raise ValueError(f"a fact has exactly one of {listed}; this one has {len(kinds) or 'none'}")
    (kind,) = kinds
    if kind not in _OVER_KINDS and (data.where is not None or data.over != "lines"):
        raise ValueError(f"`where:` and `over:` select items for {', '.join(_OVER_KINDS)}")
    if data.default is not None and kind not in ("value", "days", "min", "max"):
        raise ValueError("`default:` is the value when there is none: for value, days, min, max")
    if data.at_least is not None and kind not in ("value", "days"):
        raise ValueError("`at_least:` floors a number: for value and days")
    return fact


def keyed_parameter(parameter: P) -> P:
    """`by` and `values` go together, on a single value (not a list)."""
    data: Any = parameter
    if (data.by is None) != (data.values is None):
        raise ValueError("by: (the fact that picks the value) and values: go together")
    if data.by is not None and isinstance(data.value, list):
        raise ValueError("a list parameter cannot take a value per key")
    return parameter


def rule_period(rule: P) -> P:
    data: Any = rule
    if data.effective_from and data.effective_until and data.effective_until < data.effective_from:
        raise ValueError("effective_until is before effective_from")
    return rule


def rule_skip(rule: K) -> K:
    if (rule.skip_when is None) != (rule.skip_message is None):
        raise ValueError("skip_when and skip_message go together")
    return rule


def waiver_scope(waiver: K) -> K:
    """A waiver covers orders named by id or selected by a condition: exactly one."""
    data: Any = waiver
    if (data.orders is None) == (data.when is None):
        raise ValueError("give the orders a waiver covers: either orders (a list of ids) or when")
    if data.created is not None and data.created > data.expires:
        raise ValueError("expires is before created")
    return waiver
