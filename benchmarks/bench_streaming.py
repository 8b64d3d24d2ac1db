"""Benchmark of the streaming architecture (model published as data), side by side in one run.

    python benchmarks/bench_streaming.py [--quick]

- learn+predict throughput of the online model alone (events in memory, no log, no files);
- the same end to end: a real learner process reading the default SQLite log (filled beforehand: a
  backlog), decoding JSON, writing its predictions, checkpointing (fsync) and publishing its model on
  the model stream at the default policy;
- prediction latency inside the learner and in a predictor that follows the model stream;
- the size of one model message (the JSON document);
- freshness, end to end: a learner process and a predictor process on a log fed at 5,000 events/s;
  the time from an arrival being appended to the log until the predictor process answers a request
  with a model that includes it; with the throughput (a learner through January's backlog), for
  publication intervals 10 ms, 100 ms, 1 s. The default interval's freshness is the headline figure;
  ``--quick`` measures the default interval only.

The learner is single-threaded; the machine may be shared, so figures are noisy: compare within a run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from architectures.streaming.events import ARRIVAL, flights_between, iter_events
from architectures.streaming.learner import PUBLISH_INTERVAL
from architectures.streaming.log import SQLiteLog
from architectures.streaming.online import OnlineModel
from architectures.streaming.predictor import PROBE, StreamPredictor
from architectures.streaming.published import PublishedModel, model_stream_name
from benchmarks.figures import Figure, at_least, at_most, figures_for
from benchmarks.series import cli
from shared.data import load_flights
from shared.evaluate import measure_latency
from shared.processes import BackgroundProcess, python_command, run_measured, wait_until

figure = figures_for("streaming")
INTERVALS = (0.01, 0.1, 1.0)
"""Publication intervals compared (seconds); the default is one of them."""
RATE = 5_000
"""Events per second flowing into the log while freshness is measured."""
EVENTS_PER_S = at_least(50_000)
FRESHNESS_P50 = at_most(0.1)
FRESHNESS_P99 = at_most(0.5)
PREDICT_P50 = at_most(100)


def model_alone(events: list[dict]) -> Figure:
    """Events/s of ``OnlineModel.handle`` over events already in memory (no log, no JSON, no files)."""
    model = OnlineModel()
    start = time.perf_counter()
    for event in events:
        model.handle(event)
    rate = len(events) / (time.perf_counter() - start)
    return figure("streaming_model_events_per_s", "learn+predict, model alone", rate, "events/s")


def fill(events: list[dict], path: Path) -> float:
    """Append ``events`` to a new SQLite log at ``path``; return the append rate (events/s)."""
    with SQLiteLog(path) as log:
        start = time.perf_counter()
        for first in range(0, len(events), 1000):
            log.append_events(events[first : first + 1000])
        return len(events) / (time.perf_counter() - start)


def learn_backlog(log_path: Path, store: Path, interval: float) -> tuple[dict, float, float, bytes]:
    """A learner process through the whole log: (its last document's metrics, wall s, peak MB, message)."""
    with SQLiteLog(log_path) as log:
        end = log.end_offset()
    options = ["--log", str(log_path), "--store", str(store), "--until-offset", str(end)]
    command = python_command("-m", "architectures.streaming.learner", *options, "--publish-interval", str(interval))
    wall, peak, _ = run_measured(command)  # peak: the kernel's high-water mark of resident memory
    with SQLiteLog(log_path, model_stream_name("flights")) as models:
        message = models.tail(1)[0].payload
    document = PublishedModel.from_bytes(message).document
    return {**document["metrics"], "version": document["version"]}, wall, peak, message


def freshness(events: list[dict], folder: Path, interval: float, seconds: float) -> np.ndarray:
    """Seconds from each arrival appended to the log until a predictor process answers with a model
    that includes it (a learner process publishing every ``interval`` s; events at ``RATE``/s)."""
    log_path = folder / "log.db"
    SQLiteLog(log_path).close()
    learner_options = ["--log", str(log_path), "--store", str(folder / "store"), "--publish-interval", str(interval)]
    learner = BackgroundProcess(python_command("-m", "architectures.streaming.learner", *learner_options))
    predictor = subprocess.Popen(
        python_command("-m", "architectures.streaming.predictor", "--log", str(log_path)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    sent: list[tuple[int, float]] = []  # (offset of a batch's last arrival, when the append began)
    answers: list[tuple[float, int]] = []  # (when the predictor answered, offset its model includes)
    try:
        learner.start()
        wait_until(lambda: "started at offset" in learner.log(), 60, "the learner did not start")
        request = json.dumps(PROBE) + "\n"
        predictor.stdin.write(request)
        predictor.stdout.readline()  # the predictor answers ("no model yet"): both processes are up
        done = threading.Event()
        thread = threading.Thread(target=_produce, args=(log_path, events, seconds, sent, done))
        thread.start()
        give_up = None
        while not done.is_set() or (sent and (not answers or answers[-1][1] < sent[-1][0])):
            predictor.stdin.write(request)
            answer = json.loads(predictor.stdout.readline())
            if "offset" in answer:
                answers.append((time.time(), answer["offset"]))
            time.sleep(0.002)
            if done.is_set():
                give_up = give_up or time.monotonic() + 30
                if time.monotonic() > give_up:
                    raise TimeoutError("the predictor never caught up with the stream")
        thread.join()
    finally:
        predictor.stdin.close()
        predictor.terminate()
        predictor.wait(10)
        learner.stop()
    ages = []
    for offset, appended in sent:
        answered = next(when for when, includes in answers if includes >= offset)
        ages.append(answered - appended)
    return np.asarray(ages)


def _produce(log_path: Path, events: list[dict], seconds: float, sent: list, done: threading.Event) -> None:
    """Append ``events`` at ``RATE``/s (a batch every 10 ms) for ``seconds``; note each batch's last arrival."""
    batch = RATE // 100
    with SQLiteLog(log_path) as log:
        next_at = time.monotonic()
        stop_at = next_at + seconds
        for first in range(0, len(events), batch):
            chunk = events[first : first + batch]
            began = time.time()
            offset = log.append_events(chunk)
            arrivals = [i for i, event in enumerate(chunk) if event["type"] == ARRIVAL]
            if arrivals:
                sent.append((offset - (len(chunk) - 1 - arrivals[-1]), began))
            next_at += 0.01
            if next_at > stop_at:
                break
            time.sleep(max(0.0, next_at - time.monotonic()))
    done.set()


def interval_table(
    events: list[dict], folder: Path, seconds: float, intervals: tuple[float, ...] = INTERVALS
) -> list[dict]:
    """Freshness (p50, p99) and end-to-end throughput for each publication interval."""
    rows = []
    fill(events, folder / "backlog.db")
    for interval in intervals:
        here = folder / f"every-{interval}"
        here.mkdir(parents=True)
        shutil.copy(folder / "backlog.db", here / "backlog.db")  # the same backlog, no model stream yet
        metrics, _, _, _ = learn_backlog(here / "backlog.db", here / "store", interval)
        ages = freshness(events, here / "fresh", interval, seconds)
        rows.append(
            {
                "interval_s": interval,
                "freshness_p50_s": float(np.percentile(ages, 50)),
                "freshness_p99_s": float(np.percentile(ages, 99)),
                "events_per_s": metrics["events_per_s"],
                "versions": metrics["version"],
            }
        )
    return rows


def figures(quick: bool = False) -> list[Figure]:
    """The benchmark's figures (see the module docstring); ``quick`` uses January only."""
    flights = load_flights()
    window = flights_between(flights, "2013-01-01", "2013-02-01") if quick else flights
    events = list(iter_events(window))
    table_events = list(iter_events(flights_between(flights, "2013-01-01", "2013-02-01")))  # January: ~54 k
    found = [figure("streaming_events", "events replayed", len(events), "events"), model_alone(events)]
    with tempfile.TemporaryDirectory(prefix="bench-streaming-") as folder:
        folder = Path(folder)
        append_rate = fill(events, folder / "log.db")
        metrics, wall, peak, message = learn_backlog(folder / "log.db", folder / "store", PUBLISH_INTERVAL)
        with SQLiteLog(folder / "log.db") as log:
            predictor = StreamPredictor(log)
            predictor.wait_for_model()
            served = measure_latency(lambda: predictor.predict_one(PROBE), calls=20_000, warmup=200)
            predictor.close()
        intervals = (PUBLISH_INTERVAL,) if quick else INTERVALS
        table = interval_table(table_events, folder / "intervals", 2.0 if quick else 3.0, intervals)
    default = next(row for row in table if row["interval_s"] == PUBLISH_INTERVAL)
    rate = metrics["events_per_s"]
    found += [
        figure("streaming_append_per_s", "producer append, SQLite log", append_rate, "events/s"),
        figure(
            "streaming_events_per_s",
            f"learn+predict, end to end: learner process via the SQLite log, publishing every {PUBLISH_INTERVAL} s",
            rate,
            "events/s",
            EVENTS_PER_S,
        ),
        figure(
            "streaming_wall_events_per_s",
            "same, wall clock including the process start",
            len(events) / wall,
            "events/s",
        ),
        figure("streaming_memory_mb", "learner process peak memory (kernel peak resident, VmHWM)", peak, "MB"),
        figure("streaming_versions", "model versions published during that run", metrics["version"], "versions"),
        figure("streaming_message_bytes", "model message size (JSON document)", len(message), "bytes"),
        figure("streaming_p50_us", "prediction p50, in the learner", metrics["predict_p50_us"], "µs", PREDICT_P50),
        figure("streaming_p99_us", "prediction p99, in the learner", metrics["predict_p99_us"], "µs"),
        figure(
            "streaming_predictor_p50_us",
            "prediction p50, predictor following the model stream",
            served.p50_us,
            "µs",
            PREDICT_P50,
        ),
        figure(
            "streaming_predictor_p99_us", "prediction p99, predictor following the model stream", served.p99_us, "µs"
        ),
        figure(
            "streaming_freshness_s",
            f"freshness p50, arrival appended → predictor process answers with it ({RATE:,} events/s flowing)",
            default["freshness_p50_s"],
            "s",
            FRESHNESS_P50,
        ),
        figure("streaming_freshness_p99_s", "freshness p99, same run", default["freshness_p99_s"], "s", FRESHNESS_P99),
    ]
    for row in table:
        ms = f"{row['interval_s'] * 1000:g} ms"
        key = f"{row['interval_s'] * 1000:g}ms"
        found += [
            figure(
                f"streaming_interval_{key}_freshness_p50_s",
                f"publish every {ms}: freshness p50",
                row["freshness_p50_s"],
                "s",
            ),
            figure(
                f"streaming_interval_{key}_freshness_p99_s",
                f"publish every {ms}: freshness p99",
                row["freshness_p99_s"],
                "s",
            ),
            figure(
                f"streaming_interval_{key}_events_per_s",
                f"publish every {ms}: learn+predict end to end",
                row["events_per_s"],
                "events/s",
            ),
        ]
    return found


def measure(quick: bool = False) -> list[Figure]:
    """The figures ``benchmarks.series`` prints and saves."""
    return figures(quick)


if __name__ == "__main__":
    cli(measure, __doc__.splitlines()[0])
