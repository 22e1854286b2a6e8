"""Benchmark chipcheck against a parse-only floor, in the same run.

    python benchmarks/run.py [--runs 5] [--skip-100k] [--readme]

Generates order sets with a fixed seed under benchmarks/out/ (1, 2,000, 20,000 and
100,000 files), then prints medians of --runs runs: cold start on one file (next to
the interpreter importing yaml, and pydantic, and nothing else); end-to-end time for 2,000 and
20,000 files, as run by default (worker processes read) and with --jobs 1, next to a
floor that only parses the same files with PyYAML's C loader; in-process evaluation
throughput (all rules, messages rendered); end-to-end time and peak RSS at 100,000
(the 100,000 in-process harness runs once). Commands compared are run in turn, round
after round, and each ratio is the median of per-round ratios: the shared host has
slow spells that last minutes, which skew ratios of separately timed medians.
chipcheck's modules are compiled to bytecode first, and the pack cached, as after any
first run.
--readme writes the table into README.md between its benchmark markers.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
README = ROOT / "README.md"
MARKERS = ("<!-- benchmark:start -->", "<!-- benchmark:end -->")
BUYERS = [
    ("Beijing ByteDance Technology Co., Ltd.", "91110108000000001A"),
    ("Alibaba (China) Co., Ltd.", "91330100799655058B"),
    ("Shenzhen Tencent Computer Systems Co., Ltd.", "91440300708461136T"),
    ("Example Cloud Computing Co., Ltd.", "91310000000000001Y"),
]
DOMESTIC = ["huawei-ascend-910b", "huawei-ascend-910c", "cambricon-mlu590", "kunlunxin-p800"]

FLOOR = """
import sys, pathlib, yaml
for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.yaml")):
    yaml.load(p.read_bytes(), Loader=yaml.CSafeLoader)
