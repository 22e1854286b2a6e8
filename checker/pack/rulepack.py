"""Loading a rule pack directory: reference data, rules, conditions and templates.

A pack is `pack.yaml` (name, version, catalog, batches, entities) plus one
`<rule-id>.yaml` per rule. Everything is checked before any order is: unknown keys,
duplicate ids, conditions naming facts that do not exist, templates naming values that
do not exist. Any of these makes the whole pack invalid, reported with file:line.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import NamedTuple

from checker.core.dates import Date
from checker.core.problems import Problem
from checker.core.suggestions import did_you_mean
from checker.lang import normalise, tree
from checker.lang.check import condition as checked_condition
from checker.lang.normalise import conjuncts
from checker.lang.templates import Template, TemplateError
from checker.lang.templates import parse as parse_template
from checker.lang.tree import (
    AnyOf,
    Comparison,
    Condition,
    Const,
    ExpressionError,
    Fact,
    ParamValue,
    names,
)
from checker.pack import cache
from checker.pack.cache import sha256
from checker.pack.soundness import (
    GAP_NAMES,
    RESERVED,
    Fix,
    condition_problems,
    find_fix,
    fix_types,
    literals_outside,
    never_holds,
    number_problem,
    template_problems,
)
from checker.pack.vocabulary import FactSpec, KeyedParam, Vocabulary, order_places
from checker.pack.vocabulary import build as build_vocabulary
from checker.schema.declared import (
    EXAMPLE_ORDERS,
    NO_PLACES,
    REFERENCE_PLACES,
    Extras,
    Places,
    validate_declared,
)
from checker.schema.records import Attributes, PackMeta, Rule
from checker.source.documents import Document, Loc, read_document

_DIGIT_GROUPS = re.compile(r"[0-9]+(?:_[0-9]+)+(?:\.[0-9]+)?")  # 400_000: text in YAML
PACK_FILE = "pack.yaml"
BUNDLED = Path(__file__).parent.parent / "rules"
DEFAULT_PACK = BUNDLED / "cn-h200-2026"
_DATE = Fact("date", None, Date)  # the order date, as a check of a rule's period reads it


def bundled_names() -> list[str]:
    return sorted(p.parent.name for p in BUNDLED.glob(f"*/{PACK_FILE}"))


def resolve(directory: Path) -> Path:
    """`directory`, or the bundled pack of that name when no such path exists: after
    `pip install`, `--rules us-bis-h200-2026` names the installed copy. A path that
    exists always wins, so a pack of one's own is never shadowed."""
    if directory.exists() or len(directory.parts) != 1:
        return directory
    bundled = BUNDLED / directory.name
    return bundled if (bundled / PACK_FILE).is_file() else directory


class CompiledCheck(NamedTuple):
    condition: Condition
    message: Template  # parameters bound; fills facts and the fix values
    fix: Fix | None  # what {value}, {limit}, {target} and {gap} are about
    judged: str  # the fact whose field a failing result points at


class PackRule(NamedTuple):
    """A rule with its conditions parsed, ready for compiling and explaining."""

    rule: Rule
    file: str
    params: dict[str, ParamValue]
    skip: Condition | None
    period: Condition | None  # holds for orders dated outside effective_from..until
    checks: tuple[CompiledCheck, ...]
    facts: tuple[str, ...]  # facts the rule reads or shows, for the report
    message: Template  # templates with the parameters bound: they fill facts only
    pass_message: Template
    skip_message: Template | None
    period_message: Template | None
    extras: Extras  # the declared fields of its example orders, by location in the file
    keyed: tuple[KeyedParam, ...]  # its parameters with a value per key


class RulePack(NamedTuple):
    name: str
    version: str
    sha256: str
    directory: Path
    meta: PackMeta
    rules: tuple[PackRule, ...]
    warnings: tuple[Problem, ...]
    files: tuple[Path, ...]  # the YAML files hashed into sha256
    vocabulary: Vocabulary
    attrs: Extras  # the declared attributes of the reference data, by location
    order_places: Places  # where an order may hold the pack's declared fields

    def rule(self, rule_id: str) -> PackRule | None:
        return next((r for r in self.rules if r.rule.id == rule_id), None)


