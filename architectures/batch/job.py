"""The nightly batch job: score the flights scheduled on a logical date, then store the predictions.

    python -m architectures.batch.job --date 2013-07-01 [--to 2013-07-07] [--engine pandas|dask]
                                      [--scheduler ADDR] [--out DIR] [--model REF] [--registry DIR]

For each logical date D (never "now"; a range is a backfill) the job

1. collects D's schedule into ``landing/date=D/schedule.parquet`` unless it has already landed there
   (an upstream system may land it, bad rows included);
2. checks every row against the model's input schema and the job's own rules; rows that cannot be
   scored go to ``quarantine/date=D/part.parquet`` with their reason;
3. scores the other rows with the registry's model (resolved once per job, ONNX backend) and writes
   them to ``predictions/date=D/part.parquet``, atomically (temporary file, then rename);
4. replaces D's rows in the DuckDB ``warehouse.duckdb`` (delete and insert in one transaction) and
   appends a line to its ``runs`` table.

Rows in = rows scored + rows quarantined, always. A re-run of D with the same input and model writes
byte-identical files and the same rows: the run id is derived from the date, the model version and the
input's hash, never from the clock.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from shared.features import INPUT_FIELDS
from shared.files import file_sha256
from shared.paths import PROJECT_ROOT
from shared.predict import Predictor
from shared.registry import Registry
from shared.schema import frame_errors

DEFAULT_OUT = PROJECT_ROOT / "runs" / "batch"
"""Where the job writes by default (git-ignored)."""
SCHEDULE_COLUMNS = ["flight_id", "sched_dep", "sched_arr", "carrier", "flight", "tailnum", "origin", "dest", "distance"]
"""What the day's schedule holds: known weeks ahead. No weather (not known the night before), no outcome."""
PREDICTION_COLUMNS = [
    "flight_id",
    "sched_dep",
    "carrier",
    "origin",
    "dest",
    "p_late",
    "model_version",
    "run_id",
    "predicted_at",
]
RUN_HOUR = 22
"""The job for date D is scheduled at 22:00 on the evening before D (see ``CRONTAB``)."""
CRONTAB = (
    '0 22 * * * cd {project} && {python} -m architectures.batch.job --date "$(date -d tomorrow +\\%F)" >> {log} 2>&1'
)
"""The crontab line that runs the job every night for the next day's flights (``%`` escaped for cron)."""
CHUNK_ROWS = 65_536
"""Rows per ONNX call: large enough to amortize the call, small enough to stay in cache."""
ENGINES = ("pandas", "dask")


class NoInputError(RuntimeError):
    """The logical date has no schedule: nothing landed and the source has no flights that day."""


class JobLockedError(RuntimeError):
    """Another job is writing to the same output folder."""


class WarehouseBusyError(JobLockedError):
    """Another process holds the DuckDB file (DuckDB allows one writer, or readers only)."""


@dataclass(frozen=True)
class DayResult:
    """What one date's run did."""

    date: str
    run_id: str
    model_version: int
    rows_in: int
    rows_scored: int
    rows_quarantined: int
    input_sha256: str
    predictions_sha256: str
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.date}  in {self.rows_in:>6,}  scored {self.rows_scored:>6,}"
            f"  quarantined {self.rows_quarantined:>4,}  model v{self.model_version}  run {self.run_id}"
        )


@dataclass(frozen=True)
class DayFailure:
    """A date whose run failed (the others of a backfill still run)."""

    date: str
    error: str


# -- where things live ---------------------------------------------------------------------------
def partition(out: str | Path, table: str, day: date | str, filename: str = "part.parquet") -> Path:
    """``<out>/<table>/date=<day>/<filename>``: one folder per logical date (Hive-style)."""
    return Path(out) / table / f"date={as_date(day).isoformat()}" / filename


def landing_path(out: str | Path, day: date | str) -> Path:
    """Where the day's schedule lands before it is scored."""
    return partition(out, "landing", day, "schedule.parquet")


def warehouse_path(out: str | Path) -> Path:
    """The DuckDB database the predictions are loaded into."""
    return Path(out) / "warehouse.duckdb"


