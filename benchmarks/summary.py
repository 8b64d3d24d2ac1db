"""The benchmark read as the lecture's trade-offs: one row per architecture, and the README's results.

    python -m benchmarks.summary [--results benchmarks/results/series.json] [--readme]

Every figure is taken from a saved run by its id (``benchmarks.figures``); a figure the run lacks is an
error. ``--readme`` rewrites the results section of ``README.md`` (between its two ``results`` markers)
from the saved run, so the README never carries a number typed by hand.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from architectures.batch.job import RUN_HOUR
from benchmarks.figures import Results
from shared.paths import PROJECT_ROOT


@dataclass(frozen=True)
class Architecture:
    """One architecture of the series: its name in the tables and what must run for it to answer."""

    title: str
    moving_parts: tuple[str, ...]

    @property
    def parts(self) -> int:
        """How many processes and stores must run."""
        return len(self.moving_parts)


ARCHITECTURES = {
    "embedded": Architecture("embedded (01)", ("the app",)),
    "api": Architecture("dedicated API (02)", ("the model service", "its client apps")),
    "streaming": Architecture(
        "streaming (03)",
        ("the event log and its model stream", "a producer", "the learner", "its checkpoint", "predictors"),
    ),
    "batch": Architecture("batch (04)", ("the job", "a scheduler", "the parquet files", "the warehouse")),
}
"""The four architectures, defined once: the summary, notebook 05's plots and the README use these."""
README = PROJECT_ROOT / "README.md"
MARKERS = ("<!-- results: begin -->", "<!-- results: end -->")
MEMORY_NOTE = (
    "PSS (proportional set size: shared pages divided among the processes sharing them) of the process tree "
    "for the app and the service, measured while they serve; for the learner and the batch job, the kernel's "
    "high-water mark of the process's resident memory (VmHWM), so a short peak is not missed"
)
"""How the memory column is measured (said wherever it is shown)."""


def prediction_age_hours(run_hour: int = RUN_HOUR) -> pd.Series:
    """Batch: hours between a nightly run (``run_hour`` the day before) and each flight's departure."""
    from shared.data import load_flights

    departures = load_flights()["sched_dep"]
    run_at = departures.dt.normalize() - pd.Timedelta(days=1) + pd.Timedelta(hours=run_hour)
    return (departures - run_at).dt.total_seconds() / 3600


def moving_parts(architecture: str) -> str:
    """``"3: a, b, c"``: how many processes and stores an architecture runs, and which."""
    spec = ARCHITECTURES[architecture]
    return f"{spec.parts}: {', '.join(spec.moving_parts)}"


def summary(results: Results) -> pd.DataFrame:
    """One row per architecture: the trade-offs of the lecture, each with the figure measured for it."""

    def fig(figure_id: str, fmt: str) -> str:
        return format(results.value(figure_id), fmt)

    age = prediction_age_hours()
    rows = {
        "embedded": {
            "one prediction, p50": f"{fig('embedded_p50_us', ',.1f')} µs in process",
            "throughput": f"{fig('batch_one_at_a_time_rows_per_s', ',.0f')} flights/s one at a time",
            "how fresh an answer is": "computed on request",
            "a model update": "change the app, restart every copy "
            f"(cold start {fig('embedded_restart_s', ',.1f')} s each)",
            "memory": f"{fig('embedded_memory_mb', ',.0f')} MB (app, PSS)",
        },
        "api": {
            "one prediction, p50": f"{fig('api_p50_ms', ',.2f')} ms over loopback HTTP",
            "throughput": f"{fig('api_requests_per_s', ',.0f')} req/s (1 worker); "
            f"{fig('api_batch_rows_per_s', ',.0f')} flights/s batched",
            "how fresh an answer is": "computed on request",
            "a model update": f"move an alias: {fig('api_failed_during_update', ',.0f')} failed requests, "
            "no client change",
            "memory": f"{fig('api_memory_mb', ',.0f')} MB (service, 1 worker, PSS)",
        },
        "streaming": {
            "one prediction, p50": f"{fig('streaming_p50_us', ',.1f')} µs in the learner",
            "throughput": f"{fig('streaming_events_per_s', ',.0f')} events/s learned",
            "how fresh an answer is": "model learns each arrival; predictors answer with it "
            f"{fig('streaming_freshness_s', ',.2f')} s later (p50)",
            "a model update": "continuous: every published version is one",
            "memory": f"{fig('streaming_memory_mb', ',.0f')} MB (learner, peak)",
        },
        "batch": {
            "one prediction, p50": "none on request: answers are read from a table",
            "throughput": f"{fig('batch_rows_per_s', ',.0f')} flights/s scored and written",
            "how fresh an answer is": f"made the night before: {age.median():.0f} h old at departure "
            f"(from {age.min():.0f} to {age.max():.0f} h)",
            "a model update": "next scheduled run picks up the production alias",
            "memory": f"{fig('batch_memory_mb', ',.0f')} MB (job, peak)",
        },
    }
    for architecture, row in rows.items():
        row["moving parts"] = moving_parts(architecture)
    table = pd.DataFrame(rows).T
    table.index = [ARCHITECTURES[architecture].title for architecture in table.index]
    return table[
        ["one prediction, p50", "throughput", "how fresh an answer is", "a model update", "moving parts", "memory"]
    ]


def _k(value: float) -> str:
    """1234567 as ``1.23 M``, 6095 as ``6.1 k``."""
    if value >= 1e6:
        return f"{value / 1e6:.2f} M"
    if value >= 1e3:
        return f"{value / 1e3:.1f} k" if value < 1e5 else f"{value / 1e3:.0f} k"
    return f"{value:.0f}"