def rule_files(directory: Path) -> tuple[list[Path], list[Problem]]:
    """The pack's YAML files (`*.yaml`, `*.yml`, any letter case), read as an orders
    directory is: every such entry is a regular file (a link to one counts) or a
    problem naming it, never skipped and never opened when it could block (a FIFO);
    two files for one rule (`licensed.yml` beside `licensed.yaml`) are a problem."""
    files: list[Path] = []
    problems: list[Problem] = []
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        return [], [Problem(directory.as_posix(), None, None, f"cannot list: {exc.strerror}")]
    for entry in entries:
        path = directory / entry.name
        if not entry.name.lower().endswith((".yaml", ".yml")):
            continue
        try:
            if entry.is_file():  # follows a link; false for a dangling one
                files.append(path)
                continue
            why = "a directory" if entry.is_dir() else "not a regular file"
            if entry.is_symlink() and not path.exists():
                why = f"a dangling symbolic link to {path.readlink().as_posix()}"
        except OSError as exc:
            why = "a symbolic link loop" if exc.errno == errno.ELOOP else str(exc.strerror)
        problems.append(
            Problem(
                path.as_posix(),
                None,
                None,
                f"{why}: a rule file must be a regular file; rename or remove it",
            )
        )
    stems: dict[str, list[Path]] = {}
    for path in files:
        stems.setdefault(path.stem.lower(), []).append(path)
    for twins in stems.values():
        if len(twins) > 1:
            names = " and ".join(p.name for p in twins)
            problems.append(
                Problem(
                    twins[-1].as_posix(),
                    None,
                    None,
                    f"{names} are two files for one rule: keep one",
                )
            )
    return files, problems


def load_pack(directory: Path, *, cached: bool = True) -> RulePack | list[Problem]:
    """Load and check a pack; on any problem return all of them and no pack. `cached`:
    read and write the pack cache (checker.pack.cache); not for a pack in a scratch
    directory, whose name no later run asks for again."""
    where = directory.as_posix()
    if not (directory / PACK_FILE).is_file():
        return [
            Problem(
                where,
                None,
                None,
                f"not a rule pack: {PACK_FILE} is missing (a pack is {PACK_FILE} "
                "plus one <rule-id>.yaml per rule; bundled packs, by name: "
                f"{', '.join(bundled_names())})",
            )
        ]
    files, problems = rule_files(directory)
    if problems:
        return problems
    digest = sha256()
    for path in files:
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError as exc:
            problems.append(Problem(path.as_posix(), None, None, f"cannot read: {exc.strerror}"))
    if problems:
        return problems
    entry = cache.key(directory, digest.hexdigest()) if cached else None
    if entry is not None and (kept := _cached(entry, digest.hexdigest())) is not None:
        return kept
    # A broken pack.yaml does not hide the rule files' problems: all are reported.
    loaded_meta = _load_meta(directory / PACK_FILE, problems)
    meta_doc, meta, attrs, vocabulary = loaded_meta if loaded_meta else (None, None, {}, None)
    places = Places(order_places(meta)) if meta else NO_PLACES
    rules: dict[str, PackRule] = {}
    warnings: list[Problem] = []
    for path in files:
        if path.name == PACK_FILE:
            continue
        loaded = _load_rule(path, problems, warnings, vocabulary, places)
        if loaded is None:
            continue
        if meta is not None and loaded.rule.id not in meta.rules:
            problems.append(
                Problem(
                    loaded.file,
                    None,
                    None,
                    f"rule {loaded.rule.id!r} is not listed under rules: in {PACK_FILE}: "
                    "list it or remove the file",
                )
            )
        rules[loaded.rule.id] = loaded
    if meta is None:
        return _one_cause(problems, directory / PACK_FILE)
    if vocabulary is None:
        return problems
    for rule_id in meta.rules:
        if rule_id not in rules and not (directory / f"{rule_id}.yaml").exists():
            problems.append(
                Problem(
                    (directory / PACK_FILE).as_posix(),
                    None,
                    None,
                    f"rule {rule_id!r} is listed but {rule_id}.yaml does not exist",
                )
            )
    if problems:
        return problems
    assert meta_doc is not None
    ordered = tuple(rules[rule_id] for rule_id in meta.rules)
    pack = RulePack(
        meta.name,
        meta.version,
        digest.hexdigest(),
        directory,
        meta,
        ordered,
        tuple(warnings),
        tuple(files),
        _with_keyed(vocabulary, ordered),
        attrs,
        places,
    )
    # the vocabulary holds functions: it is built again from pack.yaml (~2 ms)
    if entry is not None:
        fields = {name: value for name, value in pack._asdict().items() if name != "vocabulary"}
        cache.store(entry, (meta_doc, fields))
    return pack


