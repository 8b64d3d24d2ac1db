"""The batch job's guarantees: idempotent, atomic, every row accounted for, same output on both engines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from architectures.batch import job
from shared.data import flights_on, load_flights
from shared.paths import PROJECT_ROOT
from shared.registry import Registry

WEEK = ("2013-07-01", "2013-07-03")
DAY = "2013-07-02"


def run(registry: Registry, out: Path, first: str, last: str | None = None, **options):
    results, failures = job.run(first, last, out=out, registry=registry, echo=False, **options)
    assert not failures, failures
    return {result.date: result for result in results}


def tree_hashes(out: Path) -> dict[str, str]:
    """sha256 of every partition file under ``out``, by relative path."""
    return {
        str(path.relative_to(out)): job.file_sha256(path)
        for table in ("predictions", "quarantine")
        for path in sorted((out / table).glob("date=*/part.parquet"))
    }


def query(out: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(job.warehouse_path(out)), read_only=True) as con:
        return con.execute(sql).fetchall()


def land(out: Path, day: str, schedule: pd.DataFrame) -> None:
    """Put a schedule in the landing zone, as an upstream system would."""
    path = job.landing_path(out, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    schedule.to_parquet(path, index=False)


def test_same_dates_twice_give_identical_files_and_no_duplicate_rows(trained_registry, tmp_path):
    first = run(trained_registry, tmp_path, *WEEK)
    hashes = tree_hashes(tmp_path)
    second = run(trained_registry, tmp_path, *WEEK)

    assert len(hashes) == 6
    assert tree_hashes(tmp_path) == hashes
    assert {day: r.run_id for day, r in first.items()} == {day: r.run_id for day, r in second.items()}
    scored = sum(result.rows_scored for result in first.values())
    assert query(tmp_path, "SELECT count(*), count(DISTINCT (date, flight_id)) FROM predictions") == [(scored, scored)]
    assert query(tmp_path, "SELECT count(DISTINCT run_id), count(*) FROM runs") == [(3, 6)]  # the audit log keeps both
    rows = query(tmp_path, "SELECT date, count(*) FROM predictions GROUP BY date ORDER BY date")
    assert [(str(day), count) for day, count in rows] == [(day, r.rows_scored) for day, r in sorted(first.items())]


def test_every_prediction_carries_its_model_version_and_run_id(trained_registry, tmp_path, flights):
    result = run(trained_registry, tmp_path, DAY)[DAY]
    predictions = pd.read_parquet(job.partition(tmp_path, "predictions", DAY))

    assert len(predictions) == len(flights_on(flights, DAY)) == result.rows_in
    assert set(predictions["model_version"]) == {trained_registry.resolve("production")}
    assert set(predictions["run_id"]) == {result.run_id}
    assert predictions["p_late"].between(0, 1).all()
    assert (predictions["predicted_at"] == pd.Timestamp("2013-07-01 22:00")).all()


def test_run_id_changes_with_the_input(trained_registry, tmp_path, flights):
    before = run(trained_registry, tmp_path, DAY)[DAY]
    land(
        tmp_path, DAY, flights_on(flights, DAY)[job.SCHEDULE_COLUMNS].iloc[:-1]
    )  # one flight cancelled from the schedule
    after = run(trained_registry, tmp_path, DAY)[DAY]

    assert after.run_id != before.run_id
    assert after.rows_in == before.rows_in - 1
    assert query(tmp_path, "SELECT count(*), count(DISTINCT run_id) FROM predictions") == [(after.rows_scored, 1)]


def test_invalid_rows_are_quarantined_with_their_reason_and_counted(trained_registry, tmp_path, flights):
    schedule = flights_on(flights, DAY)[job.SCHEDULE_COLUMNS].reset_index(drop=True)
    bad = schedule.iloc[:6].copy()
    bad["flight_id"] = np.arange(900_001, 900_007)
    bad.loc[0, "carrier"] = None
    bad.loc[1, "dest"] = "XXX"  # an airport the model never saw
    bad.loc[2, "distance"] = np.nan
    bad.loc[3, "sched_dep"] = pd.NaT
    bad.loc[4, "sched_dep"] = pd.Timestamp("2013-08-15 09:00")  # another day's flight
    bad.loc[5, "flight_id"] = schedule.loc[10, "flight_id"]  # the same flight twice
    land(tmp_path, DAY, pd.concat([schedule, bad], ignore_index=True))

    result = run(trained_registry, tmp_path, DAY)[DAY]
    quarantine = pd.read_parquet(job.partition(tmp_path, "quarantine", DAY))
    predictions = pd.read_parquet(job.partition(tmp_path, "predictions", DAY))

    assert (result.rows_in, result.rows_scored, result.rows_quarantined) == (len(schedule) + 6, len(schedule), 6)
    assert result.rows_in == len(predictions) + len(quarantine)
    assert quarantine["reason"].tolist() == [
        "carrier: is required",
        "dest: unknown value",
        "distance: is required and must not be null or NaN",
        "sched_dep: is required",
        f"sched_dep: not on {DAY}",
        "flight_id: duplicate in the schedule",
    ]
    assert not set(bad["flight_id"].iloc[:5]) & set(predictions["flight_id"])
    assert '"dest":"XXX"' in quarantine.loc[1, "record"]
    assert query(tmp_path, "SELECT count(*) FROM quarantine") == [(6,)]
    assert query(tmp_path, "SELECT count(*) FROM predictions") == [(len(schedule),)]


def test_a_crash_before_the_rename_keeps_the_previous_complete_output(trained_registry, tmp_path, monkeypatch):
    run(trained_registry, tmp_path, DAY)
    target = job.partition(tmp_path, "predictions", DAY)
    before = job.file_sha256(target)
    land(tmp_path, DAY, flights_on(load_flights(), DAY)[job.SCHEDULE_COLUMNS].iloc[:100])  # new input

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(job.os, "replace", crash)
    results, failures = job.run(DAY, out=tmp_path, registry=trained_registry, echo=False)

    assert not results and failures[0].error == "OSError: disk full"
    assert job.file_sha256(target) == before  # the old partition, whole
    assert not list((tmp_path / "predictions").glob(".*"))  # the temporary file was removed
    assert len(pd.read_parquet(tmp_path / "predictions")) == len(pd.read_parquet(target))


KILLED_JOB = """
import os, sys, time
from architectures.batch import job
real_replace = os.replace
def stall(source, target):
    if str(target).endswith("part.parquet"):
        print("TEMP WRITTEN", source, flush=True)
        time.sleep(60)  # killed here: the temporary file is complete, the rename has not happened
    real_replace(source, target)
