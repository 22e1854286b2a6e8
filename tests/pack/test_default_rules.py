"""Semantics of the default rules (SPEC section 2), through the CLI on real files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import order_text, write

ALIBABA = (
    "  name: Beijing ByteDance Technology Co., Ltd.\n  uscc: 91110108000000001A",
    "  name: Alibaba (China) Co., Ltd.\n  uscc: 91330100799655058B",
)


def h200(order_id: str, date: str, units: int, *extra: tuple[str, str]) -> str:
    """An Alibaba order of `units` H200 with as many domestic units."""
    return order_text(
        ALIBABA,
        ("order_id: T-1", f"order_id: {order_id}"),
        ("date: 2026-02-03", f"date: {date}"),
        (
            "units: 8000\n  - model: huawei-ascend-910c\n    units: 8000",
            f"units: {units}\n  - model: huawei-ascend-910c\n    units: {units}",
        ),
        *extra,
    )


# --- batch-quota: cumulative, ordered by (date, order_id) ------------------------------


def test_exactly_at_allocation_passes_and_one_more_fails(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o/a.yaml", h200("A-1", "2026-02-01", 100_000))
    write(tmp_path, "o/b.yaml", h200("A-2", "2026-02-02", 25_000))
    write(tmp_path, "o/c.yaml", h200("A-3", "2026-02-03", 1))
    run = cli("check", "o", "--format", "json")
    assert run.status("a.yaml", "batch-quota") == "pass"
    assert run.status("b.yaml", "batch-quota") == "pass"
    assert run.status("c.yaml", "batch-quota") == "fail"
    assert run.message("c.yaml", "batch-quota") == (
        "over quota: allocation 125,000, used before this order 125,000, this order 1, "
        "remainder 0: reduce to 0 controlled units to fit the remainder"
    )
    assert run.code == 1


def test_ledger_follows_dates_not_file_names(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o/1-late.yaml", h200("A-9", "2026-03-01", 30_000))
    write(tmp_path, "o/2-early.yaml", h200("A-1", "2026-02-01", 100_000))
    run = cli("check", "o", "--format", "json")
    assert run.status("2-early.yaml", "batch-quota") == "pass"
    assert run.status("1-late.yaml", "batch-quota") == "fail"
    assert "reduce to 25,000 controlled units" in run.message("1-late.yaml", "batch-quota")


def test_same_date_is_ordered_by_order_id(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o/x.yaml", h200("A-2", "2026-02-01", 100_000))
    write(tmp_path, "o/y.yaml", h200("A-1", "2026-02-01", 100_000))
    run = cli("check", "o", "--format", "json")
    assert run.status("y.yaml", "batch-quota") == "pass"
    assert run.status("x.yaml", "batch-quota") == "fail"


def test_failing_orders_still_count_against_the_allocation(cli: Any, tmp_path: Path) -> None:
    # Dated before the batch opens (fails batch-window) yet it draws on the allocation.
    write(tmp_path, "o/a.yaml", h200("A-1", "2026-01-20", 120_000))
    write(tmp_path, "o/b.yaml", h200("A-2", "2026-02-03", 10_000))
    run = cli("check", "o", "--format", "json")
    assert run.status("a.yaml", "batch-window") == "fail"
    assert run.status("b.yaml", "batch-quota") == "fail"
    result = next(r for r in run.order("b.yaml")["results"] if r["rule"] == "batch-quota")
    assert result["facts"]["buyer_used_before"] == 120_000
    assert result["facts"]["buyer_remaining"] == 5_000


def test_batch_cap_over_all_buyers(cli: Any, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    import shutil

    from tests.conftest import PACK

    shutil.copytree(PACK, pack)
    meta = pack / "pack.yaml"
    meta.write_text(meta.read_text().replace("cap: 400000", "cap: 150000"))
    bytedance = order_text(
        (
            "units: 8000\n  - model: huawei-ascend-910c\n    units: 8000",
            "units: 100000\n  - model: huawei-ascend-910c\n    units: 100000",
        )
    )
    write(tmp_path, "o/a.yaml", bytedance)
    write(tmp_path, "o/b.yaml", h200("A-1", "2026-02-04", 50_001))
    run = cli("check", "o", "--rules", pack, "--format", "json")
    assert run.status("a.yaml", "batch-quota") == "pass"
    assert run.status("b.yaml", "batch-quota") == "fail"
    assert (
        "batch cap 150,000, used before this order 100,000, this order 50,001, remainder "
        "50,000: reduce to 50,000"
    ) in run.message("b.yaml", "batch-quota")


def test_quota_skipped_for_queued_buyer(cli: Any, tmp_path: Path) -> None:
    write(
        tmp_path,
        "o.yaml",
        order_text(
            (
                "  name: Beijing ByteDance Technology Co., Ltd.\n  uscc: 91110108000000001A",
                "  name: Example Cloud Computing Co., Ltd.\n  uscc: 91310000000000001Y",
            )
        ),
    )
    run = cli("check", "o.yaml", "--format", "json")
    assert run.status("o.yaml", "batch-quota") == "skip"
    assert run.status("o.yaml", "approved-buyer") == "fail"
    assert "is queued for CN-H200-2026-B1" in run.message("o.yaml", "approved-buyer")


# --- approved-buyer: names ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("北京字节跳动科技有限公司", "pass"),
        ("BEIJING  BYTEDANCE technology co., ltd.", "pass"),
        # fullwidth Latin letters: NFKC folds them
        ("\uff22\uff45\uff49\uff4a\uff49\uff4e\uff47 ByteDance Technology Co., Ltd.", "pass"),
        # a Cyrillic ie in place of the Latin e: must not match
        ("Beijing Byt\N{CYRILLIC SMALL LETTER IE}Dance Technology Co., Ltd.", "fail"),
        ("Beijing ByteDance Technology Co Ltd", "fail"),  # nothing looser than NFKC+casefold
        ("Alibaba (China) Co., Ltd.", "fail"),  # another entity's name
    ],
)
def test_buyer_name_matching(cli: Any, tmp_path: Path, name: str, status: str) -> None:
    write(
        tmp_path,
        "o.yaml",
        order_text(("name: Beijing ByteDance Technology Co., Ltd.", f"name: {name}")),
    )
    run = cli("check", "o.yaml", "--format", "json")
    assert run.status("o.yaml", "approved-buyer") == status
    if status == "fail":
        assert "registered name Beijing ByteDance Technology Co., Ltd." in run.message(
            "o.yaml", "approved-buyer"
        )


def test_unknown_uscc(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", order_text(("uscc: 91110108000000001A", "uscc: 91350100M000100Y43")))
    run = cli("check", "o.yaml", "--format", "json")
    assert "USCC 91350100M000100Y43 is not a listed entity" in run.message(
        "o.yaml", "approved-buyer"
    )


# --- domestic-ratio: proposed -> warn -------------------------------------------------------


def test_domestic_shortfall_warns_and_names_the_fix(cli: Any, tmp_path: Path) -> None:
    write(
        tmp_path,
        "o.yaml",
        order_text(("    units: 8000\njustification", "    units: 5000\njustification")),
    )
    run = cli("check", "o.yaml", "--format", "json")
    assert run.code == 0
    assert run.order("o.yaml")["verdict"] == "pass"
    assert run.status("o.yaml", "domestic-ratio") == "warn"
    assert run.message("o.yaml", "domestic-ratio").endswith(
        "5,000 domestic units, 8,000 required: add 3,000 domestic units"
    )
    enforced = cli("check", "o.yaml", "--format", "json", "--enforce-proposed")
    assert enforced.code == 1
    assert enforced.status("o.yaml", "domestic-ratio") == "fail"


# --- need-justification: every missing or short piece -----------------------------------


def test_every_short_piece_is_listed(cli: Any, tmp_path: Path) -> None:
    write(
        tmp_path,
        "o.yaml",
        order_text(
            (
                "purpose: Training the next Doubao foundation model; current cluster is saturated.",
                "purpose: 训练模型" + "x" * 30,
            ),  # 34 code points, more than 40 bytes
            ("  site: Ulanqab, Inner Mongolia\n", "  site: '  '\n"),
            ("needed_by: 2026-05-01", "needed_by: 2026-08-03"),
            ("utilization: 0.93", "utilization: 0.79"),
        ),
    )
    run = cli("check", "o.yaml", "--format", "json")
    assert run.message("o.yaml", "need-justification") == (
        "the need is not shown: purpose has 34 characters: add at least 6 more (minimum 40); "
        "site is missing: name where the chips will be installed; needed_by 2026-08-03 is 181 "
        "days after the order date, more than 180: order at least 1 days later or move "
        "needed_by earlier; utilization 0.79 is below 0.8: use the installed accelerators first"
    )


def test_missing_pieces_of_a_partial_justification(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", order_text(("  needed_by: 2026-05-01\n  utilization: 0.93\n", "")))
    message = cli("check", "o.yaml", "--format", "json").message("o.yaml", "need-justification")
    assert "needed_by is missing" in message
    assert "utilization is missing" in message
    assert "purpose" not in message


def test_needed_by_before_order_date(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", order_text(("needed_by: 2026-05-01", "needed_by: 2026-02-01")))
    message = cli("check", "o.yaml", "--format", "json").message("o.yaml", "need-justification")
    assert "needed_by 2026-02-01 is 2 days before the order date 2026-02-03" in message


# --- known-models ------------------------------------------------------------------------


def test_unknown_model_names_the_closest(cli: Any, tmp_path: Path) -> None:
    write(tmp_path, "o.yaml", order_text(("model: huawei-ascend-910c", "model: huawei-ascnd-910c")))
    run = cli("check", "o.yaml", "--format", "json")
    assert run.status("o.yaml", "known-models") == "fail"
    assert "huawei-ascnd-910c (closest: huawei-ascend-910c)" in run.message(
        "o.yaml", "known-models"
    )