def as_date(day: date | str) -> date:
    """A logical date from ``"2013-07-01"``, a date or a timestamp."""
    return pd.Timestamp(day).date()


def date_range(first: date | str, last: date | str | None = None) -> list[date]:
    """Every date from ``first`` to ``last`` included (just ``first`` without ``last``)."""
    first = as_date(first)
    last = as_date(last) if last is not None else first
    if last < first:
        raise ValueError(f"--to {last} is before --date {first}")
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def predicted_at(day: date | str) -> pd.Timestamp:
    """When the predictions of ``day`` are available: the scheduled run, 22:00 the evening before."""
    return pd.Timestamp(as_date(day)) - pd.Timedelta(days=1) + pd.Timedelta(hours=RUN_HOUR)


def crontab_line(
    project: str | Path = PROJECT_ROOT, python: str = sys.executable, log: str = "runs/batch/cron.log"
) -> str:
    """The real crontab entry for this project and interpreter."""
    return CRONTAB.format(project=project, python=python, log=log)


# -- writing files atomically ------------------------------------------------------------------------
def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> str:
    """Write ``frame`` to ``path`` all or nothing; return the file's sha256.

    The bytes go to a hidden temporary file beside the partition folders (readers skip names starting
    with ``.``), are flushed to disk, then renamed over ``path``. A crash before the rename leaves the
    previous complete file (or none); the rename itself is atomic.
    """
    table_dir = path.parent.parent
    table_dir.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=table_dir, prefix=f".{path.parent.name}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as sink:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            strings = [
                field.name
                for field in table.schema
                if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
            ]
            pq.write_table(table, sink, compression="zstd", use_dictionary=strings)
            sink.flush()
            os.fsync(sink.fileno())
        path.parent.mkdir(exist_ok=True)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return file_sha256(path)


def remove_stale_temporaries(out: str | Path, day: date | str) -> None:
    """Delete temporary files a killed run of ``day`` left behind (only runs holding the lock call this)."""
    for table in ("predictions", "quarantine", "landing"):
        for leftover in (Path(out) / table).glob(f".date={as_date(day).isoformat()}-*.tmp"):
            leftover.unlink(missing_ok=True)


