"""Single-row latency and many-row throughput of the inference paths, side by side in one run.

    python -m benchmarks.bench_inference [--quick]

Compares the idiomatic scikit-learn pipeline on a one-row DataFrame with the shared predictor's two
backends (scikit-learn and ONNX Runtime), on the same flights and the same model version.
"""

from __future__ import annotations

import os
import tempfile

import pandas as pd

from benchmarks.series import cli
from shared import features, model
from shared.data import load_flights, split_by_time
from shared.evaluate import measure_latency, measure_throughput
from shared.predict import Predictor
from shared.registry import Registry

ARCHITECTURE = "inference"


def _row(metric: str, value: float, unit: str, goal: str | None = None, meets: bool | None = None) -> dict:
    return {"architecture": ARCHITECTURE, "metric": metric, "value": value, "unit": unit, "goal": goal, "meets": meets}


def measure(quick: bool = False) -> list[dict]:
    """Measure every inference path; return one row per figure."""
    calls, rows = (300, 200_000) if quick else (3000, 1_000_000)
    registry = Registry(os.environ.get("SHIPPING_MODELS_HOME") or tempfile.mkdtemp(prefix="bench-registry-"))
    model.ensure_model("reference", registry, verbose=False)
    onnx = Predictor.from_registry(registry=registry, backend="onnx")
    sklearn = Predictor.from_registry(registry=registry, backend="sklearn")
    _, pipeline = registry.load_pipeline()

    future = split_by_time(load_flights())[1]
    record = future.iloc[0][[field.name for field in features.INPUT_FIELDS["reference"]]].to_dict()
    one_row = features.frame_features(future.head(1), "reference")
    many = pd.concat([future] * (rows // len(future) + 1), ignore_index=True).head(rows)

    naive = measure_latency(lambda: pipeline.predict_proba(one_row), calls // 3)
    via_sklearn = measure_latency(lambda: sklearn.predict_one(record), calls // 3)
    via_onnx = measure_latency(lambda: onnx.predict_one(record), calls)
    speedup = naive.p50_us / via_onnx.p50_us
    sklearn_rows = measure_throughput(lambda: sklearn.predict_valid(many), rows, repeat=2)
    onnx_rows = measure_throughput(lambda: onnx.predict_valid(many), rows, repeat=3)
    return [
        _row("pipeline, 1-row DataFrame p50", naive.p50_us, "µs"),
        _row("pipeline, 1-row DataFrame p99", naive.p99_us, "µs"),
        _row("predictor sklearn, 1 row p50", via_sklearn.p50_us, "µs"),
        _row("predictor sklearn, 1 row p99", via_sklearn.p99_us, "µs"),
        _row("predictor onnx, 1 row p50", via_onnx.p50_us, "µs", "<= 50 µs", via_onnx.p50_us <= 50),
        _row("predictor onnx, 1 row p99", via_onnx.p99_us, "µs"),
        _row("onnx speed-up over 1-row pipeline (p50)", speedup, "×", ">= 80×", speedup >= 80),
        _row("predictor sklearn, many rows", sklearn_rows, "rows/s"),
        _row("predictor onnx, many rows", onnx_rows, "rows/s", ">= 1,000,000 rows/s", onnx_rows >= 1_000_000),
    ]


if __name__ == "__main__":
    cli(measure, __doc__.splitlines()[0])
