"""Benchmark the embedded architecture: a prediction inside the app, and the app's cold start.

    python -m benchmarks.bench_embedded [--quick]

Measures side by side, in one run: the latency of one prediction in-process through the idiomatic
pipeline (a one-row DataFrame) and through the ONNX fast path the app uses, their ratio, one loopback
HTTP round trip (the least a network hop adds), and the time from ``streamlit run`` to a healthy server
and to the first probability shown in a headless Chromium. ``measure(quick=True)`` takes about 10 s.
"""

from __future__ import annotations

import asyncio
import http.client
import statistics
import time
from datetime import datetime

import pandas as pd

from architectures.embedded.browser import chromium_page, find_chromium, read_prediction, streamlit_command
from benchmarks.bench_inference import ONNX_P50_GOAL
from benchmarks.figures import Figure, at_least, at_most, figures_for
from benchmarks.series import cli
from shared.evaluate import measure_latency
from shared.model import ensure_model, predict_proba
from shared.predict import Predictor
from shared.processes import BackgroundProcess, free_port, memory_mb
from shared.registry import Registry

RECORD = {"carrier": "B6", "origin": "JFK", "dest": "BOS", "sched_dep": datetime(2013, 12, 24, 18, 30), "distance": 187}
P99_GOAL = at_most(1000)
SPEEDUP_GOAL = at_least(100)
COLD_START_GOAL = at_most(5)
FIRST_ANSWER_GOAL = at_most(10)
figure = figures_for("embedded")


def prediction_figures(quick: bool) -> list[Figure]:
    """One prediction in-process: the pipeline on a 1-row DataFrame vs the ONNX fast path."""
    _, pipeline = Registry().load_pipeline("production")
    fast = Predictor.from_registry("production", strict=True)
    naive = measure_latency(lambda: predict_proba(pipeline, pd.DataFrame([RECORD])), calls=200 if quick else 1000)
    quickest = measure_latency(lambda: fast.predict_one(RECORD), calls=2000 if quick else 20000)
    ratio = naive.p50_us / quickest.p50_us
    return [
        figure("embedded_pipeline_p50_us", "single prediction p50, pipeline (1-row DataFrame)", naive.p50_us, "µs"),
        figure("embedded_pipeline_p99_us", "single prediction p99, pipeline (1-row DataFrame)", naive.p99_us, "µs"),
        figure("embedded_p50_us", "single prediction p50, ONNX fast path", quickest.p50_us, "µs", ONNX_P50_GOAL),
        figure("embedded_p99_us", "single prediction p99, ONNX fast path", quickest.p99_us, "µs", P99_GOAL),
        figure("embedded_speedup", "fast path speed-up at p50 (pipeline / ONNX)", ratio, "×", SPEEDUP_GOAL),
    ]


async def first_prediction_seconds(url: str) -> float:
    """Seconds from opening the page to seeing a probability (the browser is launched beforehand)."""
    async with chromium_page() as page:
        started = time.perf_counter()
        await page.goto(url)
        await read_prediction(page)
        return time.perf_counter() - started


def cold_start_figures(quick: bool) -> list[Figure]:
    """``streamlit run`` to healthy, to the first probability in a browser, and one loopback HTTP hop."""
    healthy, first, hops, memory = [], [], [], []
    for _ in range(1 if quick else 3):
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        with BackgroundProcess(
            streamlit_command("architectures/embedded/app.py", port), health_url=f"{url}_stcore/health"
        ) as app:
            healthy.append(app.startup_seconds)
            if find_chromium():
                first.append(app.startup_seconds + asyncio.run(first_prediction_seconds(url)))
            memory.append(memory_mb(app.pid))
            connection = http.client.HTTPConnection("127.0.0.1", port)

            def health_check(connection=connection) -> bytes:
                connection.request("GET", "/_stcore/health")
                return connection.getresponse().read()

            hops.append(measure_latency(health_check, calls=200 if quick else 1000).p50_us)
            connection.close()
    loaded = "after a prediction in a browser" if first else "without a session: model not loaded yet"
    figures = [
        figure(
            "embedded_loopback_p50_us",
            "loopback HTTP round trip p50 (what any network hop adds)",
            statistics.median(hops),
            "µs",
        ),
        figure(
            "embedded_restart_s",
            "app cold start: streamlit run to healthy",
            statistics.median(healthy),
            "s",
            COLD_START_GOAL,
        ),
        figure("embedded_memory_mb", f"app process memory (PSS, {loaded})", statistics.median(memory), "MB"),
    ]
    if first:
        figures.append(
            figure(
                "embedded_first_answer_s",
                "app cold start: streamlit run to first probability in a browser",
                statistics.median(first),
                "s",
                FIRST_ANSWER_GOAL,
            )
        )
    return figures


def measure(quick: bool = False) -> list[Figure]:
    """Every figure of the embedded architecture, as records the series-wide benchmark can combine."""
    ensure_model("reference", verbose=False)
    return prediction_figures(quick) + cold_start_figures(quick)


if __name__ == "__main__":
    cli(measure, __doc__.splitlines()[0])
