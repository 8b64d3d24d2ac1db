"""Batch scoring throughput beside one-at-a-time scoring, measured in one run.

    python -m benchmarks.bench_batch [--quick]

Figures (same model version, same flights):
- the batch path: read a landing parquet of ~2 M flights, validate every row, score, write the
  predictions and the quarantine to parquet (atomically), in rows/s; goal >= 1 M rows/s;
- the raw vectorized ONNX predict on the same rows (no validation, no I/O);
- the nightly job on one real day (~1,000 flights), end to end except the warehouse load;
- one flight at a time through ``Predictor.predict_one`` (validation included), the embedded loop.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pandas as pd

from architectures.batch import job
from benchmarks.series import cli
from shared.data import load_flights
from shared.evaluate import measure_throughput
from shared.model import ensure_model
from shared.predict import Predictor
from shared.processes import python_command, run_measured

ARCHITECTURE = "batch"
GOAL_ROWS_PER_S = 1_000_000


def replicated_schedule(copies: int) -> pd.DataFrame:
    """The year's schedule ``copies`` times over, with unique flight ids (a big night)."""
    year = load_flights()[job.SCHEDULE_COLUMNS]
    frames = [year.assign(flight_id=year["flight_id"].astype("int64") + copy * 1_000_000) for copy in range(copies)]
    return pd.concat(frames, ignore_index=True)


def measure(quick: bool = False) -> list[dict]:
    """The figures as rows for the series-wide benchmark."""
    entry = ensure_model("reference", verbose=False)
    predictor = Predictor.from_registry(entry.version, backend="onnx")
    copies, repeat, single_calls = (3, 1, 5_000) if quick else (6, 3, 20_000)
    schedule = replicated_schedule(copies)
    rows = len(schedule)
    day = "2013-07-02"

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        out = Path(tmp)
        landing = job.landing_path(out, day)
        job.write_parquet_atomic(schedule, landing)

        def batch() -> None:
            frame = pd.read_parquet(landing)
            predictions, quarantine = job.score_frame(frame, predictor, day, "bench", check_date=False)
            job.write_parquet_atomic(predictions, job.partition(out, "predictions", day))
            job.write_parquet_atomic(quarantine, job.partition(out, "quarantine", day))

        batch_rate = measure_throughput(batch, rows, repeat)
        frame = pd.read_parquet(landing)
        predictor.predict_valid(frame.iloc[:1000])
        vector_rate = measure_throughput(lambda: job.predict_in_chunks(predictor, frame), rows, repeat)

        nightly_out = out / "nightly"
        job.collect(day, nightly_out)
        root = _registry_root(predictor)
        nightly_rows = job.score_day(day, nightly_out, entry.version, root).rows_in  # warm: predictor cached
        nightly_rate = measure_throughput(
            lambda: job.score_day(day, nightly_out, entry.version, root), nightly_rows, max(repeat, 3)
        )

    records = frame.iloc[:single_calls][["carrier", "origin", "dest", "sched_dep", "distance"]].to_dict("records")
    for record in records[:100]:
        predictor.predict_one(record)
    start = time.perf_counter()
    for record in records:
        predictor.predict_one(record)
    single_seconds = (time.perf_counter() - start) / len(records)
    single_rate = 1 / single_seconds

    def row(metric: str, value: float, unit: str, goal: str = "", meets: bool | None = None) -> dict:
        return {
            "architecture": ARCHITECTURE,
            "metric": metric,
            "value": value,
            "unit": unit,
            "goal": goal,
            "meets": meets,
        }

    with tempfile.TemporaryDirectory(prefix="bench-batch-job-") as tmp:
        job_seconds, job_peak = run_measured(
            python_command("-m", "architectures.batch.job", "--date", day, "--out", tmp)
        )
    return [
        row("nightly job process, start to exit (one day)", job_seconds, "s"),
        row("nightly job process peak memory (RSS)", job_peak, "MB"),
        row(
            f"batch: read + validate + score + write parquet ({rows:,} rows)",
            batch_rate,
            "rows/s",
            f">= {GOAL_ROWS_PER_S:,} rows/s",
            batch_rate >= GOAL_ROWS_PER_S,
        ),
        row(f"vectorized ONNX predict only ({rows:,} rows)", vector_rate, "rows/s"),
        row(f"nightly job, one day ({nightly_rows:,} rows, excl. warehouse)", nightly_rate, "rows/s"),
        row("one at a time: predict_one loop (embedded)", single_rate, "rows/s"),
        row("batch job vs one at a time", batch_rate / single_rate, "×"),
    ]


def _registry_root(predictor: Predictor) -> str:
    """The registry folder a predictor was loaded from (``<root>/<name>/versions/<n>``)."""
    return str(predictor.entry.path.parents[2])


if __name__ == "__main__":
    cli(measure, __doc__.splitlines()[0])