_KEPT = tuple(name for name in RulePack._fields if name != "vocabulary")


def _with_keyed(vocabulary: Vocabulary, rules: tuple[PackRule, ...]) -> Vocabulary:
    """The rules' keyed parameters are facts the checker looks up per order."""
    keyed = tuple(k for r in rules for k in r.keyed)
    if not keyed:
        return vocabulary
    return vocabulary._replace(
        facts={**vocabulary.facts, **{k.fact: k.spec for k in keyed}},
        locators={**vocabulary.locators, **{k.fact: vocabulary.locators[k.by] for k in keyed}},
        keyed=keyed,
    )


def _cached(entry: str, digest: str) -> RulePack | None:
    """The pack kept under `entry`, its vocabulary built again, if it is the pack asked
    for (checker.pack.cache has checked the entry's own digest)."""
    kept = cache.load(entry)
    if not (isinstance(kept, tuple) and len(kept) == 2):
        return None
    meta_doc, fields = kept
    if not (isinstance(meta_doc, Document) and isinstance(fields, dict)):
        return None
    if set(fields) != set(_KEPT) or fields["sha256"] != digest:
        return None
    vocabulary = build_vocabulary(meta_doc, fields["meta"], fields["attrs"])
    if isinstance(vocabulary, list):
        return None
    return RulePack(**fields, vocabulary=_with_keyed(vocabulary, fields["rules"]))


def _one_cause(problems: list[Problem], meta: Path) -> list[Problem]:
    """With pack.yaml broken, the fields it declares are unknown, so every example order
    that gives one is "unknown key" too: those follow from pack.yaml's errors and are
    summed up in one line, so the mistake that matters is not lost among them."""
    follow = [
        p for p in problems if p.message.startswith("unknown key ") and " at examples[" in p.message
    ]
    if not follow:
        return problems
    kept = [p for p in problems if p not in follow]
    files = len({p.file for p in follow})
    kept.append(
        Problem(
            meta.as_posix(),
            None,
            None,
            f"{len(follow)} unknown keys in the example orders of {files} rule file(s) follow "
            f"from this file's errors and are not listed (they are fields {PACK_FILE} "
            f"declares, unknown until it loads): fix {PACK_FILE} first",
        )
    )
    return kept


def _load_meta(
    path: Path, problems: list[Problem]
) -> tuple[Document, PackMeta, Extras, Vocabulary] | None:
    """pack.yaml: its document, its reference data with their declared attributes, and
    the vocabulary its declarations make."""
    doc = read_document(path)
    if isinstance(doc, list):
        problems.extend(doc)
        return None
    found = validate_declared(PackMeta, doc, attribute_places(doc))
    if isinstance(found, list):
        problems.extend(found)
        return None
    meta, attrs = found
    vocabulary = build_vocabulary(doc, meta, attrs)
    if isinstance(vocabulary, list):
        problems.extend(vocabulary)
        return None
    return doc, meta, attrs, vocabulary


