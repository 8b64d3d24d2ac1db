"""Benchmark of the streaming architecture (model published as data), side by side in one run.

    python benchmarks/bench_streaming.py [--quick]

- learn+predict throughput of the online model alone (events in memory, no log, no files);
- the same end to end: a real learner process reading the default SQLite log (filled beforehand: a
  backlog), decoding JSON, writing its predictions, checkpointing and publishing snapshots at the
  default policy with fsync: the log I/O is included;
- prediction latency inside the learner (a departure event to a probability) and in a predictor
  that follows the model store;
- freshness: a real learner process at the default snapshot policy, events flowing in; the time from
  an arrival appended to the log until a published snapshot has learned it, seen from outside.

All on one core (the learner is single-threaded). ``measure(quick=True)`` uses January only (~10 s).
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from architectures.streaming.events import flights_between, iter_events
from architectures.streaming.learner import SNAPSHOT_INTERVAL
from architectures.streaming.log import SQLiteLog
from architectures.streaming.online import OnlineModel
from architectures.streaming.predictor import PROBE, SnapshotPredictor
from architectures.streaming.store import ModelStore
from benchmarks.series import cli
from shared.data import load_flights
from shared.evaluate import measure_latency
from shared.processes import BackgroundProcess, python_command, run_measured

ARCHITECTURE = "streaming"


def row(metric: str, value: float, unit: str, goal: str | None = None, meets: bool | None = None) -> dict:
    return {"architecture": ARCHITECTURE, "metric": metric, "value": value, "unit": unit, "goal": goal, "meets": meets}


def model_alone(events: list[dict]) -> dict:
    """Events/s of ``OnlineModel.handle`` over events already in memory (no log, no JSON, no files)."""
    model = OnlineModel()
    start = time.perf_counter()
    for event in events:
        model.handle(event)
    rate = len(events) / (time.perf_counter() - start)
    return row("learn+predict, model alone", rate, "events/s", ">= 30,000 events/s", rate >= 30_000)


def end_to_end(events: list[dict], folder: Path) -> list[dict]:
    """Fill a SQLite log, then run a real learner process through all of it (default policy, fsync on)."""
    with SQLiteLog(folder / "log.db") as log:
        start = time.perf_counter()
        for first in range(0, len(events), 1000):
            log.append_events(events[first : first + 1000])
        append_rate = len(events) / (time.perf_counter() - start)
        end = log.end_offset()
    store = ModelStore(folder / "store")
    options = ["--log", str(folder / "log.db"), "--store", str(store.root), "--until-offset", str(end)]
    wall, peak = run_measured(python_command("-m", "architectures.streaming.learner", *options))
    info = store.latest_info()  # the learner's own figures, published with its last snapshot
    rate = info["events_per_s"]
    predictor = SnapshotPredictor(store)
    predictor.refresh()
    served = measure_latency(lambda: predictor.predict_one(PROBE), calls=20_000, warmup=200)
    p50 = info["predict_p50_us"]
    return [
        row("producer append, SQLite log", append_rate, "events/s"),
        row(
            "learn+predict, end to end: learner process via the SQLite log",
            rate,
            "events/s",
            ">= 30,000 events/s",
            rate >= 30_000,
        ),
        row("same, wall clock including the process start", end / wall, "events/s"),
        row("learner process peak memory (RSS)", peak, "MB"),
        row("snapshots published during that run", info["version"], "snapshots"),
        row("prediction p50, in the learner", p50, "µs", "<= 100 µs", p50 <= 100),
        row("prediction p99, in the learner", info["predict_p99_us"], "µs"),
        row("prediction p50, predictor following the store", served.p50_us, "µs", "<= 100 µs", served.p50_us <= 100),
        row("prediction p99, predictor following the store", served.p99_us, "µs"),
    ]


def freshness(events: list[dict], folder: Path, seconds: float, rate: float = 5_000) -> list[dict]:
    """A real learner process on a log fed at ``rate`` events/s; watch ``LATEST.json`` from outside."""
    store = ModelStore(folder / "store")
    log_path = folder / "log.db"
    SQLiteLog(log_path).close()
    command = python_command(
        "-m", "architectures.streaming.learner", "--log", str(log_path), "--store", str(store.root)
    )
    batch = max(1, int(rate / 100))  # a batch every 10 ms
    sent: list[tuple[int, float]] = []  # (last offset of a batch holding arrivals, when it was appended)
    seen: list[tuple[float, int]] = []  # (when, offset of the published snapshot)
    with BackgroundProcess(command) as learner:
        while "started at offset" not in learner.log():
            time.sleep(0.02)
        done = threading.Event()

        def produce() -> None:
            with SQLiteLog(log_path) as log:
                next_at = time.monotonic()
                stop_at = next_at + seconds
                for first in range(0, len(events), batch):
                    chunk = events[first : first + batch]
                    offset = log.append_events(chunk)
                    if any(event["type"] == "arrival" for event in chunk):
                        sent.append((offset, time.time()))
                    next_at += 0.01
                    if next_at > stop_at:
                        break
                    time.sleep(max(0.0, next_at - time.monotonic()))
            done.set()

        producer = threading.Thread(target=produce)
        producer.start()
        last = 0
        while not done.is_set() or (sent and last < sent[-1][0]):
            info = store.latest_info()
            if info is not None and info["offset"] != last:
                last = info["offset"]
                seen.append((time.time(), last))
            time.sleep(0.002)
        producer.join()
    ages = []
    for offset, appended in sent:
        published = next(when for when, at in seen if at >= offset)
        ages.append(published - appended)
    ages = np.asarray(ages)
    p50, worst = float(np.percentile(ages, 50)), float(ages.max())
    goal = "<= 1 s"
    policy = f"snapshot every {SNAPSHOT_INTERVAL} s, {rate:,.0f} events/s flowing"
    return [
        row(f"freshness p50 ({policy})", p50, "s", goal, p50 <= 1.0),
        row(f"freshness max ({policy})", worst, "s", goal, worst <= 1.0),
    ]


def measure(quick: bool = False) -> list[dict]:
    """The benchmark's rows (see the module docstring); ``quick`` uses January only."""
    flights = load_flights()
    window = flights_between(flights, "2013-01-01", "2013-02-01") if quick else flights
    events = list(iter_events(window))
    rows = [row("events replayed", len(events), "events")]
    rows.append(model_alone(events))
    with tempfile.TemporaryDirectory(prefix="bench-streaming-") as folder:
        rows += end_to_end(events, Path(folder) / "throughput")
        rows += freshness(events, Path(folder) / "freshness", seconds=3.0 if quick else 8.0)
    return rows


if __name__ == "__main__":
    cli(measure, __doc__.splitlines()[0])
