"""Single-row latency and many-row throughput of the inference paths, side by side in one run.

    python -m benchmarks.bench_inference [--quick]

Compares the idiomatic scikit-learn pipeline on a one-row DataFrame with the shared predictor's two
backends (scikit-learn and ONNX Runtime), on the same flights and the same model version.
"""

from __future__ import annotations

import os
import tempfile

import pandas as pd

from benchmarks.figures import Figure, at_least, at_most, figures_for
from benchmarks.series import cli
from shared import features, model
from shared.data import load_flights, split_by_time
from shared.evaluate import measure_latency, measure_throughput
from shared.predict import Predictor
from shared.registry import Registry

ONNX_P50_GOAL = at_most(50)
"""µs: one prediction through the ONNX fast path (the embedded app's path, measured again in bench_embedded)."""
SPEEDUP_GOAL = at_least(80)
ROWS_GOAL = at_least(1_000_000)
figure = figures_for("inference")


def measure(quick: bool = False) -> list[Figure]:
    """Measure every inference path; return one record per figure."""
    calls, rows = (300, 200_000) if quick else (3000, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as scratch:
        registry = Registry(os.environ.get("SHIPPING_MODELS_HOME") or scratch)
        return _measure(registry, calls, rows)


def _measure(registry: Registry, calls: int, rows: int) -> list[Figure]:
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
        figure("inference_pipeline_p50_us", "pipeline, 1-row DataFrame p50", naive.p50_us, "µs"),
        figure("inference_pipeline_p99_us", "pipeline, 1-row DataFrame p99", naive.p99_us, "µs"),
        figure("inference_sklearn_p50_us", "predictor sklearn, 1 row p50", via_sklearn.p50_us, "µs"),
        figure("inference_sklearn_p99_us", "predictor sklearn, 1 row p99", via_sklearn.p99_us, "µs"),
        figure("inference_onnx_p50_us", "predictor onnx, 1 row p50", via_onnx.p50_us, "µs", ONNX_P50_GOAL),
        figure("inference_onnx_p99_us", "predictor onnx, 1 row p99", via_onnx.p99_us, "µs"),
        figure("inference_onnx_speedup", "onnx speed-up over 1-row pipeline (p50)", speedup, "×", SPEEDUP_GOAL),
        figure("inference_sklearn_rows_per_s", "predictor sklearn, many rows", sklearn_rows, "rows/s"),
        figure("inference_onnx_rows_per_s", "predictor onnx, many rows", onnx_rows, "rows/s", ROWS_GOAL),
    ]


if __name__ == "__main__":
    cli(measure, __doc__.splitlines()[0])