def attribute_places(doc: Document) -> Places:
    """Where pack.yaml holds declared attributes, from its `attributes:` (if that is
    invalid, validating pack.yaml says so, and no attribute is taken out)."""
    from pydantic_core import ValidationError

    from checker.schema.validation import record

    data = doc.data if isinstance(doc.data, dict) else {}
    try:
        attributes = record(Attributes, data.get("attributes") or {})
    except ValidationError:
        return NO_PLACES
    return Places(
        {pattern: dict(getattr(attributes, place)) for place, pattern in REFERENCE_PLACES.items()}
    )


def _authoring_warnings(
    doc: Document,
    rule: Rule,
    conditions: list[tuple[Loc, Condition]],
    used: set[str],
    vocabulary: Vocabulary,
) -> list[Problem]:
    """What a pack author should look at, though the pack judges as written: a check
    that can never fail, a literal no reference data has, a parameter nothing uses."""
    found = []
    for loc, condition in conditions:
        if why := never_holds(condition, vocabulary.facts):
            found.append(doc.problem(loc, f"in {loc[-1]}: this can never hold: {why}"))
        found += [
            doc.problem(loc, f"in {loc[-1]}: {m}")
            for m in literals_outside(condition, vocabulary.references)
        ]
    for name in rule.parameters:
        if name not in used:
            found.append(
                doc.problem(
                    ("parameters", name),
                    f"parameter {name!r} is used by no condition or message: use or remove it",
                    key=True,
                )
            )
    return found