"""

EVALUATE = """
import resource, sys, time, pathlib
from checker.judge.checking import Checker
from checker.source.documents import read_document
from checker.schema.records import Order
from checker.schema.validation import record
from checker.pack.rulepack import DEFAULT_PACK, load_pack
orders = [record(Order, read_document(p).data)
          for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.yaml"))]
checker = Checker(load_pack(DEFAULT_PACK))
start = time.perf_counter()
results = checker.evaluate(orders)
elapsed = time.perf_counter() - start
assert len(results) == len(orders)
assert all(r.message for rs in results if isinstance(rs, tuple) for r in rs)
print(len(orders) / elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def generate(count: int, seed: int = 2026) -> Path:
    target = OUT / f"orders-{count}"
    if target.is_dir() and sum(1 for _ in target.iterdir()) == count:
        return target
    target.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for i in range(count):
        name, uscc = rng.choice(BUYERS)
        day = date(2026, 1, 28) + timedelta(days=rng.randrange(300))
        h200 = rng.choice([0, 100, 500, 1000, 2000])
        order = {
            "order_id": f"B-{i:06d}",
            "date": day,
            "buyer": {"name": name, "uscc": uscc},
            "batch": "CN-H200-2026-B1",
            "lines": [
                {"model": "nvidia-h200" if h200 else "nvidia-h20", "units": h200 or 100},
                {"model": rng.choice(DOMESTIC), "units": rng.choice([50, 100, 500, 1000, 2000])},
            ],
            "justification": {
                "purpose": "Model training capacity for the next product generation.",
                "site": "Ulanqab",
                "needed_by": day + timedelta(days=rng.randrange(200)),
                "utilization": rng.choice([0.7, 0.8, 0.9]),
            },
        }
        (target / f"order-{i:06d}.yaml").write_text(
            yaml.safe_dump(order, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )
    return target


def interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, list[float]]:
    """Wall times of each command, run in turn round after round.

    The host's slow spells last minutes; running A five times and then B five times can
    put them in different spells. Taken in turn, the i-th times of A and B are a pair
    measured under the same conditions, and their ratio is what the table reports.
    """
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(run(command)[0])
    return times


def ratio(times: dict[str, list[float]], top: str, bottom: str) -> float:
    """Median over rounds of top/bottom, each pair measured in the same round."""
    return statistics.median(t / b for t, b in zip(times[top], times[bottom], strict=True))


def run(command: list[str]) -> tuple[float, float]:
    """Wall time in seconds and peak RSS in MB of one run of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def in_process(orders: Path) -> tuple[float, float]:
    """Orders/s of Checker.evaluate alone and the harness's peak RSS in MB."""
    out = subprocess.run(
        [sys.executable, "-c", EVALUATE, str(orders)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args()
    check = [sys.executable, "-m", "checker", "check", "--format", "json", "--output", "/dev/null"]
    floor = [sys.executable, "-c", FLOOR]
    sets = {n: generate(n) for n in (1, 2_000, 20_000, *(() if args.skip_100k else (100_000,)))}
    # Time what a user runs: Python caches compiled modules after the first run, and pip
    # compiles an installed package. Where PYTHONDONTWRITEBYTECODE is set (it is on our
    # shared machines) every run would compile chipcheck from source, about 34 ms.
    compileall.compile_dir(ROOT / "checker", quiet=1)
    # Likewise a user's second run finds the pack loaded in the cache (checker.pack.cache).
    run([*check, str(sets[1])])

    rows: list[tuple[str, str]] = []
    cold = interleaved(
        {
            "check": [*check, str(sets[1])],
            "pydantic": [sys.executable, "-c", "import pydantic.main"],
            "yaml": [sys.executable, "-c", "import yaml"],
        },
        args.runs,
    )
    rows.append(
        (
            "1 file, cold start",
            f"{statistics.median(cold['check']) * 1000:.0f} ms (importing yaml alone: "
            f"{statistics.median(cold['yaml']) * 1000:.0f} ms, "
            f"x{ratio(cold, 'check', 'yaml'):.1f}; importing pydantic alone: "
            f"{statistics.median(cold['pydantic']) * 1000:.0f} ms, "
            f"x{ratio(cold, 'check', 'pydantic'):.1f})",
        )
    )
    medians: dict[int, float] = {}
    for n in (2_000, 20_000):
        times = interleaved(
            {
                "check": [*check, str(sets[n])],
                "floor": [*floor, str(sets[n])],
                "single": [*check, "--jobs", "1", str(sets[n])],
            },
            args.runs,
        )
        medians[n] = statistics.median(times["check"])
        rows.append(
            (
                f"{n:,} files end to end",
                f"{medians[n]:.2f} s, floor {statistics.median(times['floor']):.2f} s: "
                f"x{ratio(times, 'check', 'floor'):.1f} "
                f"(--jobs 1: {statistics.median(times['single']):.2f} s, "
                f"x{ratio(times, 'single', 'floor'):.1f})",
            )
        )
    rate = statistics.median(in_process(sets[20_000])[0] for _ in range(args.runs))
    rows.append(("evaluation in-process (20,000)", f"{rate:,.0f} orders/s"))
    if not args.skip_100k:
        big_rate, big_rss = in_process(sets[100_000])
        rows.append(
            (
                "evaluation in-process (100,000, one run): rate, harness peak RSS",
                f"{big_rate:,.0f} orders/s, {big_rss:.0f} MB",
            )
        )
        big: list[tuple[float, float]] = []
        twenty: list[float] = []
        for _ in range(args.runs):
            big.append(run([*check, str(sets[100_000])]))
            twenty.append(run([*check, str(sets[20_000])])[0])
        full = statistics.median(t for t, _ in big)
        rss = statistics.median(r for _, r in big)
        rows.append(("100,000 files end to end: time, peak RSS", f"{full:.1f} s, {rss:.0f} MB"))
        pairs = list(zip((t for t, _ in big), twenty, strict=True))
        growth = statistics.median(t / s for t, s in pairs)
        # The fixed start (the 1-file time) pulls the plain ratio below 5 by itself.
        start = statistics.median(cold["check"])
        marginal = statistics.median((t - start) / (s - start) for t, s in pairs)
        rows.append(
            (
                "100,000 vs 20,000 files end to end",
                f"x{growth:.2f} (linear = x5; less the 1-file time: x{marginal:.2f})",
            )
        )

    title = (
        f"chipcheck benchmark, {date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"median of {args.runs} runs"
    )
    table = "\n".join(
        [title, "", "| measure | result |", "|---|---|"]
        + [f"| {measure} | {result} |" for measure, result in rows]
    )
    print(table)
    print(json.dumps(dict(rows)), file=sys.stderr)
    if args.readme:
        text = README.read_text(encoding="utf-8")
        start, end = (text.index(m) for m in MARKERS)
        README.write_text(
            text[: start + len(MARKERS[0])] + "\n" + table + "\n" + text[end:], encoding="utf-8"
        )


if __name__ == "__main__":
    main()
