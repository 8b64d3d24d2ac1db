"""The series-wide benchmark's bookkeeping: goal ratios, figure lookup, saved results."""

from __future__ import annotations

import pytest

from benchmarks import series


@pytest.mark.parametrize(
    ("goal", "value", "ratio"),
    [
        ("<= 50 µs", 25.0, 2.0),
        (">= 1,000,000 rows/s", 500_000.0, 0.5),
        (">= 100k", 250_000.0, 2.5),
        (">= 30,000 events/s", 60_000.0, 2.0),
        ("<= 1 ms", 0.5, 2.0),
        ("", 3.0, None),
        ("0, and the new version answers", 0.0, None),
    ],
)
def test_goal_ratio_is_one_or_more_when_the_goal_is_met(goal, value, ratio):
    assert series.goal_ratio(goal, value) == (pytest.approx(ratio) if ratio is not None else None)


def test_guide_figures_pick_their_rows_and_skip_missing_ones(tmp_path):
    rows = [
        {"architecture": "api", "metric": "API single prediction p50 (loopback)", "value": 0.5, "unit": "ms"},
        {"architecture": "batch", "metric": "one at a time: predict_one loop", "value": 6e4, "unit": "rows/s"},
        {"architecture": "api", "metric": "API single prediction p99 (loopback)", "value": 0.9, "unit": "ms"},
    ]
    table = series.as_table([{**row, "goal": None, "meets": None} for row in rows])
    figures = series.guide_figures(table)
    assert figures == {"api_p50_ms": 0.5, "embedded_rows_per_s": 6e4}
    loaded, machine = series.load(series.save(table, tmp_path))
    assert loaded["value"].tolist() == [0.5, 6e4, 0.9]
    assert machine["cores"] >= 1
    assert "0.50 ms" in series.summary(figures).loc["dedicated API (02)", "one prediction, p50"]