def _load_rule(
    path: Path,
    problems: list[Problem],
    warnings: list[Problem],
    vocabulary: Vocabulary | None,
    places: Places,
) -> PackRule | None:
    doc = read_document(path)
    if isinstance(doc, list):
        problems.extend(doc)
        return None
    found = validate_declared(Rule, doc, places.under(EXAMPLE_ORDERS))
    if isinstance(found, list):
        problems.extend(found)
        return None
    rule, extras = found
    if vocabulary is None:  # pack.yaml is broken: its problems are reported
        return None
    facts = vocabulary.facts
    before = len(problems)
    if path.stem != rule.id:
        twin = path.with_name(f"{rule.id}{path.suffix}")
        message = (
            f"duplicate rule id {rule.id!r}: {twin.name} defines it"
            if twin.exists()
            else f"rule id {rule.id!r} differs from the file name {path.name}: rename one"
        )
        problems.append(doc.problem(("id",), message))
    params: dict[str, ParamValue] = {
        name: tuple(p.value) if isinstance(p.value, list) else p.value
        for name, p in rule.parameters.items()
    }
    keyed = _keyed_parameters(doc, rule, vocabulary, problems)
    for name, value in params.items():
        if name in vocabulary.lists:
            problems.append(
                doc.problem(
                    ("parameters", name),
                    f"parameter {name!r} shadows a list of the pack: rename it",
                    key=True,
                )
            )
        elif name in facts:
            problems.append(
                doc.problem(
                    ("parameters", name), f"parameter {name!r} shadows a fact: rename it", key=True
                )
            )
        elif name in RESERVED:
            problems.append(
                doc.problem(
                    ("parameters", name),
                    f"parameter name {name!r} is reserved for a check message's fix values "
                    f"({', '.join(RESERVED)}): rename it",
                    key=True,
                )
            )
        for item in value if isinstance(value, tuple) else (value,):
            if bad := number_problem(item):
                problems.append(
                    doc.problem(("parameters", name, "value"), f"parameter {name}: {bad}")
                )
            elif (
                isinstance(item, str)
                and _DIGIT_GROUPS.fullmatch(item)
                and doc.source_char(("parameters", name, "value")) not in ("'", '"')
            ):  # unquoted: meant as a number (quoted, it is text on purpose)
                problems.append(
                    doc.problem(
                        ("parameters", name, "value"),
                        f"parameter {name}: {item} is text, not a number: YAML has no "
                        f"digit groups (conditions do); write {item.replace('_', '')}",
                    )
                )
    rename = {name: k.fact for name, k in keyed.items()}
    for name in keyed:  # a keyed parameter is a fact of its own, looked up per order
        del params[name]
    facts = {**facts, **{k.fact: k.spec for k in keyed.values()}}
    scope = vocabulary._replace(facts=facts)
    # what a condition reads as facts (keyed parameters too), and what a template names
    readable = {**vocabulary.types(), **{name: k.spec.type for name, k in keyed.items()}}
    names_given = {**vocabulary.lists, **params}  # what a condition may name besides facts
    # a message may name them too (a list drawn from the catalog, as the pack holds it)
    types = {**readable, **{name: type(value) for name, value in names_given.items()}}
    used: set[str] = set()  # parameters named by a condition or a message
    scoped = (readable, facts, rename)
    skip = _condition(doc, ("skip_when",), rule.skip_when, names_given, scoped, problems, used)
    checks = []
    shown: list[str] = []
    for index, check in enumerate(rule.checks):
        loc = ("checks", index)
        condition = _condition(doc, (*loc, "when"), check.when, names_given, scoped, problems, used)
        if condition is None:
            continue
        chosen = find_fix(condition, check.fix, facts)
        fix = chosen if isinstance(chosen, Fix) else None
        # without a fix, the fix values are reported below with the reason
        extra: dict[str, type] = fix_types(fix, facts) if fix else dict.fromkeys(RESERVED, float)
        template = _template(doc, (*loc, "message"), check.message, {**types, **extra}, problems)
        if template is None:
            continue
        uses = [f for f in template.fields if f in RESERVED]
        if fix is None and (check.fix or uses):
            where, what = ((*loc, "fix"), "") if check.fix else ((*loc, "message"), uses[0])
            lead = f"message names {{{what}}}: " if what else ""
            problems.append(doc.problem(where, f"{lead}{chosen}"))
            continue
        if fix is not None and any(f in GAP_NAMES for f in uses) and fix.no_number:
            problems.append(
                doc.problem((*loc, "message"), f"{{gap}} and {{target}}: {fix.no_number}")
            )
            continue
        template = template.renamed(rename)
        shown += template.fields
        judged = fix.fact if fix else names(conjuncts(condition)[-1])[0]
        checks.append(CompiledCheck(condition, template.bind(names_given), fix, judged))
    templates: dict[str, Template | None] = {}
    for key in ("message", "pass_message", "skip_message"):
        text = getattr(rule, key)
        template = _template(doc, (key,), text, types, problems) if text else None
        template = template.renamed(rename) if template else None
        templates[key] = template.bind(names_given) if template else None
        shown += template.fields if template else ()
    problems += _check_references(doc, rule)
    if len(problems) > before:
        return None
    kinds = {e.expect for e in rule.examples}
    if not {"pass", "fail"} <= kinds:
        warnings.append(
            doc.problem(
                ("examples",), "rule has no pass or no fail example: add both, they are its tests"
            )
        )
    located: list[tuple[Loc, Condition]] = [(("skip_when",), skip)] if skip else []
    located += [(("checks", i, "when"), c.condition) for i, c in enumerate(checks)]
    used.update(shown)
    used.update(name for name, k in keyed.items() if k.fact in used)
    warnings += _authoring_warnings(doc, rule, located, used, scope)
    period, period_message = _period(rule)
    conditions = [c for c in (period, skip) if c] + [c.condition for c in checks]
    read = [name for condition in conditions for name in tree.names(condition)]
    shown_facts = tuple(dict.fromkeys(n for n in read + shown if n in facts))
    message_template, pass_template = templates["message"], templates["pass_message"]
    assert message_template and pass_template  # the model requires both
    return PackRule(
        rule,
        doc.file,
        params,
        skip,
        period,
        tuple(checks),
        shown_facts,
        message_template,
        pass_template,
        templates["skip_message"],
        period_message,
        extras,
        tuple(keyed.values()),
    )


