"""Batch scoring throughput beside one-at-a-time scoring, measured in one run.

    python -m benchmarks.bench_batch [--quick]

Figures (same model version, same flights):
- the batch path: read a landing parquet of ~2 M flights, validate every row, score, write the
  predictions and the quarantine to parquet (atomically), in rows/s, as the job does it (reading,
  checking and scoring, and writing overlap); goal >= 1 M rows/s;
- the raw vectorized ONNX predict on the same rows (no validation, no I/O), and the batch path's rate
  as a share of it (goal >= 80 %: the job keeps up with its own model);
- the nightly job on one real day (~1,000 flights), end to end except the warehouse load;
- one flight at a time through ``Predictor.predict_one`` (validation included), the embedded loop.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from architectures.batch import job
from benchmarks.figures import Figure, at_least, figures_for
from benchmarks.series import cli
from shared.data import load_flights
from shared.evaluate import measure_throughput
from shared.model import ensure_model
from shared.predict import Predictor
from shared.processes import python_command, run_measured

ROWS_GOAL = at_least(1_000_000)
"""rows/s read, validated, scored and written."""
SHARE_OF_PREDICT_GOAL = at_least(0.8)
"""The batch path's rate over the model's own (predict only), measured in the same run."""
figure = figures_for("batch")


def replicated_schedule(copies: int) -> pd.DataFrame:
    """The year's schedule ``copies`` times over, with unique flight ids (a big night)."""
    year = load_flights()[job.SCHEDULE_COLUMNS]
    frames = [year.assign(flight_id=year["flight_id"].astype("int64") + copy * 1_000_000) for copy in range(copies)]
    return pd.concat(frames, ignore_index=True)


def measure(quick: bool = False) -> list[Figure]:
    """The figures as records for the series-wide benchmark."""
    entry = ensure_model("reference", verbose=False)
    predictor = Predictor.from_registry(entry.version, backend="onnx")  # ONNX Runtime's default: every core
    root = _registry_root(predictor)
    job_predictor = job.load_predictor(entry.version, root)  # the job's: the model on one core
    copies, repeat, single_calls = (3, 3, 5_000) if quick else (6, 5, 20_000)
    schedule = replicated_schedule(copies)
    rows = len(schedule)
    day = "2013-07-02"

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        out = Path(tmp)
        landing = job.landing_path(out, day)
        job.write_parquet_atomic(schedule, landing)

        frame = pd.read_parquet(landing)
        paths = {
            "all cores": lambda: job.predict_in_chunks(predictor, frame),
            "one core": lambda: job.predict_in_chunks(job_predictor, frame),
            "job": lambda: job.score_file(landing, job_predictor, day, "bench", out, check_date=False),
        }
        rates = interleaved(paths, rows, repeat)
        vector_rate = max(rates["all cores"], rates["one core"])
        batch_rate = rates["job"]

        nightly_out = out / "nightly"
        job.collect(day, nightly_out)
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

    with tempfile.TemporaryDirectory(prefix="bench-batch-job-") as tmp:
        run = run_measured(python_command("-m", "architectures.batch.job", "--date", day, "--out", tmp))
    return [
        figure("batch_job_seconds", "nightly job process, start to exit (one day)", run.seconds, "s"),
        figure("batch_memory_mb", "nightly job process peak memory (kernel peak resident, VmHWM)", run.peak_mb, "MB"),
        figure(
            "batch_rows_per_s",
            f"batch: read + validate + score + write parquet ({rows:,} rows)",
            batch_rate,
            "rows/s",
            ROWS_GOAL,
        ),
        figure(
            "batch_predict_rows_per_s",
            f"vectorized ONNX predict only, the faster of all cores and one core ({rows:,} rows)",
            vector_rate,
            "rows/s",
        ),
        figure("batch_predict_all_cores_rows_per_s", "predict only, ONNX on every core", rates["all cores"], "rows/s"),
        figure("batch_predict_one_core_rows_per_s", "predict only, ONNX on one core", rates["one core"], "rows/s"),
        figure(
            "batch_share_of_predict",
            "batch path rate / predict-only rate (same run)",
            batch_rate / vector_rate,
            "×",
            SHARE_OF_PREDICT_GOAL,
        ),
        figure(
            "batch_nightly_rows_per_s",
            f"nightly job, one day ({nightly_rows:,} rows, excl. warehouse)",
            nightly_rate,
            "rows/s",
        ),
        figure("batch_one_at_a_time_rows_per_s", "one at a time: predict_one loop (embedded)", single_rate, "rows/s"),
        figure("batch_vs_one_at_a_time", "batch job vs one at a time", batch_rate / single_rate, "×"),
    ]


def interleaved(paths: dict[str, Callable[[], object]], rows: int, repeat: int) -> dict[str, float]:
    """Best rows/s of each path, the paths taking turns ``repeat`` times (a busy moment hits all alike)."""
    best = dict.fromkeys(paths, 0.0)
    for path in paths.values():
        path()  # warm up: first calls allocate
    for _ in range(repeat):
        for name, path in paths.items():
            best[name] = max(best[name], measure_throughput(path, rows, repeat=1))
    return best


def _registry_root(predictor: Predictor) -> str:
    """The registry folder a predictor was loaded from (``<root>/<name>/versions/<n>``)."""
    return str(predictor.entry.path.parents[2])


if __name__ == "__main__":
    cli(measure, __doc__.splitlines()[0])