job.os.replace = stall
sys.exit(job.main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_a_job_killed_mid_write_leaves_no_partial_partition(trained_registry, tmp_path):
    env = {**os.environ, "SHIPPING_MODELS_HOME": str(trained_registry.root)}
    command = [sys.executable, "-c", KILLED_JOB, "--date", DAY, "--out", str(tmp_path)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("TEMP WRITTEN"), line
        temp = Path(line.split()[-1])
        assert temp.exists() and temp.stat().st_size > 0
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        process.stdout.close()

    assert process.returncode == -signal.SIGKILL
    assert not list((tmp_path / "predictions").glob("date=*/*"))  # no partition file, whole or partial
    assert not (tmp_path / "warehouse.duckdb").exists()
    assert temp.exists()  # the orphan is hidden: readers skip names starting with "."

    result = run(trained_registry, tmp_path, DAY)[DAY]  # the next run cleans up and completes
    assert not temp.exists()
    assert len(pd.read_parquet(tmp_path / "predictions")) == result.rows_scored


@pytest.mark.slow
def test_dask_engine_gives_the_same_output_as_pandas(trained_registry, tmp_path):
    from dask.distributed import LocalCluster

    pandas_out, dask_out, remote_out = tmp_path / "pandas", tmp_path / "dask", tmp_path / "remote"
    expected = run(trained_registry, pandas_out, *WEEK, engine="pandas")
    local = run(trained_registry, dask_out, *WEEK, engine="dask")
    with LocalCluster(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as cluster:
        remote = run(trained_registry, remote_out, *WEEK, engine="dask", scheduler=cluster.scheduler_address)

    assert tree_hashes(dask_out) == tree_hashes(pandas_out) == tree_hashes(remote_out)
    assert {d: r.run_id for d, r in local.items()} == {d: r.run_id for d, r in expected.items()}
    assert {d: r.run_id for d, r in remote.items()} == {d: r.run_id for d, r in expected.items()}
    sql = "SELECT * FROM predictions ORDER BY date, flight_id"
    assert query(dask_out, sql) == query(pandas_out, sql)
    assert query(dask_out, "SELECT DISTINCT engine FROM runs") == [("dask",)]


def test_a_date_without_flights_fails_and_the_others_still_run(trained_registry, tmp_path):
    results, failures = job.run("2013-12-31", "2014-01-01", out=tmp_path, registry=trained_registry, echo=False)

    assert [result.date for result in results] == ["2013-12-31"]
    assert [failure.date for failure in failures] == ["2014-01-01"]
    assert failures[0].error.startswith("NoInputError")


def test_a_second_job_on_the_same_folder_is_refused(tmp_path):
    with job.job_lock(tmp_path):
        with pytest.raises(job.JobLockedError):
            with job.job_lock(tmp_path):
                pass


@pytest.mark.slow
def test_the_command_line_and_the_scheduler_run_the_job_for_real(trained_registry, tmp_path):
    env = {**os.environ, "SHIPPING_MODELS_HOME": str(trained_registry.root)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "architectures.batch.scheduler",
            "--start",
            "2013-07-01",
            "--ticks",
            "2",
            "--every",
            "0.5",
            "--out",
            str(tmp_path),
        ],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    ticks = [line for line in done.stdout.splitlines() if line.startswith("tick")]
    assert [line.split("job --date ")[1][:17] for line in ticks] == ["2013-07-01 exit 0", "2013-07-02 exit 0"]
    assert sorted(path.parent.name for path in (tmp_path / "predictions").glob("*/part.parquet")) == [
        "date=2013-07-01",
        "date=2013-07-02",
    ]


@pytest.mark.slow
def test_a_warehouse_held_by_another_process_is_reported_and_a_rerun_loads_it(trained_registry, tmp_path):
    run(trained_registry, tmp_path, DAY)
    holder = subprocess.Popen(
        [sys.executable, "-c", READ_ONLY_HOLDER, str(job.warehouse_path(tmp_path))], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        with pytest.raises(job.WarehouseBusyError):
            job.run("2013-07-03", out=tmp_path, registry=trained_registry, echo=False, warehouse_timeout=0.5)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()

    assert job.partition(tmp_path, "predictions", "2013-07-03").exists()  # scored, not yet loaded
    assert query(tmp_path, "SELECT count(DISTINCT date) FROM predictions") == [(1,)]
    run(trained_registry, tmp_path, "2013-07-03")
    assert query(tmp_path, "SELECT count(DISTINCT date) FROM predictions") == [(2,)]


READ_ONLY_HOLDER = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1], read_only=True)
print("HOLDING", flush=True)
time.sleep(60)
"""


def test_a_first_run_without_a_model_says_what_to_do(tmp_path, capsys):
    code = job.main(["--date", DAY, "--out", str(tmp_path / "out"), "--registry", str(tmp_path / "empty")])

    assert code == job.NO_MODEL_EXIT
    assert capsys.readouterr().err.strip() == job.NO_MODEL_HINT
    assert not (tmp_path / "out").exists()


def test_the_command_the_hint_names_exists():
    from shared import model

    assert "python -m shared.model" in job.NO_MODEL_HINT and callable(model.main)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--date", "2013-13-01"], "argument --date: '2013-13-01' is not a date written YYYY-MM-DD"),
        (["--date", "2013-07-03", "--to", "July"], "argument --to: 'July' is not a date written YYYY-MM-DD"),
        (["--date", "2013-07-03", "--to", "2013-07-01"], "--to 2013-07-01 is before --date 2013-07-03"),
    ],
)
def test_a_bad_date_is_a_one_line_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        job.main(argv)

    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(f"error: {message}")


def test_the_scheduler_refuses_a_bad_start_date(capsys):
    from architectures.batch import scheduler

    with pytest.raises(SystemExit) as exit_:
        scheduler.main(["--start", "tomorrow"])

    assert exit_.value.code == 2
    assert "argument --start: 'tomorrow' is not a date" in capsys.readouterr().err


def test_checks_and_scores_in_chunks_give_what_one_pass_gives(trained_registry, flights, tmp_path, monkeypatch):
    """The pipelined job reads in chunks: a duplicate across two chunks is still caught, nothing is lost."""
    schedule = flights_on(flights, DAY)[job.SCHEDULE_COLUMNS].reset_index(drop=True)
    schedule = pd.concat([schedule, schedule.iloc[[3]]], ignore_index=True)  # the same flight in the last chunk
    land(tmp_path, DAY, schedule)
    monkeypatch.setattr(job, "READ_CHUNK_ROWS", 100)
    chunked = run(trained_registry, tmp_path, DAY)[DAY]
    predictor = job.load_predictor(trained_registry.resolve("production"), str(trained_registry.root))
    whole, quarantine = job.score_frame(schedule, predictor, DAY, chunked.run_id)

    assert (chunked.rows_scored, chunked.rows_quarantined) == (len(whole), len(quarantine)) == (len(schedule) - 1, 1)
    assert pd.read_parquet(job.partition(tmp_path, "predictions", DAY)).equals(whole)
    assert pd.read_parquet(job.partition(tmp_path, "quarantine", DAY))["reason"].tolist() == [
        "flight_id: duplicate in the schedule"
    ]


def test_text_read_dictionary_encoded_gets_the_same_reasons_and_scores(trained_registry, flights, tmp_path):
    """The job reads text columns as codes into their values (categoricals): same checks, same features."""
    schedule = flights_on(flights, DAY)[job.SCHEDULE_COLUMNS].reset_index(drop=True).iloc[:40]
    schedule = schedule.astype({column: object for column in job.CATEGORIES})
    for row, (column, value) in enumerate(
        [("carrier", ""), ("carrier", "U" * 17), ("origin", None), ("dest", "XXX"), ("dest", ""), ("origin", "JFK ")]
    ):
        schedule.loc[row, column] = value
    land(tmp_path, DAY, schedule)
    landing = job.landing_path(tmp_path, DAY)
    coded = job.open_schedule(landing).read().to_pandas()
    plain = pd.read_parquet(landing)
    predictor = job.load_predictor(trained_registry.resolve("production"), str(trained_registry.root))

    assert all(isinstance(coded[column].dtype, pd.CategoricalDtype) for column in job.CATEGORIES)
    reasons = job.row_problems(coded, predictor, DAY)
    pd.testing.assert_series_equal(reasons, job.row_problems(plain, predictor, DAY))
    assert reasons.iloc[:6].str.split(":").str[0].tolist() == ["carrier", "carrier", "origin", "dest", "dest", "origin"]
    assert reasons.iloc[6:].isna().all()
    valid = reasons.isna().to_numpy()
    np.testing.assert_array_equal(
        job.predict_in_chunks(predictor, coded[valid]), job.predict_in_chunks(predictor, plain[valid])
    )
