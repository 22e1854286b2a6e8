"""A fixed, seeded set of order files for the v1-vs-v2 differential (tests/test_v2_pack.py).

Plain `random` with a fixed seed, not hypothesis: the set must be the same on every
machine and every run, because its report under the v1 pack is recorded in
tests/data/v1/generated-report.json. Values sit on and around the pack's edges (the
allocations, the cap, the window, the share, the lengths), and the set is judged as one,
so the quota ledger runs over it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

SEED = 2026
COUNT = 240

_BUYERS = [
    ("Beijing ByteDance Technology Co., Ltd.", "91110108000000001A"),
    ("BEIJING BYTEDANCE TECHNOLOGY CO., LTD.", "91110108000000001A"),
    ("北京字节跳动科技有限公司", "91110108000000001A"),
    ("Alibaba (China) Co., Ltd.", "91330100799655058B"),
    ("Alib\u0430ba (China) Co., Ltd.", "91330100799655058B"),
    ("Shenzhen Tencent Computer Systems Co., Ltd.", "91440300708461136T"),
    ("Example Cloud Computing Co., Ltd.", "91310000000000001Y"),
    ("Unlisted Compute Co., Ltd.", "91110000000000001H"),
]
_BATCHES = ["CN-H200-2026-B1", "CN-H200-2026-B1", "CN-H200-2026-B1", "CN-H200-2026-B2"]
_CONTROLLED = ["nvidia-h200"]
_DOMESTIC = ["huawei-ascend-910b", "huawei-ascend-910c", "cambricon-mlu590", "metax-c500"]
_OTHER = ["nvidia-h20", "nvidia-h300"]
_DATES = ["2026-01-27", "2026-01-28", "2026-02-03", "2026-06-30", "2026-12-31", "2027-01-01"]
_UNITS = [1, 7, 8, 999, 4000, 8000, 12000, 24999, 25000, 25001, 60000, 124999, 125001]


def _order(rng: random.Random, index: int) -> dict[str, Any]:
    name, uscc = rng.choice(_BUYERS)
    controlled = rng.choice(_UNITS) if rng.random() < 0.8 else 0
    lines = []
    if controlled:
        lines.append({"model": rng.choice(_CONTROLLED), "units": controlled})
    share = rng.choice([0.0, 0.29, 0.3, 0.31, 0.5])
    domestic = round(controlled * share / (1 - share)) + rng.choice([-1, 0, 0, 1])
    if domestic > 0:
        lines.append({"model": rng.choice(_DOMESTIC), "units": domestic})
    if rng.random() < 0.3 or not lines:
        lines.append({"model": rng.choice(_OTHER), "units": rng.choice(_UNITS)})
    order: dict[str, Any] = {
        "order_id": f"GEN-{index:04d}",
        "date": rng.choice(_DATES),
        "buyer": {"name": name, "uscc": uscc},
        "batch": rng.choice(_BATCHES),
        "lines": lines,
    }
    if rng.random() < 0.85:
        justification: dict[str, Any] = {}
        if rng.random() < 0.95:
            justification["purpose"] = "x" * rng.choice([1, 39, 40, 41, 200, 200])
        if rng.random() < 0.95:
            justification["site"] = rng.choice(["Ulanqab", "   ", "Zhangbei data centre"])
        if rng.random() < 0.95:
            justification["needed_by"] = rng.choice(
                ["2026-02-01", "2026-03-01", "2026-06-30", "2026-12-31", "2027-06-30"]
            )
        if rng.random() < 0.95:
            justification["utilization"] = rng.choice([0.0, 0.79, 0.8, 0.81, 1.0])
        order["justification"] = justification
    return order


def write(directory: Path) -> list[Path]:
    """Write the set into `directory` as JSON order files; returns their paths."""
    rng = random.Random(SEED)
    paths = []
    for index in range(COUNT):
        path = directory / f"gen-{index:04d}.json"
        path.write_text(json.dumps(_order(rng, index), ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths
