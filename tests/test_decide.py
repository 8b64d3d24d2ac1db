"""The decision guide follows the lecture's conclusion and quotes measured figures, by id."""

from __future__ import annotations

import pytest

from benchmarks.decide import UseCase, recommend
from benchmarks.figures import Figure, MissingFigure, Results

RESULTS = Results.of(
    Figure(figure_id, figure_id.split("_")[0], figure_id, value, "")
    for figure_id, value in {
        "embedded_p50_us": 15.0,
        "batch_one_at_a_time_rows_per_s": 60_000.0,
        "embedded_restart_s": 2.5,
        "api_p50_ms": 0.7,
        "api_requests_per_s": 1500.0,
        "api_failed_during_update": 0.0,
        "batch_rows_per_s": 1_500_000.0,
        "streaming_events_per_s": 35_000.0,
        "streaming_p50_us": 20.0,
        "streaming_freshness_s": 0.3,
    }.items()
)
POC = UseCase(
    freshness_seconds=1, requests_per_second=1, client_apps=1, model_updates_per_month=1, rows_per_day=1000, team_size=1
)


def case(**changes) -> UseCase:
    return UseCase(**{**POC.__dict__, **changes})


def test_a_proof_of_concept_starts_embedded():
    advice = recommend(POC, RESULTS)
    assert advice.architecture == "embedded"
    assert "15.0 µs" in " ".join(advice.reasons)
    assert "API" in advice.next_step


@pytest.mark.parametrize("change", [{"client_apps": 3}, {"model_updates_per_month": 8}, {"requests_per_second": 500}])
def test_sharing_frequent_updates_or_machine_traffic_call_for_an_api(change):
    advice = recommend(case(**change), RESULTS)
    assert advice.architecture == "api"
    assert "0.70 ms" in " ".join(advice.reasons)


def test_answers_that_may_wait_go_to_batch():
    advice = recommend(case(freshness_seconds=86_400, requests_per_second=0, rows_per_day=10_000_000), RESULTS)
    assert advice.architecture == "batch"
    assert "1,500,000 rows/s" in " ".join(advice.reasons)


def test_a_model_that_must_follow_the_stream_needs_a_team_to_run_it():
    continuous = case(model_updates_per_month=10_000, freshness_seconds=5, client_apps=2)
    assert recommend(continuous, RESULTS).architecture == "api"
    staffed = recommend(case(model_updates_per_month=10_000, freshness_seconds=5, client_apps=2, team_size=5), RESULTS)
    assert staffed.architecture == "streaming"
    assert "35,000 events/s" in " ".join(staffed.reasons)


def test_a_missing_figure_is_an_error_not_an_invented_value():
    with pytest.raises(MissingFigure, match="embedded_p50_us"):
        recommend(POC, Results.of([]))
