"""Metrics of a probabilistic classifier, and latency/throughput of any callable."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

from shared.i18n import _


def classification_metrics(y_true, proba) -> dict[str, float]:
    """ROC AUC, average precision, log loss and Brier score, plus the base rate and the count."""
    y_true = np.asarray(y_true, dtype=bool)
    proba = np.asarray(proba, dtype=float)
    return {
        "n": int(len(y_true)),
        "late_rate": float(y_true.mean()),
        "roc_auc": float(roc_auc_score(y_true, proba)),
        "average_precision": float(average_precision_score(y_true, proba)),
        "log_loss": float(log_loss(y_true, proba, labels=[False, True])),
        "brier": float(brier_score_loss(y_true, proba)),
    }


@dataclass(frozen=True)
class Latency:
    """Latency percentiles of repeated calls, in microseconds."""

    p50_us: float
    p99_us: float
    mean_us: float
    calls: int

    def __str__(self) -> str:
        return _(
            "p50 {p50:,.1f} µs · p99 {p99:,.1f} µs ({calls:,} calls)",
            p50=self.p50_us,
            p99=self.p99_us,
            calls=self.calls,
        )


def measure_latency(fn: Callable[[], object], calls: int = 1000, warmup: int = 20) -> Latency:
    """Call ``fn`` ``warmup`` times unmeasured, then ``calls`` times, timing each call."""
    for _warmup in range(warmup):
        fn()
    timings = np.empty(calls, dtype=np.int64)
    clock = time.perf_counter_ns
    for index in range(calls):
        start = clock()
        fn()
        timings[index] = clock() - start
    micro = timings / 1_000
    return Latency(float(np.percentile(micro, 50)), float(np.percentile(micro, 99)), float(micro.mean()), calls)


def measure_throughput(fn: Callable[[], object], items: int, repeat: int = 3) -> float:
    """Items per second of ``fn`` (which processes ``items`` items), best of ``repeat`` runs."""
    best = float("inf")
    for _run in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return items / best
