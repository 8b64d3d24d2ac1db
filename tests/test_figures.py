"""Benchmark figures as records: goals with their comparison, saved and read back by id."""

from __future__ import annotations

import pytest

from benchmarks.figures import Figure, MissingFigure, Results, at_least, at_most

RATE = Figure("batch_rows_per_s", "batch", "batch: read + score + write", 1_500_000.0, "rows/s", at_least(1_000_000))
P50 = Figure("api_p50_ms", "api", "API single prediction p50", 2.0, "ms", at_most(1.0))
PLAIN = Figure("api_p99_ms", "api", "API single prediction p99", 3.0, "ms")


@pytest.mark.parametrize(
    ("goal", "value", "met", "ratio"),
    [
        (at_most(50), 25.0, True, 2.0),
        (at_most(1), 2.0, False, 0.5),
        (at_least(1_000_000), 500_000.0, False, 0.5),
        (at_least(30_000), 60_000.0, True, 2.0),
        (at_most(0), 0.0, True, None),
        (at_most(0), 3.0, False, 0.0),
    ],
)
def test_a_goal_holds_its_comparison(goal, value, met, ratio):
    assert goal.met(value) is met
    assert goal.ratio(value) == (pytest.approx(ratio) if ratio is not None else None)


def test_a_goal_reads_as_text():
    assert at_least(1_000_000).describe("rows/s") == ">= 1,000,000 rows/s"
    assert at_most(0.5).describe("s") == "<= 0.5 s"


def test_results_round_trip_through_json_and_are_read_by_id(tmp_path):
    path = Results.of([RATE, P50, PLAIN], {"cores": 2}).save(tmp_path / "series.json")
    results = Results.load(path)
    assert results["batch_rows_per_s"] == RATE
    assert results.value("api_p50_ms") == 2.0
    assert results["api_p50_ms"].meets is False and results["batch_rows_per_s"].meets is True
    assert results["api_p99_ms"].meets is None
    assert results.machine == {"cores": 2}
    assert results.table()["id"].tolist() == ["batch_rows_per_s", "api_p50_ms", "api_p99_ms"]


def test_renaming_a_label_changes_nothing_for_a_reader(tmp_path):
    renamed = Figure(RATE.id, RATE.architecture, "a wholly different wording", RATE.value, RATE.unit, RATE.goal)
    results = Results.load(Results.of([renamed]).save(tmp_path / "series.json"))
    assert results.value("batch_rows_per_s") == RATE.value


def test_a_missing_figure_is_an_error_that_names_it(tmp_path):
    results = Results.load(Results.of([P50]).save(tmp_path / "series.json"))
    with pytest.raises(MissingFigure, match="'batch_rows_per_s' is not in .*series.json"):
        results.value("batch_rows_per_s")


def test_two_figures_with_one_id_are_refused():
    with pytest.raises(ValueError, match="share the id"):
        Results.of([P50, P50])


def test_a_figure_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError, match="not a finite number"):
        Results.of([Figure("x", "api", "x", float("nan"), "ms")])
