"""SARIF 2.1.0 for code-scanning viewers (GitHub, GitLab, Azure DevOps)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from checker import __version__
from checker.core.escaping import (
    for_display,
    for_terminal,
)
from checker.core.results import (
    INPUT_ERROR,
    OrderResult,
    PackInfo,
    Tally,
    Waived,
    waiver_terms,
)
from checker.report.json_format import indented, waiver_json

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


_INPUT_ERROR_HELP = (
    "An order that cannot be read, parsed or validated is an error and its rules are not "
    "run. The message names the field and what to write instead."
)


_LEVEL = {"fail": "error", "warn": "warning"}


def _uri(file: str) -> str:
    """A URI for `file`; its bytes as on disk, percent-encoded, even where not UTF-8."""
    path = Path(file)
    return path.as_uri() if path.is_absolute() else quote(os.fsencode(path.as_posix()))


class SarifWriter:
    """SARIF 2.1.0: one rule descriptor per rule, one result per failing or warning rule."""

    def __init__(self, pack: PackInfo) -> None:
        rules: list[dict[str, Any]] = [
            {
                "id": r.id,
                "name": for_terminal(r.title),
                "shortDescription": {"text": for_terminal(r.title)},
                "fullDescription": {"text": for_display(r.description)},
                "help": {"text": for_display(f"{r.description}\nSource: {r.source}")},
                "defaultConfiguration": {"level": "warning" if r.status == "proposed" else "error"},
                "properties": {"status": r.status, "source": r.source},
                **_help_uri(r.source),
            }
            for r in pack.rules
        ]
        rules.append(
            {
                "id": INPUT_ERROR,
                "name": "Order file can be read, parsed and validated",
                "shortDescription": {"text": "Order file can be read, parsed and validated"},
                "fullDescription": {"text": _INPUT_ERROR_HELP},
                "help": {"text": _INPUT_ERROR_HELP},
                "defaultConfiguration": {"level": "error"},
            }
        )
        self._index = {rule["id"]: i for i, rule in enumerate(rules)}
        driver = {
            "name": "chipcheck",
            "fullName": for_terminal(
                f"chipcheck {__version__} (rule pack {pack.name} {pack.version})"
            ),
            "version": __version__,
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }
        run = {
            "tool": {"driver": driver},
            "automationDetails": _automation(pack.name),
            "results": [],
            "properties": {"rulepack": pack.identity()},
        }
        skeleton = indented({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]})
        self._head, _, self._tail = skeleton.partition('"results": []')
        self._indent = "\n" + " " * (len(self._head) - self._head.rindex("\n") + 1)
        self._separator = self._indent

    def begin(self) -> Iterable[str]:
        return (self._head + '"results": [',)

    def order(self, order: OrderResult) -> Iterable[str]:
        found = [
            _sarif_result(INPUT_ERROR, self._index, "error", p.message, order, p.line, p.column)
            for p in order.errors
        ]
        for r in order.results:
            status = r.waiver.status if r.waiver is not None else r.status
            if status not in _LEVEL:
                continue
            result = _sarif_result(
                r.rule, self._index, _LEVEL[status], r.message, order, r.line, r.column
            )
            if r.waiver is not None:
                result.setdefault("properties", {})["waiver"] = waiver_json(r.waiver)
                if r.waiver.applied:
                    result["suppressions"] = [_suppression(r.waiver)]
            found.append(result)
        pieces = []
        for result in found:
            pieces.append(self._separator + indented(result).replace("\n", self._indent))
            self._separator = "," + self._indent
        return pieces

    def end(self, tally: Tally) -> Iterable[str]:
        close = self._indent[:-2] + "]" if self._separator != self._indent else "]"
        return (close + self._tail + "\n",)


INFORMATION_URI = "https://chipcheck.dev/"  # the project's namespace, as in attestations


_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def _help_uri(source: str) -> dict[str, str]:
    """A rule's helpUri: the first web address its source gives, if it gives one."""
    found = _URL.search(source)
    return {"helpUri": found.group().rstrip(".,;")} if found else {}


_ADO = {  # Azure Pipelines' variables, as its Advanced Security reads them from SARIF
    "buildDefinitionId": "SYSTEM_DEFINITIONID",
    "buildDefinitionName": "BUILD_DEFINITIONNAME",
    "phaseId": "SYSTEM_PHASEID",
    "phaseName": "SYSTEM_PHASENAME",
}


_ADO_ID = ("SYSTEM_COLLECTIONURI", "SYSTEM_TEAMPROJECT", "BUILD_SOURCEBRANCH", "BUILD_BUILDID")


def _automation(pack: str) -> dict[str, Any]:
    """The run's automationDetails: in an Azure pipeline, the build it belongs to, as
    GitHub Advanced Security for Azure DevOps requires; elsewhere the category code
    scanning keeps results apart by, one per pack."""
    env = os.environ
    if env.get("TF_BUILD") == "True" and all(env.get(v) for v in (*_ADO.values(), *_ADO_ID)):
        org = env["SYSTEM_COLLECTIONURI"].rstrip("/").rsplit("/", 1)[-1]
        names = ("SYSTEM_TEAMPROJECT", "SYSTEM_DEFINITIONID", "SYSTEM_PHASEID")
        parts = (org, *(env[n] for n in names), env["BUILD_SOURCEBRANCH"], env["BUILD_BUILDID"])
        prefix = "azuredevops/pipeline/build/"
        return {
            "id": prefix + "/".join(parts),
            "properties": {prefix + key: env[var] for key, var in _ADO.items()},
        }
    return {"id": f"chipcheck/{re.sub(r'[^A-Za-z0-9._-]', '_', pack)}/"}


def _sarif_result(
    rule: str,
    index: dict[str, int],
    level: str,
    message: str,
    order: OrderResult,
    line: int | None,
    column: int | None,
) -> dict[str, Any]:
    region = {"startLine": line or 1}
    if line and column:
        region["startColumn"] = column
    result: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": index[rule],
        "level": level,
        "message": {"text": for_terminal(message)},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": _uri(order.file)}, "region": region}}
        ],
    }
    if order.order_id:
        result["properties"] = {"order_id": order.order_id}
    return result


def _suppression(waived: Waived) -> dict[str, Any]:
    """A waiver as SARIF sees it: suppressed outside the file (kind external), accepted,
    with the reason and approval as the justification."""
    t = waived.terms
    return {
        "kind": "external",
        "status": "accepted",
        "justification": for_terminal(
            f"waiver {t['id']}: {t['reason']} ({waiver_terms(t)}, expires {t['expires']})"
        ),
        "properties": dict(t),
    }