@contextmanager
def job_lock(out: str | Path) -> Iterator[None]:
    """One job at a time per output folder (what ``flock -n`` does in a crontab)."""
    Path(out).mkdir(parents=True, exist_ok=True)
    with open(Path(out) / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JobLockedError(f"another job is running on {out}") from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# -- step 1: collect -------------------------------------------------------------------------------
def collect(day: date | str, out: str | Path, flights: pd.DataFrame | None = None) -> Path:
    """Land ``day``'s schedule from the source (the flights table) unless it has already landed."""
    from shared.data import flights_on, load_flights

    path = landing_path(out, day)
    if path.exists():
        return path
    source = flights if flights is not None else load_flights()
    schedule = flights_on(source, pd.Timestamp(as_date(day)))[SCHEDULE_COLUMNS]
    if schedule.empty:
        raise NoInputError(f"no schedule landed for {as_date(day)} and the source has no flights that day")
    write_parquet_atomic(schedule.reset_index(drop=True), path)
    return path


# -- steps 2 and 3: check and score --------------------------------------------------------------------
def row_problems(schedule: pd.DataFrame, predictor: Predictor, day: date | str | None = None) -> pd.Series:
    """The first reason each row cannot be scored, or None: the model's schema, then the job's rules.

    The job's rules: a flight id, only once; and (with ``day``) a departure on the logical date.
    """
    reasons = frame_errors(schedule, predictor.spec, predictor.known)

    def flag(mask: pd.Series, reason: str) -> None:
        reasons[mask.to_numpy(dtype=bool) & reasons.isna().to_numpy()] = reason

    if "flight_id" in schedule.columns:
        flight_id = pd.to_numeric(schedule["flight_id"], errors="coerce")
    else:
        flight_id = pd.Series(np.nan, index=schedule.index)
    flag(flight_id.isna() | (flight_id % 1 != 0), "flight_id: is required and must be an integer")
    if day is not None and "sched_dep" in schedule.columns:
        departure = pd.to_datetime(schedule["sched_dep"], errors="coerce")
        flag(
            departure.notna() & (departure.dt.normalize() != pd.Timestamp(as_date(day))),
            f"sched_dep: not on {as_date(day)}",
        )
    flag(_repeated(flight_id), "flight_id: duplicate in the schedule")
    return reasons


def _repeated(values: pd.Series) -> pd.Series:
    """True where a value already appeared above (a cheap pass when the ids are sorted, as they land)."""
    if values.is_monotonic_increasing:
        numbers = values.to_numpy()
        return pd.Series(np.concatenate([[False], numbers[1:] == numbers[:-1]]), index=values.index)
    return values.duplicated(keep="first") & values.notna()


def predict_in_chunks(predictor: Predictor, rows: pd.DataFrame, chunk_rows: int = CHUNK_ROWS) -> np.ndarray:
    """P(late) of rows already checked, scored ``chunk_rows`` at a time."""
    missing = [field.name for field in INPUT_FIELDS[predictor.spec] if field.name not in rows.columns]
    if missing:  # nullable inputs the schedule does not carry (the weather): unknown the night before
        rows = rows.assign(**{name: np.float32(np.nan) for name in missing})
    if rows.empty:
        return np.empty(0, dtype=np.float64)
    return np.concatenate(
        [predictor.predict_valid(rows.iloc[start : start + chunk_rows]) for start in range(0, len(rows), chunk_rows)]
    )


def score_frame(
    schedule: pd.DataFrame, predictor: Predictor, day: date | str, run_id: str, check_date: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The day's predictions and its quarantine, from its schedule. Every row ends in exactly one."""
    reasons = row_problems(schedule, predictor, day if check_date else None)
    bad = reasons.notna().to_numpy()
    valid = schedule[~bad] if bad.any() else schedule  # no copy on a clean night
    predictions = pd.DataFrame(  # plain arrays, not Series: nothing to align, nothing copied twice
        {
            "flight_id": valid["flight_id"].to_numpy(dtype="int64"),
            "sched_dep": pd.to_datetime(valid["sched_dep"]).to_numpy(dtype="datetime64[us]"),
            **{column: valid[column].astype("str").array for column in ("carrier", "origin", "dest")},
            "p_late": predict_in_chunks(predictor, valid).astype("float32"),  # what ONNX computes in
            "model_version": np.full(len(valid), predictor.version, dtype="int32"),
            "run_id": run_id,
            "predicted_at": predicted_at(day).as_unit("us"),
        },
        columns=PREDICTION_COLUMNS,
    )
    rejected = schedule[bad]
    quarantine = pd.DataFrame(
        {
            "flight_id": pd.array(_flight_ids(rejected), dtype="Int64"),
            "reason": pd.array(reasons[bad].tolist(), dtype="str"),
            "record": pd.array(_as_json_lines(rejected), dtype="str"),
            "model_version": pd.array([predictor.version] * len(rejected), dtype="int32"),
            "run_id": pd.array([run_id] * len(rejected), dtype="str"),
        }
    )
    if len(predictions) + len(quarantine) != len(schedule):  # never silently lose a row
        raise RuntimeError(f"rows in {len(schedule)} != scored {len(predictions)} + quarantined {len(quarantine)}")
    return predictions, quarantine


def _flight_ids(rows: pd.DataFrame) -> list[int | None]:
    """The flight id of each rejected row, where it is a usable integer."""
    if "flight_id" not in rows.columns:
        return [None] * len(rows)
    numbers = pd.to_numeric(rows["flight_id"], errors="coerce")
    return [int(value) if pd.notna(value) and value % 1 == 0 else None for value in numbers]


def _as_json_lines(rows: pd.DataFrame) -> list[str]:
    """Each row as it arrived, as one JSON object (kept in quarantine for whoever fixes the source)."""
    if rows.empty:
        return []
    return rows.to_json(orient="records", lines=True, date_format="iso", date_unit="s").splitlines()


@lru_cache(maxsize=8)
def load_predictor(version: int, registry_root: str) -> Predictor:
    """The ONNX predictor of one registry version (loaded once per process or Dask worker)."""
    return Predictor.from_registry(version, backend="onnx", registry=Registry(registry_root))


def run_id_for(day: date | str, model_version: int, input_sha256: str) -> str:
    """A run id that depends only on what the run computes: same date, model and input, same id."""
    return hashlib.sha256(f"{as_date(day)}|v{model_version}|{input_sha256}".encode()).hexdigest()[:16]


def score_day(day: date | str, out: str | Path, model_version: int, registry_root: str) -> DayResult:
    """Check, score and write one date's partitions (the unit of work both engines run)."""
    started = time.perf_counter()
    predictor = load_predictor(model_version, str(registry_root))
    source = landing_path(out, day)
    input_sha256 = file_sha256(source)
    run_id = run_id_for(day, predictor.version, input_sha256)
    predictions, quarantine = score_frame(pd.read_parquet(source), predictor, day, run_id)
    predictions_sha256 = write_parquet_atomic(predictions, partition(out, "predictions", day))
    write_parquet_atomic(quarantine, partition(out, "quarantine", day))
    return DayResult(
        date=as_date(day).isoformat(),
        run_id=run_id,
        model_version=predictor.version,
        rows_in=len(predictions) + len(quarantine),
        rows_scored=len(predictions),
        rows_quarantined=len(quarantine),
        input_sha256=input_sha256,
        predictions_sha256=predictions_sha256,
        seconds=time.perf_counter() - started,
    )


def score_day_safely(
    day: date | str, out: str | Path, model_version: int, registry_root: str
) -> DayResult | DayFailure:
    """``score_day``, with a failure returned instead of raised (one bad date must not stop a backfill)."""
    try:
        return score_day(day, out, model_version, registry_root)
    except Exception as error:  # noqa: BLE001 - reported by the caller, with the date
        return DayFailure(as_date(day).isoformat(), f"{type(error).__name__}: {error}")


# -- step 4: load the warehouse -------------------------------------------------------------------------
WAREHOUSE_SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions (
    date DATE NOT NULL, flight_id BIGINT NOT NULL, sched_dep TIMESTAMP, carrier VARCHAR, origin VARCHAR,
    dest VARCHAR, p_late FLOAT, model_version INTEGER, run_id VARCHAR, predicted_at TIMESTAMP,
    PRIMARY KEY (date, flight_id));
CREATE TABLE IF NOT EXISTS quarantine (
    date DATE NOT NULL, flight_id BIGINT, reason VARCHAR, record VARCHAR, model_version INTEGER, run_id VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR, date DATE, model_version INTEGER, engine VARCHAR, rows_in BIGINT, rows_scored BIGINT,
    rows_quarantined BIGINT, input_sha256 VARCHAR, predictions_sha256 VARCHAR, seconds DOUBLE,
    finished_at TIMESTAMP);
"""


def connect_warehouse(out: str | Path, timeout: float = 30.0):
    """A read-write DuckDB connection, waiting up to ``timeout`` s for other processes to let go of the file."""
    import duckdb

    deadline = time.monotonic() + timeout
    while True:
        try:
            return duckdb.connect(str(warehouse_path(out)))
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(
                    f"{warehouse_path(out)} is held by another process; the partitions are written, "
                    "re-run the same command to load them"
                ) from None
            time.sleep(0.2)


def load_warehouse(out: str | Path, results: Sequence[DayResult], engine: str, timeout: float = 30.0) -> None:
    """Replace each date's rows in DuckDB by its partition's rows: delete and insert, one transaction."""
    with connect_warehouse(out, timeout) as con:
        con.execute(WAREHOUSE_SCHEMA)
        for result in results:
            con.begin()
            try:
                for table in ("predictions", "quarantine"):
                    con.execute(f"DELETE FROM {table} WHERE date = ?", [result.date])
                    con.execute(
                        f"INSERT INTO {table} BY NAME SELECT CAST(? AS DATE) AS date, *"
                        " FROM read_parquet(?, hive_partitioning = false)",
                        [result.date, str(partition(out, table, result.date))],
                    )
                record = {**asdict(result), "engine": engine, "finished_at": datetime.now()}
                con.execute(
                    f"INSERT INTO runs BY NAME SELECT {', '.join(f'? AS {key}' for key in record)}",
                    list(record.values()),
                )
                con.commit()
            except BaseException:
                con.rollback()
                raise


# -- the whole job -----------------------------------------------------------------------------------------
@contextmanager
def dask_client(address: str | None = None) -> Iterator[object]:
    """A Dask client: on the scheduler at ``address``, or on a local in-process cluster."""
    from dask.distributed import Client, LocalCluster

    if address:
        with Client(address, timeout="10s") as client:
            yield client
        return
    with (
        LocalCluster(
            processes=False, n_workers=1, threads_per_worker=os.cpu_count() or 1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run(
    first: date | str,
    last: date | str | None = None,
    *,
    out: str | Path = DEFAULT_OUT,
    engine: str = "pandas",
    scheduler: str | None = None,
    model: int | str = "production",
    registry: Registry | None = None,
    echo: bool = True,
    warehouse_timeout: float = 30.0,
) -> tuple[list[DayResult], list[DayFailure]]:
    """Collect, score and load every date from ``first`` to ``last``; return what succeeded and failed."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")
    out = Path(out).resolve()
    registry = registry or Registry()
    version = registry.resolve(model)  # once: every date of a backfill uses the same model version
    registry.get(version)
    days = date_range(first, last)
    with job_lock(out):
        from shared.data import load_flights

        source = None
        failures: list[DayFailure] = []
        for day in days:
            remove_stale_temporaries(out, day)
            if not landing_path(out, day).exists():
                source = source if source is not None else load_flights()
                try:
                    collect(day, out, source)
                except NoInputError as error:
                    failures.append(DayFailure(day.isoformat(), f"NoInputError: {error}"))
        todo = [day for day in days if landing_path(out, day).exists()]
        args = (str(out), version, str(registry.root))
        if engine == "pandas":
            outcomes = [score_day_safely(day, *args) for day in todo]
        else:
            with dask_client(scheduler) as client:
                futures = client.map(score_day_safely, todo, *[[arg] * len(todo) for arg in args], pure=False)
                outcomes = client.gather(futures)
        results = [outcome for outcome in outcomes if isinstance(outcome, DayResult)]
        failures += [outcome for outcome in outcomes if isinstance(outcome, DayFailure)]
        load_warehouse(out, results, engine, warehouse_timeout)
    if echo:
        for result in results:
            print(result, flush=True)
        for failure in sorted(failures, key=lambda failure: failure.date):
            print(f"{failure.date}  FAILED  {failure.error}", file=sys.stderr, flush=True)
    return results, failures


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m architectures.batch.job", description=__doc__.split("\n")[0])
    parser.add_argument("--date", required=True, help="logical date whose scheduled flights are scored (YYYY-MM-DD)")
    parser.add_argument("--to", help="last date of a backfill, included (default: only --date)")
    parser.add_argument("--engine", choices=ENGINES, default="pandas", help="where the scoring runs (default: pandas)")
    parser.add_argument("--scheduler", help="Dask scheduler address (default: a local in-process cluster)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: runs/batch)")
    parser.add_argument("--model", default="production", help="registry version or alias (default: production)")
    parser.add_argument("--registry", help="registry folder (default: $SHIPPING_MODELS_HOME or models/)")
    args = parser.parse_args(argv)
    if args.scheduler and args.engine != "dask":
        parser.error("--scheduler needs --engine dask")
    started = time.perf_counter()
    try:
        results, failures = run(
            args.date,
            args.to,
            out=args.out,
            engine=args.engine,
            scheduler=args.scheduler,
            model=args.model,
            registry=Registry(args.registry) if args.registry else None,
        )
    except JobLockedError as error:
        print(error, file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later
    elapsed = time.perf_counter() - started
    rows = sum(result.rows_in for result in results)
    rate = rows / elapsed
    print(f"{len(results)} date(s), {rows:,} rows in {elapsed:.2f} s ({rate:,.0f} rows/s), {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
