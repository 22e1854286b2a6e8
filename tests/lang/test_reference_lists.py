"""A list the pack's reference data holds meets an order's value: an entity's approved
sites against the order's site, in YAML alone, through the real CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import BASE_ORDER, edit, order_text, pack_copy, write

RULE = """\
id: approved-site
title: Chips are deployed at a site the buyer may use
status: reported
source: illustrative, for a test
description: The order's site is one of the sites its buyer may deploy at.
message: "site {site} is not approved"
pass_message: "site {site} is approved"
checks:
  - when: site_approved == false
    message: "site {site} is not one the buyer may deploy at"
"""


def _pack(tmp_path: Path) -> Path:
    pack = pack_copy(
        tmp_path / "pack",
        (
            "pack.yaml",
            "  entities:\n    conditions:\n",
            "  entities:\n    approved_sites: {type: list, of: text}\n    conditions:\n",
        ),
        (
            "pack.yaml",
            "    uscc: 91110108000000001A\n",
            '    uscc: 91110108000000001A\n    approved_sites: ["Ulanqab, Inner Mongolia"]\n',
        ),
        (
            "pack.yaml",
            "\nfacts:\n",
            "\nfacts:\n"
            '  site: {description: the site, value: justification.site, default: ""}\n'
            "  site_approved: {description: the site is one the buyer may use,"
            " exists: item == site, over: entity.approved_sites}\n",
        ),
        ("pack.yaml", "\nrules:\n", "\nrules:\n  - approved-site\n"),
    )
    write(pack, "approved-site.yaml", RULE)
    return pack


def test_an_entitys_list_meets_the_orders_value(cli: Any, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    write(tmp_path, "orders/ulanqab.yaml", BASE_ORDER)
    other = order_text(("order_id: T-1", "order_id: T-2"), ("Ulanqab, Inner Mongolia", "Shenzhen"))
    write(tmp_path, "orders/shenzhen.yaml", other)
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    assert run.status("ulanqab.yaml", "approved-site") == "pass", run.err
    assert run.status("shenzhen.yaml", "approved-site") == "fail"
    assert "site Shenzhen is not one the buyer may deploy at" in run.message(
        "shenzhen.yaml", "approved-site"
    )


def test_a_fact_not_yet_made_is_not_known_to_the_items(cli: Any, tmp_path: Path) -> None:
    """The item condition reads the order's declared facts made before it, by name."""
    pack = _pack(tmp_path)
    edit(pack / "pack.yaml", "exists: item == site,", "exists: item == sites,")
    write(tmp_path, "orders/o.yaml", BASE_ORDER)
    run = cli("check", "orders", "--rules", pack)
    assert run.code == 2 and "'sites' is not a fact or parameter: did you mean 'site'?" in run.err


CERTIFIED = "{catalog: vendor, where: model.certified == true}"


def _certified_pack(tmp_path: Path, query: str = CERTIFIED) -> Path:
    """The bundled pack (since 2026.4.0 its certified-domestic message names the
    certified vendors from the catalog, not by hand), with the list's query `query`."""
    edits = (
        []
        if query == CERTIFIED
        else [("pack.yaml", f"  certified_vendors: {CERTIFIED}", f"  certified_vendors: {query}")]
    )
    return pack_copy(tmp_path / "pack", *edits)


def test_a_message_names_reference_data_as_the_catalog_holds_it(cli: Any, tmp_path: Path) -> None:
    pack = _certified_pack(tmp_path)
    late = order_text(("date: 2026-02-03", "date: 2026-06-03"))  # certified-domestic applies
    short = late.replace("huawei-ascend-910c", "cambricon-mlu590")  # not certified
    write(tmp_path, "orders/o.yaml", short)
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    message = run.message("o.yaml", "certified-domestic")
    assert message.endswith(
        "add 8,000 certified units (Huawei, Hygon, MetaX, Moore Threads, T-Head, Biren, "
        "Iluvatar CoreX)"
    ), message


def test_a_catalog_list_that_could_misjudge_is_a_load_error(cli: Any, tmp_path: Path) -> None:
    pack = _certified_pack(tmp_path, "{catalog: vendr, where: model.certified == true}")
    write(tmp_path, "orders/o.yaml", BASE_ORDER)
    run = cli("check", "orders", "--rules", pack)
    assert (
        run.code == 2
        and "'vendr' is no attribute of the catalog: did you mean 'vendor'?" in run.err
    )
    units = _certified_pack(tmp_path / "units", "{catalog: vendor, where: units > 0}")
    run = cli("check", "orders", "--rules", units)
    assert (
        run.code == 2 and "a catalog list selects by the model and its attributes only" in run.err
    )


def test_a_list_meets_the_orders_built_in_facts(cli: Any, tmp_path: Path) -> None:
    """A batch's list of buyers it admits, met by the order's buyer_uscc (a built-in
    fact, which no pack declares): one list in the reference data, no rule per buyer."""
    pack = pack_copy(
        tmp_path / "pack",
        ("pack.yaml", "  batches:\n    cap:\n",
         "  batches:\n    admits: {type: list, of: text}\n    cap:\n"),
        ("pack.yaml", "    cap: 400000\n",
         '    cap: 400000\n    admits: ["91110108000000001A"]\n'),
        ("pack.yaml", "\nfacts:\n",
         "\nfacts:\n  admitted: {description: the batch admits the buyer,"
         " exists: item == buyer_uscc, over: batch.admits}\n"),
        ("pack.yaml", "\nrules:\n", "\nrules:\n  - admitted-buyer\n"),
    )  # fmt: skip
    write(pack, "admitted-buyer.yaml", RULE.replace("approved-site", "admitted-buyer")
          .replace("site_approved == false", "admitted == false")
          .replace("{site}", "{buyer_uscc}"))  # fmt: skip
    write(tmp_path, "orders/bytedance.yaml", BASE_ORDER)
    alibaba = order_text(
        ("order_id: T-1", "order_id: T-2"),
        ("Beijing ByteDance Technology Co., Ltd.", "Alibaba (China) Co., Ltd."),
        ("91110108000000001A", "91330100799655058B"),
    )
    write(tmp_path, "orders/alibaba.yaml", alibaba)
    run = cli("check", "orders", "--rules", pack, "--format", "json")
    assert run.status("bytedance.yaml", "admitted-buyer") == "pass", run.err
    assert run.status("alibaba.yaml", "admitted-buyer") == "fail"