def _load(machine: dict[str, object]) -> str:
    """``, load average 3.2 (other programs were running: noisier figures)`` when the machine was busy."""
    load, cores = machine.get("load_average"), machine.get("cores") or 1
    if load is None or float(load) < 0.5 * float(cores):  # type: ignore[arg-type]
        return ""
    return f", load average {load} (other programs were running: noisier figures)"


def readme_results(results: Results) -> str:
    """The README's results section, from a saved run (markdown, between the markers)."""
    v = results.value
    machine = results.machine
    age = prediction_age_hours()
    header = (
        f"Measured with `make bench` (all four architectures in one run, same flights, same model version) on "
        f"{machine.get('cores')} cores ({machine.get('cpu')}) with {machine.get('memory_gib')} GiB of memory, "
        f"{machine.get('system')}, Python {machine.get('python')}{_load(machine)}. Your figures will differ; "
        "notebook 05 measures them again on your machine. After `make bench`, "
        "`python -m benchmarks.summary --readme` rewrites this section from its results."
    )
    embedded = (
        f"| {ARCHITECTURES['embedded'].title} | **{v('embedded_p50_us'):.0f} µs** in process (pipeline on a 1-row "
        f"DataFrame: {v('embedded_pipeline_p50_us') / 1000:.1f} ms, {v('embedded_speedup'):.0f}× slower) | "
        f"{_k(v('batch_one_at_a_time_rows_per_s'))} flights/s one at a time | computed on request | change the app, "
        f"restart every copy (cold start {v('embedded_restart_s'):.1f} s; {v('embedded_first_answer_s'):.1f} s to a "
        f"first answer in a browser) | {v('embedded_memory_mb'):.0f} MB (app) |"
    )
    api = (
        f"| {ARCHITECTURES['api'].title} | **{v('api_p50_ms'):.2f} ms** over loopback HTTP (p99 {v('api_p99_ms'):.2f} "
        f"ms) | {_k(v('api_requests_per_s'))} req/s on 1 worker, {_k(v('api_requests_per_s_2_workers'))} on 2; "
        f"{_k(v('api_batch_rows_per_s'))} flights/s batched | computed on request | move the `production` alias: "
        f"{v('api_failed_during_update'):.0f} failed requests out of {v('api_requests_during_update'):,.0f} during "
        f"the swap, no client change | {v('api_memory_mb'):.0f} MB (service) |"
    )
    streaming = (
        f"| {ARCHITECTURES['streaming'].title} | **{v('streaming_p50_us'):.1f} µs** in the learner "
        f"({v('streaming_predictor_p50_us'):.1f} µs in a predictor) | {_k(v('streaming_events_per_s'))} events/s "
        f"learned end to end through the SQLite log | the model includes an arrival "
        f"**{v('streaming_freshness_s'):.2f} s** later (p50; p99 {v('streaming_freshness_p99_s'):.2f} s) | "
        f"continuous: the learner publishes a new version on a fixed interval | "
        f"{v('streaming_memory_mb'):.0f} MB (learner, peak) |"
    )
    batch = (
        f"| {ARCHITECTURES['batch'].title} | none on request: answers are read from a table | "
        f"**{_k(v('batch_rows_per_s'))} flights/s** read, validated, scored and written to parquet "
        f"({v('batch_share_of_predict'):.0%} of the model's own rate) | made the night before: "
        f"{age.median():.0f} h old at departure (median) | the next scheduled run uses the new `production` | "
        f"{v('batch_memory_mb'):.0f} MB (job, peak) |"
    )
    goals = [figure for figure in results if figure.goal is not None]
    missed = [figure for figure in goals if not figure.meets]
    verdict = (
        "Every goal set for the series is met in that run"
        if not missed
        else (
            f"{len(goals) - len(missed)} of {len(goals)} goals are met in that run; missed: "
            + "; ".join(
                f"{figure.label} ({figure.value:,.3g} {figure.unit}, goal {figure.goal.describe(figure.unit)})"
                for figure in missed
            )  # type: ignore[union-attr]
        )
    )
    return "\n".join(
        [
            header,
            "",
            "| architecture | one prediction (p50) | throughput | how fresh an answer is | a model update | memory |",
            "|---|---|---|---|---|---|",
            embedded,
            api,
            streaming,
            batch,
            "",
            f"{verdict} ({len(goals)} goals, each figure against its goal in `benchmarks/results/series.csv`). "
            f"Memory: {MEMORY_NOTE}.",
        ]
    )


def rewrite_readme(results: Results, readme: Path = README) -> None:
    """Replace the README's results section by the one rendered from ``results``."""
    text = readme.read_text()
    begin, end = (re.escape(marker) for marker in MARKERS)
    pattern = re.compile(f"{begin}.*?{end}", re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{readme} has no results section between {MARKERS[0]} and {MARKERS[1]}")
    section = f"{MARKERS[0]}\n{readme_results(results)}\n{MARKERS[1]}"
    readme.write_text(pattern.sub(lambda _: section, text, count=1))


def main() -> None:
    from benchmarks.series import RESULTS_FILE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=RESULTS_FILE, help="a saved run (make bench writes one)")
    parser.add_argument("--readme", action="store_true", help="rewrite the results section of README.md")
    arguments = parser.parse_args()
    results = Results.load(arguments.results)
    if arguments.readme:
        rewrite_readme(results)
        print(f"README.md results section rewritten from {arguments.results}")
    else:
        with pd.option_context("display.max_colwidth", 80, "display.width", 250):
            print(summary(results).T.to_string())


if __name__ == "__main__":
    main()
