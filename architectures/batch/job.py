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
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from shared.features import INPUT_FIELDS
from shared.files import atomic_file, file_sha256
from shared.i18n import _, use_environment_language
from shared.paths import PROJECT_ROOT
from shared.predict import Predictor
from shared.registry import NO_MODEL_EXIT, NO_MODEL_HINT, Registry
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
MODEL_THREADS = 1
"""ONNX Runtime threads per call: the model runs on one core while reading, checks and writing use the other."""


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
        return _(
            "{date}  in {rows_in:>6,}  scored {scored:>6,}  quarantined {quarantined:>4,}  model v{version}  run {run}",
            date=self.date,
            rows_in=self.rows_in,
            scored=self.rows_scored,
            quarantined=self.rows_quarantined,
            version=self.model_version,
            run=self.run_id,
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
def atomic_partition(path: Path) -> AbstractContextManager[BinaryIO]:
    """An open file that appears at ``path`` whole or not at all (``shared.files.atomic_file``).

    Its temporary file is hidden beside the partition folders (readers skip names starting with ``.``;
    ``remove_stale_temporaries`` finds those a killed run left behind).
    """
    table_dir = path.parent.parent
    table_dir.mkdir(parents=True, exist_ok=True)
    return atomic_file(path, folder=table_dir, prefix=f".{path.parent.name}-")


def _parquet_writer(sink: BinaryIO, schema: pa.Schema) -> pq.ParquetWriter:
    """The series' parquet settings: zstd, dictionary-encoded strings.

    Columns handed over already dictionary-encoded are stored as plain strings to whoever reads the file
    (no arrow schema is stored with them: it would make readers decode categoricals).
    """
    strings = [field.name for field in schema if _is_text(field.type)]
    coded = any(pa.types.is_dictionary(field.type) for field in schema)
    return pq.ParquetWriter(sink, schema, compression="zstd", use_dictionary=strings, store_schema=not coded)


def _is_text(kind: pa.DataType) -> bool:
    """Strings, or codes into strings."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> str:
    """Write ``frame`` to ``path`` all or nothing (see ``atomic_partition``); return the file's sha256."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    with atomic_partition(path) as sink, _parquet_writer(sink, table.schema) as writer:
        writer.write_table(table)
    return file_sha256(path)


def remove_stale_temporaries(out: str | Path, day: date | str) -> None:
    """Delete temporary files a killed run of ``day`` left behind (only runs holding the lock call this)."""
    for table in ("predictions", "quarantine", "landing"):
        for leftover in (Path(out) / table).glob(f".date={as_date(day).isoformat()}-*"):
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
def row_problems(
    schedule: pd.DataFrame, predictor: Predictor, day: date | str | None = None, repeated: np.ndarray | None = None
) -> pd.Series:
    """The first reason each row cannot be scored, or None: the model's schema, then the job's rules.

    The job's rules: a flight id, only once; and (with ``day``) a departure on the logical date.
    ``repeated`` marks the rows whose flight id appeared earlier in the whole schedule (when ``schedule``
    is one chunk of it); by default the duplicates are looked for in ``schedule`` itself.
    """
    reasons = frame_errors(schedule, predictor.spec, predictor.known)
    free = reasons.isna().to_numpy().copy()

    def flag(mask: np.ndarray, reason: str) -> None:
        hit = mask & free
        if hit.any():
            reasons[hit] = reason
            free[hit] = False

    flight_id = flight_ids(schedule)
    flag(~np.isfinite(flight_id) | (np.floor(flight_id) != flight_id), "flight_id: is required and must be an integer")
    if day is not None and "sched_dep" in schedule.columns:
        departure = _as_datetime64(schedule["sched_dep"])
        on_day = departure.astype("datetime64[D]") == np.datetime64(as_date(day), "D")
        flag(~np.isnat(departure) & ~on_day, f"sched_dep: not on {as_date(day)}")
    flag(_repeated(flight_id) if repeated is None else repeated, "flight_id: duplicate in the schedule")
    return reasons


def flight_ids(schedule: pd.DataFrame) -> np.ndarray:
    """The flight ids as float64 (NaN where missing or not a number): integers need no parsing."""
    if "flight_id" not in schedule.columns:
        return np.full(len(schedule), np.nan)
    column = schedule["flight_id"]
    if pd.api.types.is_integer_dtype(column.dtype) and not isinstance(column.dtype, pd.api.extensions.ExtensionDtype):
        return column.to_numpy(dtype="float64")
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _as_datetime64(column: pd.Series) -> np.ndarray:
    """A column as ``datetime64[ns]`` values (NaT where missing or not a date), without re-parsing dates."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.to_numpy(dtype="datetime64[ns]")
    return pd.to_datetime(column, errors="coerce").to_numpy(dtype="datetime64[ns]")


def _repeated(values: np.ndarray) -> np.ndarray:
    """True where a flight id already appeared above (a cheap pass when the ids are sorted, as they land)."""
    if len(values) < 2:
        return np.zeros(len(values), dtype=bool)
    if not np.isnan(values).any() and (values[1:] >= values[:-1]).all():
        return np.concatenate([[False], values[1:] == values[:-1]])
    series = pd.Series(values)
    return (series.duplicated(keep="first") & series.notna()).to_numpy()


def predict_in_chunks(predictor: Predictor, rows: pd.DataFrame, chunk_rows: int = CHUNK_ROWS) -> np.ndarray:
    """P(late) of rows already checked, scored ``chunk_rows`` at a time."""
    return score_inputs(predictor, model_inputs(predictor, rows, chunk_rows))


def model_inputs(predictor: Predictor, rows: pd.DataFrame, chunk_rows: int = CHUNK_ROWS) -> list:
    """What the model scores for rows already checked, ``chunk_rows`` at a time (see ``Predictor.model_inputs``)."""
    missing = [field.name for field in INPUT_FIELDS[predictor.spec] if field.name not in rows.columns]
    if missing:  # nullable inputs the schedule does not carry (the weather): unknown the night before
        rows = rows.assign(**{name: np.float32(np.nan) for name in missing})
    return [predictor.model_inputs(rows.iloc[start : start + chunk_rows]) for start in range(0, len(rows), chunk_rows)]


def score_inputs(predictor: Predictor, inputs: list) -> np.ndarray:
    """P(late) of every chunk of ``model_inputs``, end to end."""
    if not inputs:
        return np.empty(0, dtype=np.float64)
    return np.concatenate([predictor.score_inputs(chunk) for chunk in inputs])


PREDICTION_SCHEMA = pa.schema(
    [
        ("flight_id", pa.int64()),
        ("sched_dep", pa.timestamp("us")),
        ("carrier", pa.string()),
        ("origin", pa.string()),
        ("dest", pa.string()),
        ("p_late", pa.float32()),
        ("model_version", pa.int32()),
        ("run_id", pa.string()),
        ("predicted_at", pa.timestamp("us")),
    ]
)
"""The predictions file's columns and types (``PREDICTION_COLUMNS``), fixed so every chunk writes alike."""
TEXT = pa.dictionary(pa.int32(), pa.string())
PREDICTION_CODES = pa.schema(
    [field.with_type(TEXT) if field.type == pa.string() else field for field in PREDICTION_SCHEMA]
)
"""``PREDICTION_SCHEMA`` as chunks are built and written: text as codes into a few values (the parquet
writer stores them as its dictionary without hashing every value; readers get ``PREDICTION_SCHEMA``)."""
READ_CHUNK_ROWS = 4 * CHUNK_ROWS
"""Rows a reader hands over at a time when a file is scored in a pipeline (``score_file``)."""


@dataclass
class CheckedChunk:
    """Some rows of a schedule, checked: the reason of each bad row, and the good rows ready to score."""

    schedule: pd.DataFrame
    reasons: pd.Series
    bad: np.ndarray
    valid: pd.DataFrame
    inputs: list


def check_chunk(
    schedule: pd.DataFrame,
    predictor: Predictor,
    day: date | str,
    check_date: bool = True,
    repeated: np.ndarray | None = None,
) -> CheckedChunk:
    """Check rows and prepare the model's inputs for the good ones (all but the model's own run)."""
    reasons = row_problems(schedule, predictor, day if check_date else None, repeated)
    bad = reasons.notna().to_numpy()
    valid = schedule[~bad] if bad.any() else schedule  # no copy on a clean night
    return CheckedChunk(schedule, reasons, bad, valid, model_inputs(predictor, valid))


def chunk_outputs(
    checked: CheckedChunk, p_late: np.ndarray, predictor: Predictor, day: date | str, run_id: str
) -> tuple[pa.Table, pd.DataFrame]:
    """Predictions (an arrow table, ``PREDICTION_CODES``) and quarantine of a checked, scored chunk."""
    valid, rows = checked.valid, len(checked.valid)
    predictions = pa.table(
        [
            pa.array(valid["flight_id"].to_numpy(dtype="int64")),
            pa.array(_as_datetime64(valid["sched_dep"]).astype("datetime64[us]")),
            *(_text_array(valid[column]) for column in CATEGORIES),
            pa.array(p_late.astype("float32")),  # what ONNX computes in
            pa.repeat(pa.scalar(predictor.version, pa.int32()), rows),
            pa.DictionaryArray.from_arrays(pa.repeat(pa.scalar(0, pa.int32()), rows), pa.array([run_id])),
            pa.repeat(pa.scalar(predicted_at(day).as_unit("us"), pa.timestamp("us")), rows),
        ],
        schema=PREDICTION_CODES,
    )
    rejected = checked.schedule[checked.bad]
    quarantine = pd.DataFrame(
        {
            "flight_id": pd.array(_flight_ids(rejected), dtype="Int64"),
            "reason": pd.array(checked.reasons[checked.bad].tolist(), dtype="str"),
            "record": pd.array(_as_json_lines(rejected), dtype="str"),
            "model_version": pd.array([predictor.version] * len(rejected), dtype="int32"),
            "run_id": pd.array([run_id] * len(rejected), dtype="str"),
        }
    )
    if predictions.num_rows + len(quarantine) != len(checked.schedule):  # never silently lose a row
        raise RuntimeError(
            f"rows in {len(checked.schedule)} != scored {predictions.num_rows} + quarantined {len(quarantine)}"
        )
    return predictions, quarantine


def _text_array(column: pd.Series) -> pa.DictionaryArray:
    """A text column as codes into its values (``TEXT``): a categorical's own, others encoded here."""
    if isinstance(column.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(column.cat.categories.dtype):
        return pa.array(column).cast(TEXT)
    return pa.array(column.astype("str"), pa.string()).dictionary_encode().cast(TEXT)


def score_chunk(
    schedule: pd.DataFrame,
    predictor: Predictor,
    day: date | str,
    run_id: str,
    check_date: bool = True,
    repeated: np.ndarray | None = None,
) -> tuple[pa.Table, pd.DataFrame]:
    """Check and score some rows of a schedule: predictions (arrow) and quarantine."""
    checked = check_chunk(schedule, predictor, day, check_date, repeated)
    return chunk_outputs(checked, score_inputs(predictor, checked.inputs), predictor, day, run_id)


CATEGORIES = ("carrier", "origin", "dest")


def score_frame(
    schedule: pd.DataFrame, predictor: Predictor, day: date | str, run_id: str, check_date: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The day's predictions and its quarantine, from its schedule. Every row ends in exactly one."""
    predictions, quarantine = score_chunk(schedule, predictor, day, run_id, check_date)
    return predictions.cast(PREDICTION_SCHEMA).to_pandas(), quarantine


@dataclass(frozen=True)
class FileScore:
    """What ``score_file`` wrote."""

    rows_scored: int
    rows_quarantined: int
    predictions_sha256: str


def score_file(
    source: Path, predictor: Predictor, day: date | str, run_id: str, out: str | Path, check_date: bool = True
) -> FileScore:
    """Read, check, score and write a landed schedule as a pipeline of overlapping stages.

    A reader thread decodes the next rows, checks them and prepares the model's inputs while this thread
    runs the model on the current ones and a writer thread assembles and encodes the previous
    predictions. Parquet decoding, zstd and ONNX Runtime release the GIL, so the checks run while the
    model runs and the second core is used. Text columns are read dictionary-encoded (pandas
    categoricals): a code per row, no Python string per value. The predictions file is written
    atomically; the quarantine, small, at the end. The output is the same, byte for byte, on every run
    of the same input.
    """
    parquet = open_schedule(source)
    repeated = _repeated(flight_ids(parquet.read(columns=["flight_id"]).to_pandas()))

    def checked_chunks() -> Iterator[CheckedChunk]:
        start = 0
        for batch in parquet.iter_batches(batch_size=READ_CHUNK_ROWS):
            chunk = batch.to_pandas()
            chunk.index = pd.RangeIndex(start, start + len(chunk))
            yield check_chunk(chunk, predictor, day, check_date, repeated[start : start + len(chunk)])
            start += len(chunk)

    quarantines: list[pd.DataFrame] = []
    scored = 0
    target = partition(out, "predictions", day)
    with atomic_partition(target) as sink, _parquet_writer(sink, PREDICTION_CODES) as writer:

        def write(item: tuple[CheckedChunk, np.ndarray]) -> None:
            nonlocal scored
            predictions, quarantine = chunk_outputs(*item, predictor, day, run_id)
            writer.write_table(predictions)
            quarantines.append(quarantine)
            scored += predictions.num_rows

        with _Stage(write) as stage:
            for checked in _prefetch(checked_chunks()):
                stage((checked, score_inputs(predictor, checked.inputs)))
    if not quarantines:  # an empty schedule: an empty quarantine, with its columns
        empty = parquet.schema_arrow.empty_table().to_pandas()
        quarantines.append(score_chunk(empty, predictor, day, run_id, check_date)[1])
    quarantine = pd.concat(quarantines, ignore_index=True)
    write_parquet_atomic(quarantine, partition(out, "quarantine", day))
    if scored + len(quarantine) != parquet.metadata.num_rows:
        raise RuntimeError(f"rows in {parquet.metadata.num_rows} != scored {scored} + quarantined {len(quarantine)}")
    return FileScore(scored, len(quarantine), file_sha256(target))


def open_schedule(source: Path) -> pq.ParquetFile:
    """A landed schedule, its text columns to be read dictionary-encoded (as they are stored)."""
    text = [
        field.name
        for field in pq.read_schema(source)
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
    ]
    return pq.ParquetFile(source, read_dictionary=text)


def _prefetch(items: Iterator[CheckedChunk], depth: int = 2) -> Iterator[CheckedChunk]:
    """Yield ``items`` while a thread computes up to ``depth`` items ahead (errors are raised here)."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        slots.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(done)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer
            slots.put(error)

    worker = threading.Thread(target=produce, name="batch-reader", daemon=True)
    worker.start()
    try:
        while (item := slots.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


class _Stage:
    """A worker thread that calls ``action`` on each item handed to it, in order (a bounded queue)."""

    def __init__(self, action: Callable[[object], object], depth: int = 2) -> None:
        self.action = action
        self.items: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="batch-writer", daemon=True)

    def _run(self) -> None:
        while (item := self.items.get()) is not None:
            if self.error is None:
                try:
                    self.action(item)
                except BaseException as error:  # noqa: BLE001 - raised in the caller's thread
                    self.error = error

    def __call__(self, item: object) -> None:
        if self.error is not None:
            raise self.error
        self.items.put(item)

    def __enter__(self) -> _Stage:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.items.put(None)
        self.thread.join()
        if self.error is not None and exc_info[0] is None:
            raise self.error


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
    return Predictor.from_registry(version, backend="onnx", registry=Registry(registry_root), threads=MODEL_THREADS)


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
    written = score_file(source, predictor, day, run_id, out)
    return DayResult(
        date=as_date(day).isoformat(),
        run_id=run_id,
        model_version=predictor.version,
        rows_in=written.rows_scored + written.rows_quarantined,
        rows_scored=written.rows_scored,
        rows_quarantined=written.rows_quarantined,
        input_sha256=input_sha256,
        predictions_sha256=written.predictions_sha256,
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
            print(_("{date}  FAILED  {error}", date=failure.date, error=failure.error), file=sys.stderr, flush=True)
    return results, failures


def logical_date(text: str) -> date:
    """``--date``/``--to`` for argparse: a calendar date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date written YYYY-MM-DD") from None


def missing_model(model: int | str = "production", registry: Registry | None = None) -> str | None:
    """Why the job cannot resolve ``model`` (one line saying what to do), or None when it can."""
    from shared.registry import ModelNotFoundError

    registry = registry or Registry()
    try:
        registry.get(registry.resolve(model))
    except ModelNotFoundError as error:
        return NO_MODEL_HINT if not registry.versions() else str(error)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    use_environment_language()  # print in the language of whoever started us (a notebook)
    parser = argparse.ArgumentParser(prog="python -m architectures.batch.job", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--date", required=True, type=logical_date, help="logical date whose scheduled flights are scored (YYYY-MM-DD)"
    )
    parser.add_argument("--to", type=logical_date, help="last date of a backfill, included (default: only --date)")
    parser.add_argument("--engine", choices=ENGINES, default="pandas", help="where the scoring runs (default: pandas)")
    parser.add_argument("--scheduler", help="Dask scheduler address (default: a local in-process cluster)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: runs/batch)")
    parser.add_argument("--model", default="production", help="registry version or alias (default: production)")
    parser.add_argument("--registry", help="registry folder (default: $SHIPPING_MODELS_HOME or models/)")
    args = parser.parse_args(argv)
    if args.scheduler and args.engine != "dask":
        parser.error("--scheduler needs --engine dask")
    if args.to is not None and args.to < args.date:
        parser.error(f"--to {args.to} is before --date {args.date}")
    registry = Registry(args.registry) if args.registry else Registry()
    model: int | str = int(args.model) if args.model.isdigit() else args.model
    problem = missing_model(model, registry)
    if problem:
        print(problem, file=sys.stderr)
        return NO_MODEL_EXIT
    started = time.perf_counter()
    try:
        results, failures = run(
            args.date,
            args.to,
            out=args.out,
            engine=args.engine,
            scheduler=args.scheduler,
            model=model,
            registry=registry,
        )
    except JobLockedError as error:
        print(error, file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later
    elapsed = time.perf_counter() - started
    rows = sum(result.rows_in for result in results)
    rate = rows / elapsed
    done = _(
        "{dates} date(s), {rows:,} rows in {seconds:.2f} s ({rate:,.0f} rows/s), {failed} failed",
        dates=len(results),
        rows=rows,
        seconds=elapsed,
        rate=rate,
        failed=len(failures),
    )
    print(done)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
