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


GUIDE_FIGURES = {
    "embedded_p50_us": ("embedded", "single prediction p50, ONNX fast path"),
    "embedded_restart_s": ("embedded", "app cold start: streamlit run to healthy"),
    "embedded_memory_mb": ("embedded", "app process memory"),
    "embedded_rows_per_s": ("batch", "one at a time: predict_one loop"),
    "api_p50_ms": ("api", "API single prediction p50"),
    "api_requests_per_s": ("api", "API req/s, 1 worker"),
    "api_batch_rows_per_s": ("api", "API rows/s, batch endpoint"),
    "api_failed_during_update": ("api", "API failed requests while production moves"),
    "api_memory_mb": ("api", "API service memory"),
    "streaming_events_per_s": ("streaming", "learn+predict, end to end"),
    "streaming_p50_us": ("streaming", "prediction p50, in the learner"),
    "streaming_freshness_s": ("streaming", "freshness p50"),
    "streaming_memory_mb": ("streaming", "learner process peak memory"),
    "batch_rows_per_s": ("batch", "batch: read + validate + score + write parquet"),
    "batch_job_seconds": ("batch", "nightly job process, start to exit"),
    "batch_memory_mb": ("batch", "nightly job process peak memory"),
}
"""Names the decision guide and the summary use, and the benchmark row each comes from."""


def guide_figures(table: pd.DataFrame) -> dict[str, float]:
    """The figures the decision guide quotes, picked from a benchmark table (absent ones are left out)."""
    figures = {}
    for key, (architecture, prefix) in GUIDE_FIGURES.items():
        match = table[(table["architecture"] == architecture) & table["metric"].str.startswith(prefix)]
        if len(match):
            figures[key] = float(match["value"].iloc[0])
    return figures


def prediction_age_hours(run_hour: int = 22) -> pd.Series:
    """Batch: hours between a nightly run (``run_hour`` the day before) and each flight's departure."""
    from shared.data import load_flights

    departures = load_flights()["sched_dep"]
    run_at = departures.dt.normalize() - pd.Timedelta(days=1) + pd.Timedelta(hours=run_hour)
    return (departures - run_at).dt.total_seconds() / 3600


def summary(figures: dict[str, float]) -> pd.DataFrame:
    """One row per architecture: the trade-offs of the lecture, each with the figure measured for it."""
    fig = lambda key, fmt: format(figures[key], fmt) if key in figures else "n/a"  # noqa: E731
    age = prediction_age_hours()
    rows = {
        "embedded (01)": {
            "one prediction, p50": f"{fig('embedded_p50_us', ',.1f')} µs in process",
            "throughput": f"{fig('embedded_rows_per_s', ',.0f')} flights/s one at a time",
            "how fresh an answer is": "computed on request",
            "a model update": "change the app, restart every copy "
            f"(cold start {fig('embedded_restart_s', ',.1f')} s each)",
            "moving parts": "1 process: the app",
            "memory": f"{fig('embedded_memory_mb', ',.0f')} MB (app)",
        },
        "dedicated API (02)": {
            "one prediction, p50": f"{fig('api_p50_ms', ',.2f')} ms over loopback HTTP",
            "throughput": f"{fig('api_requests_per_s', ',.0f')} req/s (1 worker); "
            f"{fig('api_batch_rows_per_s', ',.0f')} flights/s batched",
            "how fresh an answer is": "computed on request",
            "a model update": f"move an alias: {fig('api_failed_during_update', ',.0f')} failed requests, "
            "no client change",
            "moving parts": "service + its clients: 2+ processes, 2 codebases",
            "memory": f"{fig('api_memory_mb', ',.0f')} MB (service, 1 worker)",
        },
        "streaming (03)": {
            "one prediction, p50": f"{fig('streaming_p50_us', ',.1f')} µs in the learner",
            "throughput": f"{fig('streaming_events_per_s', ',.0f')} events/s learned",
            "how fresh an answer is": "model learns each arrival; published within "
            f"{fig('streaming_freshness_s', ',.2f')} s",
            "a model update": "continuous: every snapshot is one",
            "moving parts": "event log, producer, learner, model store, predictors: 4+ processes",
            "memory": f"{fig('streaming_memory_mb', ',.0f')} MB (learner)",
        },
        "batch (04)": {
            "one prediction, p50": "none on request: answers are read from a table",
            "throughput": f"{fig('batch_rows_per_s', ',.0f')} flights/s scored and written",
            "how fresh an answer is": f"made the night before: {age.median():.0f} h old at departure "
            f"(from {age.min():.0f} to {age.max():.0f} h)",
            "a model update": "next scheduled run picks up the production alias",
            "moving parts": "a job, a scheduler, files and a database",
            "memory": f"{fig('batch_memory_mb', ',.0f')} MB (job, peak)",
        },
    }
    return pd.DataFrame(rows).T


def print_table(table: pd.DataFrame) -> None:
    """The table, one line a figure, with goal, ratio and verdict."""
    width = max(len(metric) for metric in table["metric"])
    for row in table.itertuples():
        ratio = f"{row.ratio:6.2f}×" if pd.notna(row.ratio) else ""
        verdict = {True: "met", False: "MISSED"}.get(row.meets, "")
        figure = f"{row.value:>14,.3f} {row.unit:<7}"
        print(f"{row.architecture:<10} {row.metric:<{width}} {figure} {row.goal:<22} {ratio:>8} {verdict}")


def save(table: pd.DataFrame, folder: Path = RESULTS_DIR) -> Path:
    """Write the table as CSV, and as JSON with the machine and the per-architecture summary; return the JSON path."""
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "series.csv", index=False)
    payload = {
        "machine": machine(),
        "figures": json.loads(table.to_json(orient="records")),
        "summary": summary(guide_figures(table)).to_dict(orient="index"),
    }
    path = folder / "series.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs of every part (about a minute)")
    parser.add_argument("--parts", nargs="+", default=PARTS, choices=PARTS, help="run only these parts")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="folder for series.csv and series.json")
    arguments = parser.parse_args()
    table = run(arguments.quick, tuple(arguments.parts))
    print()
    print_table(table)
    print()
    with pd.option_context("display.max_colwidth", 80, "display.width", 250):
        print(summary(guide_figures(table)).T.to_string())
    print(f"\nwritten to {save(table, arguments.out)}; machine: {machine()}")


def load(path: Path = RESULTS_DIR / "series.json") -> tuple[pd.DataFrame, dict[str, object]]:
    """A saved run: its table and the machine it was measured on."""
    payload = json.loads(Path(path).read_text())
    return pd.DataFrame(payload["figures"]), payload["machine"]


if __name__ == "__main__":
    main()