def _keyed_parameters(
    doc: Document, rule: Rule, vocabulary: Vocabulary, problems: list[Problem]
) -> dict[str, KeyedParam]:
    """The rule's parameters with a value per key (`by:` and `values:`), checked: the
    key is a fact of the order, every key listed is one its reference data knows (a
    misspelt batch would never apply), every value of the parameter's type."""
    found: dict[str, KeyedParam] = {}
    for name, parameter in rule.parameters.items():
        if parameter.by is None or parameter.values is None:
            continue
        at: Loc = ("parameters", name)
        before = len(problems)
        spec = vocabulary.facts.get(parameter.by)
        if spec is None or parameter.by in vocabulary.ledger_facts():
            hint = did_you_mean(parameter.by, vocabulary.facts)
            problems.append(
                doc.problem((*at, "by"), f"by: {parameter.by!r} is not a fact of the order{hint}")
            )
            continue
        if spec.type is not str:
            problems.append(
                doc.problem((*at, "by"), f"by: {parameter.by} is not text: key by a text fact")
            )
            continue
        known = vocabulary.references.get(parameter.by)
        default = parameter.value
        assert not isinstance(default, list)  # checker.schema.forms.keyed_parameter
        wanted = (
            float
            if any(type(v) is float for v in (default, *parameter.values.values()))
            else type(default)
        )
        values: dict[object, object] = {}
        for key, value in parameter.values.items():
            where = (*at, "values", key)
            if known is not None and key not in known:
                hint = did_you_mean(key, known, " (did you mean {!r}?)")
                problems.append(
                    doc.problem(
                        where,
                        f"{key!r} is no {parameter.by} in the pack's reference data{hint}",
                        key=True,
                    )
                )
            if not (type(value) is wanted or (wanted is float and type(value) is int)):
                problems.append(
                    doc.problem(where, f"{value!r} is not of the type of value: {default!r}")
                )
            elif bad := number_problem(value):
                problems.append(doc.problem(where, f"parameter {name}: {bad}"))
            else:
                values[key] = float(value) if wanted is float else value
        if len(problems) > before:
            continue
        default = float(default) if wanted is float else default
        every = tuple(dict.fromkeys((default, *values.values())))
        numbers = [abs(v) for v in every if isinstance(v, int | float) and not isinstance(v, bool)]
        fact_spec = FactSpec(
            wanted,
            f"parameter {name} of {rule.id} for the order's {parameter.by}",
            bound=int(max(numbers)) + 1 if numbers else 0,
            choices=tuple(str(v) for v in every) if wanted is str else (),
            constants=every,
        )
        found[name] = KeyedParam(f"{name}@{rule.id}", parameter.by, values, default, fact_spec)
    return found


def _period(rule: Rule) -> tuple[Condition | None, Template | None]:
    """The condition that an order is dated outside the rule's effective period (ISO
    dates compare as text, and the engine compares text), and its skip message."""
    start, end = rule.effective_from, rule.effective_until
    outside: list[Condition] = []
    if start:
        outside.append(Comparison(_DATE, "<", Const(start.isoformat(), None, Date)))
    if end:
        outside.append(Comparison(_DATE, ">", Const(end.isoformat(), None, Date)))
    if not outside:
        return None, None
    span = (
        f"from {start} to {end}"
        if start and end
        else f"from {start} on"
        if start
        else f"until {end}"
    )
    message = parse_template(f"not in effect on {{date}}: the rule applies to orders dated {span}")
    return (outside[0] if len(outside) == 1 else AnyOf(tuple(outside))), message


def check_index(rule: Rule, named: int | str) -> int | None:
    """The 0-based index of the check an example names (by number or id), if any."""
    if isinstance(named, int):
        return named - 1 if named <= len(rule.checks) else None
    return next((i for i, c in enumerate(rule.checks) if c.id == named), None)


