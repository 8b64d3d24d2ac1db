"""The series-wide benchmark: the four architectures side by side, same flights, same model version.

    python -m benchmarks.series [--quick]        # make bench

Runs each architecture's benchmark one after the other in one run, prints one table with the goal and
the ratio each figure reaches (1.0 or more: goal met), and writes it, with a description of the machine
and the per-architecture summary, to ``benchmarks/results/series.csv`` and ``series.json``. Every part
returns ``benchmarks.figures.Figure`` records; readers take them by id (``Results.load(...).value(id)``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from benchmarks.figures import Figure, Results
from shared import versions

PARTS = ("bench_inference", "bench_embedded", "bench_api", "bench_streaming", "bench_batch")
SUMMARY_PARTS = PARTS[1:]
"""The parts whose figures the per-architecture summary quotes."""
RESULTS_DIR = Path(__file__).resolve().parent / "results"
RESULTS_FILE = RESULTS_DIR / "series.json"


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
        "load_average": round(os.getloadavg()[0], 1),  # other programs on the machine: figures are noisier
        **versions(),
    }


def run(quick: bool = False, parts: tuple[str, ...] = PARTS, verbose: bool = True) -> Results:
    """Run every part's ``measure(quick)`` and return all figures of the run."""
    figures: list[Figure] = []
    for part in parts:
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{part}")
        part_figures = module.measure(quick=quick)
        figures += part_figures
        if verbose:
            print(f"{part}: {len(part_figures)} figures in {time.perf_counter() - started:.0f} s", flush=True)
    return Results.of(figures, machine())


def cli(measure: Callable[..., list[Figure]], description: str) -> None:
    """The command line of one architecture's benchmark: ``[--quick]``, then its table."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="shorter runs (about 10 s)")
    print_table(Results.of(measure(quick=parser.parse_args().quick)))


def print_table(results: Results) -> None:
    """The figures, one line each, with goal, ratio and verdict."""
    table = results.table()
    width = max(len(label) for label in table["label"])
    for row in table.itertuples():
        ratio = f"{row.ratio:6.2f}×" if pd.notna(row.ratio) else ""
        verdict = {True: "met", False: "MISSED"}.get(row.meets, "")
        figure = f"{row.value:>14,.3f} {row.unit:<7}"
        print(f"{row.architecture:<10} {row.label:<{width}} {figure} {row.goal:<22} {ratio:>8} {verdict}")


def save(results: Results, folder: Path = RESULTS_DIR, with_summary: bool = True) -> Path:
    """Write the figures as CSV, and as JSON with the machine (and the summary); return the JSON path."""
    from benchmarks.summary import summary

    folder.mkdir(parents=True, exist_ok=True)
    results.table().to_csv(folder / "series.csv", index=False)
    extra = {"summary": summary(results).to_dict(orient="index")} if with_summary else {}
    return results.save(folder / RESULTS_FILE.name, **extra)


def load(path: Path = RESULTS_FILE) -> Results:
    """A saved run's figures (by id) and the machine it was measured on."""
    return Results.load(path)


def main() -> None:
    from benchmarks.summary import summary
    from shared.i18n import set_language

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs of every part (about a minute)")
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS, help="run only these parts")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for series.csv and series.json")
    arguments = parser.parse_args()
    set_language("en")  # figures are data: the programs measured speak English, whoever started the run
    results = run(arguments.quick, tuple(arguments.parts))
    print()
    print_table(results)
    print()
    complete = set(arguments.parts) >= set(SUMMARY_PARTS)
    if complete:
        with pd.option_context("display.max_colwidth", 80, "display.width", 250):
            print(summary(results).T.to_string())
    print(f"\nwritten to {save(results, arguments.out, complete)}; machine: {results.machine}")


if __name__ == "__main__":
    main()
