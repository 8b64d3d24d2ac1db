"""The series-wide benchmark: the four architectures side by side, same flights, same model version.

    python -m benchmarks.series [--quick]        # make bench

Runs each architecture's benchmark one after the other in one run, prints one table with the goal and
the ratio each figure reaches (1.0 or more: goal met), and writes it, with a description of the machine,
to ``benchmarks/results/series.csv`` and ``series.json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import re
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from shared import versions

PARTS = ("bench_inference", "bench_embedded", "bench_api", "bench_streaming", "bench_batch")
RESULTS_DIR = Path(__file__).resolve().parent / "results"
_GOAL = re.compile(r"(?P<op><=|>=)\s*(?P<number>[\d,.]+)\s*(?P<scale>[kKM]?)")


def goal_ratio(goal: str | None, value: float) -> float | None:
    """How far a figure is from its goal: ``>= 1`` when met (value/target, or target/value for a ceiling)."""
    match = _GOAL.search(goal or "")
    if not match or not value:
        return None
    target = float(match["number"].replace(",", "")) * {"": 1, "k": 1e3, "K": 1e3, "M": 1e6}[match["scale"]]
    return value / target if match["op"] == ">=" else target / value


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line]
        cpu = names[0] if names else cpu
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_gib, 1),
        "system": f"{platform.system()} {platform.release()}",
        **versions(),
    }


def run(quick: bool = False, parts: tuple[str, ...] = PARTS, verbose: bool = True) -> pd.DataFrame:
    """Run every part's ``measure(quick)`` and return all rows as one table."""
    rows = []
    for part in parts:
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{part}")
        part_rows = module.measure(quick=quick)
        rows += part_rows
        if verbose:
            print(f"{part}: {len(part_rows)} figures in {time.perf_counter() - started:.0f} s", flush=True)
    return as_table(rows)


def as_table(rows: list[dict]) -> pd.DataFrame:
    """Benchmark rows as a table with the ratio each figure reaches against its goal."""
    table = pd.DataFrame(rows)[["architecture", "metric", "value", "unit", "goal", "meets"]]
    table["goal"] = table["goal"].fillna("").replace("reference", "")
    table["ratio"] = [goal_ratio(goal, value) for goal, value in zip(table["goal"], table["value"], strict=True)]
    return table


def cli(measure: Callable[..., list[dict]], description: str) -> None:
    """The command line of one architecture's benchmark: ``[--quick]``, then its table."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="shorter runs (about 10 s)")
    print_table(as_table(measure(quick=parser.parse_args().quick)))


def print_table(table: pd.DataFrame) -> None:
    """The table, one line a figure, with goal, ratio and verdict."""
    width = max(len(metric) for metric in table["metric"])
    for row in table.itertuples():
        ratio = f"{row.ratio:6.2f}×" if pd.notna(row.ratio) else ""
        verdict = {True: "met", False: "MISSED"}.get(row.meets, "")
        figure = f"{row.value:>14,.3f} {row.unit:<7}"
        print(f"{row.architecture:<10} {row.metric:<{width}} {figure} {row.goal:<22} {ratio:>8} {verdict}")


def save(table: pd.DataFrame, folder: Path = RESULTS_DIR) -> Path:
    """Write the table as CSV and JSON (with the machine); return the JSON path."""
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "series.csv", index=False)
    payload = {"machine": machine(), "figures": json.loads(table.to_json(orient="records"))}
    path = folder / "series.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs of every part (about a minute)")
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS, help="run only these parts")
    arguments = parser.parse_args()
    table = run(arguments.quick, tuple(arguments.parts))
    print()
    print_table(table)
    print(f"\nwritten to {save(table)}; machine: {machine()}")


if __name__ == "__main__":
    main()