def _check_references(doc: Document, rule: Rule) -> list[Problem]:
    """Check ids are unique; an example's `check:` names one, and only with expect: fail."""
    problems = []
    ids = [c.id for c in rule.checks if c.id]
    for index, check in enumerate(rule.checks):
        if check.id and ids.count(check.id) > 1:
            problems.append(
                doc.problem(("checks", index, "id"), f"check id {check.id!r} is used twice")
            )
    for index, example in enumerate(rule.examples):
        if example.check is None:
            continue
        loc = ("examples", index, "check")
        if example.expect != "fail":
            problems.append(
                doc.problem(
                    loc,
                    "check: names the check a fail example must fail; this example expects "
                    + example.expect,
                )
            )
        elif check_index(rule, example.check) is None:
            known = ", ".join([str(i + 1) for i in range(len(rule.checks))] + ids)
            problems.append(
                doc.problem(loc, f"no check {example.check!r} in this rule (checks: {known})")
            )
    return problems


def _condition(
    doc: Document,
    loc: Loc,
    text: str | None,
    params: dict[str, ParamValue],
    scoped: tuple[dict[str, type], dict[str, FactSpec], dict[str, str]],
    problems: list[Problem],
    used: set[str],
) -> Condition | None:
    """The condition at `loc`, or None with its problems; the parameters it names go
    into `used`. `scoped` is what it may read: the types of the names written, the
    facts, and the keyed parameters' fact names."""
    if text is None:
        return None
    types, facts, rename = scoped
    try:
        condition = checked_condition(text, types, params, used)
    except ExpressionError as exc:
        problems.append(_located(doc, loc, text, exc.offset, f"in {loc[-1]}: {exc}"))
        return None
    written = tree.names(condition)
    used.update(name for name in rename if name in written)
    condition = normalise.rename(condition, rename)
    found = condition_problems(condition, facts)
    problems.extend(_located(doc, loc, text, at, f"in {loc[-1]}: {said}") for said, at in found)
    return None if found else condition


def _located(doc: Document, loc: Loc, text: str, offset: int | None, message: str) -> Problem:
    """A problem at `offset` in the condition written at `loc` (at the condition, when
    there is no offset or the condition spans lines)."""
    line, column = doc.locate(loc) or (None, None)
    if line is not None and column is not None and offset is not None and "\n" not in text:
        quoted = 1 if doc.source_char(loc) in ("'", '"') else 0  # columns in the text
        column += offset + quoted
    return Problem(doc.file, line, column, message)


def _template(
    doc: Document,
    loc: Loc,
    text: str,
    types: dict[str, type],
    problems: list[Problem],
) -> Template | None:
    """A template whose every field is a fact, a parameter or a fix value (the names in
    `types`), each with a format spec that fits its type."""
    try:
        template = parse_template(text)
    except TemplateError as exc:
        problems.append(doc.problem(loc, str(exc)))
        return None
    allowed = set(types)
    unknown = [field for field in template.fields if field not in allowed]
    for field in unknown:
        hint = ""
        if field in GAP_NAMES:
            hint = " (gap and target need a fix comparison with < <= > or >=)"
        else:
            hint = did_you_mean(field, allowed)
        problems.append(
            doc.problem(loc, f"template names {{{field}}}, which is not a fact or parameter{hint}")
        )
    misfits = template_problems(template.specs, types)
    problems.extend(doc.problem(loc, message) for message in misfits)
    return None if unknown or misfits else template


def located_condition(
    doc: Document, loc: Loc, text: str, pack: RulePack, problems: list[Problem]
) -> Condition | None:
    """A condition written outside the pack (a waiver's `when`) on the pack's facts and
    lists, typed and checked as a rule's is; None with its problems."""
    vocabulary = pack.vocabulary
    no_renames: dict[str, str] = {}
    scoped = (vocabulary.types(), vocabulary.facts, no_renames)
    return _condition(doc, loc, text, dict(vocabulary.lists), scoped, problems, set())
