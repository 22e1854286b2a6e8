"""`chipcheck schema`: the JSON Schema of an order, a rule file or pack.yaml, or a
waivers file, with the pack's declarations."""

from __future__ import annotations

import argparse

from checker.cli.common import Config, load_pack


def run(args: argparse.Namespace, config: Config) -> int:
    import json

    from pydantic import BaseModel

    from checker.schema import models
    from checker.schema.jsonschema import with_declarations

    kind = args.kind
    pack = load_pack(args, config)
    if pack is None:
        return 2

    choices: dict[str, tuple[type[BaseModel], str]] = {
        "order": (models.Order, "chipcheck order file"),
        "rules": (models.Rule, "chipcheck rule file (<rule-id>.yaml in a rule pack)"),
        "pack": (models.PackMeta, "chipcheck rule pack pack.yaml"),
        "waivers": (models.Waivers, "chipcheck waivers file"),
    }
    model, title = choices[kind]
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **with_declarations(model.model_json_schema(), kind, pack.meta),
        "title": title,
    }
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0
