"""Benchmark of the dedicated model API, beside the embedded model measured in the same run.

    python -m benchmarks.bench_api [--quick]

Starts the real service (uvicorn, uvloop, httptools) on a free loopback port and measures:
one prediction end to end (p50/p99, sequential keep-alive client), requests per second on one worker
(8 keep-alive connections) and on two, and flights per second through the batch endpoint; and the
same model called in-process (the embedded architecture) for comparison.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import orjson

from architectures.api.client import FlightDelayClient
from architectures.api.command import uvicorn_command
from architectures.api.load import Load, hammer
from benchmarks.figures import Figure, at_least, at_most, figures_for
from benchmarks.series import cli
from shared.data import load_flights, split_by_time
from shared.evaluate import measure_latency, measure_throughput
from shared.model import ensure_model
from shared.predict import Predictor
from shared.processes import BackgroundProcess, free_port, memory_mb
from shared.registry import Registry

FLIGHT = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-07-15T17:30:00", "distance": 719.0}
PREDICT = "/v2/models/flight-delay/predict"
BASE = ["carrier", "origin", "dest", "sched_dep", "distance"]
P50_GOAL = at_most(1.0)
"""ms, one prediction over loopback HTTP."""
REQUESTS_GOAL = at_least(1000)
BATCH_ROWS_GOAL = at_least(100_000)
NO_FAILURE = at_most(0)
SWITCHED = at_least(1)
figure = figures_for("api")
SWITCH_WAIT_SECONDS = 30.0
"""How long the new version may take to answer once the alias has moved (the load may end first)."""


def start(workers: int, registry: Registry) -> tuple[BackgroundProcess, str]:
    """The service on a free port, serving ``registry``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"SHIPPING_MODELS_HOME": str(registry.root)}
    return BackgroundProcess(uvicorn_command(port, workers), health_url=f"{url}/v2/health/ready", env=env).start(), url


def batch_of_known_flights(predictor: Predictor, rows: int):
    """``rows`` real July–December flights whose airline and airports the model knows."""
    future = split_by_time(load_flights())[1]
    known = np.logical_and.reduce([future[name].isin(predictor.known[name]) for name in ("carrier", "origin", "dest")])
    return future[known][BASE].iloc[:rows].reset_index(drop=True)


def load_during_update(url: str, seconds: float, registry: Registry) -> tuple[Load, bool]:
    """Load the service while ``production`` moves to the weather model; does it switch? Then move it back."""
    before = registry.resolve("production")
    weather = ensure_model("weather", registry, verbose=False)  # already in the copy: found, not trained
    outcome: dict[str, Load] = {}
    worker = threading.Thread(
        target=lambda: outcome.update(load=hammer(url, PREDICT, orjson.dumps(FLIGHT), connections=4, seconds=seconds))
    )
    worker.start()
    try:
        time.sleep(seconds / 3)
        registry.set_alias("production", weather.version)
        worker.join()
        with FlightDelayClient(url) as client:
            deadline = time.monotonic() + SWITCH_WAIT_SECONDS  # loading and warming the new version takes a moment
            while not (switched := client.predict(FLIGHT).model_version == weather.version):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
    finally:
        registry.set_alias("production", before)
    return outcome["load"], switched


def measure(quick: bool = False) -> list[Figure]:
    """Every figure, as records (see ``benchmarks.figures``), served from a copy of the registry."""
    with tempfile.TemporaryDirectory(prefix="bench-api-registry-") as scratch:
        return measure_with(private_registry(Path(scratch)), quick)


def private_registry(folder: Path) -> Registry:
    """A copy of the project's registry with the reference and weather models: the benchmark moves its alias."""
    project = Registry()
    ensure_model("reference", project, verbose=False)
    ensure_model("weather", project, verbose=False)
    return project.copy_to(folder)


def measure_with(registry: Registry, quick: bool) -> list[Figure]:
    """The figures, against the service serving ``registry``."""
    calls, seconds, batch_rows, batch_repeat = (300, 0.75, 5_000, 2) if quick else (3_000, 3.0, 10_000, 10)
    embedded = Predictor.from_registry("production", registry=registry, backend="onnx", strict=True)
    flights = batch_of_known_flights(embedded, batch_rows)

    one = measure_latency(lambda: embedded.predict_one(FLIGHT), calls=calls, warmup=50)
    embedded_rows = measure_throughput(lambda: embedded.predict_many(flights), batch_rows, batch_repeat)
    results = [
        figure("api_embedded_p50_ms", "embedded single prediction p50", one.p50_us / 1000, "ms"),
        figure("api_embedded_rows_per_s", "embedded rows/s (predict_many)", embedded_rows, "rows/s"),
    ]

    process, url = start(1, registry)
    try:
        with FlightDelayClient(url) as api:
            latency = measure_latency(lambda: api.predict(FLIGHT), calls=calls, warmup=100)
            api.predict_many(flights.iloc[:100])
            api_rows = measure_throughput(lambda: api.predict_many(flights), batch_rows, batch_repeat)
        load = hammer(url, PREDICT, orjson.dumps(FLIGHT), connections=8, seconds=seconds)
        memory = memory_mb(process.pid)
        update, switched = load_during_update(url, seconds, registry)
    finally:
        process.stop()
    results += [
        figure("api_p50_ms", "API single prediction p50 (loopback)", latency.p50_us / 1000, "ms", P50_GOAL),
        figure("api_p99_ms", "API single prediction p99 (loopback)", latency.p99_us / 1000, "ms"),
        figure("api_requests_per_s", "API req/s, 1 worker", load.per_second, "req/s", REQUESTS_GOAL),
        figure("api_failed_under_load", "API failed requests under that load", load.failed, "requests", NO_FAILURE),
        figure(
            "api_batch_rows_per_s",
            f"API rows/s, batch endpoint ({batch_rows:,} rows/request)",
            api_rows,
            "rows/s",
            BATCH_ROWS_GOAL,
        ),
        figure(
            "api_failed_during_update",
            "API failed requests while production moves to a new version",
            update.failed,
            "requests",
            NO_FAILURE,
        ),
        figure("api_update_switched", "the new version answers after the update (1: yes)", switched, "", SWITCHED),
        figure("api_requests_during_update", "API requests served during that update", update.requests, "requests"),
        figure("api_update_requests_per_s", "API req/s during that update", update.per_second, "req/s"),
        figure("api_memory_mb", "API service memory (PSS of the process tree, 1 worker)", memory, "MB"),
    ]

    process, url = start(2, registry)
    try:
        load2 = hammer(url, PREDICT, orjson.dumps(FLIGHT), connections=8, seconds=seconds)
    finally:
        process.stop()
    results.append(figure("api_requests_per_s_2_workers", "API req/s, 2 workers", load2.per_second, "req/s"))
    return results


if __name__ == "__main__":
    cli(measure, __doc__.splitlines()[0])
