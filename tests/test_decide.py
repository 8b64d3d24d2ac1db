"""The decision guide takes the lecture's four inputs, each able to change its advice, and quotes figures by id."""

from __future__ import annotations

import pytest

from benchmarks.decide import UseCase, data_kinds, grow, on_request_cores, recommend
from benchmarks.figures import Figure, MissingFigure, Results
from shared.i18n import set_language

RESULTS = Results.of(
    Figure(figure_id, figure_id.split("_")[0], figure_id, value, "")
    for figure_id, value in {
        "embedded_p50_us": 15.0,
        "batch_one_at_a_time_rows_per_s": 60_000.0,
        "embedded_restart_s": 2.5,
        "api_p50_ms": 0.7,
        "api_requests_per_s": 1500.0,
        "api_requests_per_s_2_workers": 2800.0,
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
CONTINUOUS = grow(POC, freshness_seconds=5, model_updates_per_month=10_000, data="stream", team_size=5, cores=8)
"""A model that must follow an event stream, with the team and the cores to run streaming."""
MAY_WAIT = grow(POC, freshness_seconds=86_400)
HUGE_VOLUME = 500_000_000  # rows a day: more than a few cores can answer one request at a time (at 1,500 req/s)


def advice(case: UseCase) -> str:
    return recommend(case, RESULTS).architecture


def test_a_proof_of_concept_starts_embedded():
    recommendation = recommend(POC, RESULTS)
    assert recommendation.architecture == "embedded"
    assert "15.0 µs" in " ".join(recommendation.reasons)
    assert "API" in recommendation.next_step


@pytest.mark.parametrize(
    ("lecture_input", "base", "change", "before", "after"),
    [
        # the use case
        ("use case", POC, {"client_apps": 3}, "embedded", "api"),
        ("use case", POC, {"model_updates_per_month": 8}, "embedded", "api"),
        ("use case", CONTINUOUS, {"team_size": 1}, "streaming", "api"),
        # the type of data
        ("type of data", CONTINUOUS, {"data": "requests"}, "streaming", "api"),
        ("type of data", grow(MAY_WAIT, requests_per_second=5), {"data": "table"}, "embedded", "batch"),
        ("type of data", MAY_WAIT, {"rows_per_day": HUGE_VOLUME}, "embedded", "batch"),
        ("type of data", POC, {"rows_per_day": HUGE_VOLUME}, "embedded", "api"),
        # the compute resources available
        ("compute", CONTINUOUS, {"cores": 2}, "streaming", "api"),
        ("compute", grow(MAY_WAIT, rows_per_day=HUGE_VOLUME, cores=64), {"cores": 2}, "embedded", "batch"),
        # the need for real-time answers
        ("real time", grow(POC, data="table"), {"freshness_seconds": 86_400}, "embedded", "batch"),
        ("real time", MAY_WAIT, {"requests_per_second": 0}, "embedded", "batch"),
        ("real time", POC, {"requests_per_second": 500}, "embedded", "api"),
        ("real time", CONTINUOUS, {"freshness_seconds": 600}, "streaming", "api"),
    ],
)
def test_every_input_of_the_lecture_can_change_the_advice(lecture_input, base, change, before, after):
    assert advice(base) == before
    assert advice(grow(base, **change)) == after, f"{lecture_input}: {change}"


def test_batch_quotes_the_measured_rates_and_the_volume():
    recommendation = recommend(grow(MAY_WAIT, requests_per_second=0, rows_per_day=10_000_000), RESULTS)
    assert recommendation.architecture == "batch"
    reasons = " ".join(recommendation.reasons)
    assert "1,500,000 rows/s" in reasons and "10,000,000 rows a day take about 6.7 s" in reasons


def test_a_volume_beyond_the_cores_names_the_cores_it_needs():
    case = grow(MAY_WAIT, rows_per_day=HUGE_VOLUME)
    assert on_request_cores(case, RESULTS) == pytest.approx(HUGE_VOLUME / (1500 * 86_400 * 0.5))
    assert "needs about 8 cores, you have 2" in " ".join(recommend(case, RESULTS).reasons)


def test_streaming_says_what_is_missing_when_it_is_not_advised():
    reasons = " ".join(recommend(grow(CONTINUOUS, data="requests", team_size=1, cores=1), RESULTS).reasons)
    assert "not as a stream" in reasons and "a team of 1" in reasons and "1 cores" in reasons
    assert "35,000 events/s" in " ".join(recommend(CONTINUOUS, RESULTS).reasons)


def test_the_evolution_path_moves_the_advice_as_needs_grow():
    second_app = grow(POC, client_apps=2)
    must_follow = grow(
        second_app,
        **{
            k: getattr(CONTINUOUS, k)
            for k in ("freshness_seconds", "model_updates_per_month", "data", "team_size", "cores")
        },
    )
    assert [advice(case) for case in (POC, second_app, must_follow)] == ["embedded", "api", "streaming"]


def test_the_advice_renders_as_static_markdown():
    text = recommend(POC, RESULTS).markdown()
    assert text.startswith("**Start with: Embedded") and "*Next step:*" in text and "- a prediction costs" in text


def test_bad_inputs_are_refused_with_the_field_named():
    with pytest.raises(ValueError, match="data must be one of"):
        grow(POC, data="csv")
    with pytest.raises(ValueError, match="cores must be at least 1"):
        grow(POC, cores=0)


def test_a_missing_figure_is_an_error_not_an_invented_value():
    with pytest.raises(MissingFigure, match="api_requests_per_s"):
        recommend(POC, Results.of([]))


def test_the_guide_speaks_portuguese_after_set_language():
    set_language("pt-BR")
    try:
        proof_of_concept = recommend(POC, RESULTS).markdown()
        batch = " ".join(recommend(grow(MAY_WAIT, requests_per_second=0, rows_per_day=10_000_000), RESULTS).reasons)
        kinds = list(data_kinds())
    finally:
        set_language("en")
    assert proof_of_concept.startswith("**Comece com: Arquitetura embutida") and "*Próximo passo:*" in proof_of_concept
    assert "15,0 µs dentro do processo" in proof_of_concept  # Brazilian decimal comma
    assert "1.500.000 linhas/s" in batch and "10.000.000 linhas por dia levam cerca de 6,7 s" in batch
    assert kinds == ["uma requisição de cada vez", "um stream contínuo de eventos", "uma tabela diária"]
    assert recommend(POC, RESULTS).markdown().startswith("**Start with: Embedded")  # back in English
