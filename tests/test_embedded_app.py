"""The embedded Streamlit app, run headless with Streamlit's AppTest against a temporary registry."""

from __future__ import annotations

import math
import shutil
from datetime import date, datetime, time
from pathlib import Path

import pytest
from app_support import APP, APP_WEATHER, run_app

from architectures.embedded import core
from shared.data import load_flights
from shared.features import WEATHER
from shared.model import ensure_model
from shared.predict import Predictor
from shared.registry import ONNX_FILE, Registry
from shared.schema import InputError


def test_default_render(restart) -> None:
    app = run_app()
    assert not app.exception
    assert not app.error
    assert app.title[0].value == "✈️ Will my flight be late?"
    assert [box.label for box in app.selectbox] == ["From", "To", "Airline"]
    assert app.metric[0].label == "P(late ≥ 15 min)"
    p_late = float(app.metric[0].value.rstrip("%")) / 100
    assert 0 < p_late < 1
    assert any(caption.value.startswith("Model version 1 (reference)") for caption in app.caption)
    assert list(app.table[0].value.index) == ["carrier", "origin", "dest", "day_of_week", "dep_hour", "distance"]
    assert app.caption[-1].value == "Link to this flight: `?carrier=UA&origin=EWR&dest=ORD&date=2013-07-15&time=08:00`"


def test_a_flight_on_the_form_gets_the_predictors_probability(
    app_registry: Registry, restart, christmas_eve_flight: dict
) -> None:
    app = run_app()
    app.selectbox[0].set_value("JFK").run()
    app.selectbox[1].set_value("BOS").run()
    app.selectbox[2].set_value("B6")
    app.date_input[0].set_value(date(2013, 12, 24))
    app.time_input[0].set_value(time(18, 30))
    app.run()
    assert not app.exception and not app.error
    record = christmas_eve_flight
    expected = Predictor.from_registry(registry=app_registry).predict_one(record)
    assert app.metric[0].value == f"{expected:.1%}"
    table = app.table[0].value
    assert table.loc["day_of_week", "value"] == "Tuesday"
    assert table.loc["dep_hour", "value"] == "18:00–18:59"
    assert app.caption[-1].value.endswith("`?carrier=B6&origin=JFK&dest=BOS&date=2013-12-24&time=18:30`")


def test_destinations_are_the_routes_flown_from_the_origin(restart) -> None:
    app = run_app()
    app.selectbox[0].set_value("LGA").run()
    destinations = [label.split(" · ")[0] for label in app.selectbox[1].options]
    assert destinations == sorted(destinations)
    assert "LGA" not in destinations
    assert "ORD" in destinations and "HNL" not in destinations  # JFK and EWR fly to Honolulu; La Guardia did not


def test_a_link_prefills_the_form(restart) -> None:
    app = run_app(carrier="dl", origin="LGA", dest="ATL", date="2013-03-01", time="17:45")
    assert not app.error
    assert [box.value for box in app.selectbox] == ["LGA", "ATL", "DL"]
    assert app.date_input[0].value == date(2013, 3, 1)
    assert app.time_input[0].value == time(17, 45)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"origin": "XXX"}, "Unknown departure airport 'XXX'; flights leave from EWR, JFK, LGA"),
        ({"dest": "ZZZ"}, "Unknown airport 'ZZZ': no airport has this FAA code"),
        ({"origin": "JFK", "dest": "JFK"}, "Origin and destination are the same airport (JFK)"),
        ({"date": "2014-02-01"}, "2014-02-01 is outside the data: pick a day from 2013-01-01 to 2013-12-31"),
        ({"origin": "EWR", "dest": "ANC"}, "The model never saw ANC"),  # flown from July on: after training
        ({"origin": "LGA", "dest": "HNL"}, "No flight went from LGA to HNL in 2013"),
        ({"carrier": "ZZ"}, "Unknown carrier 'ZZ'"),
        ({"time": "25:00"}, "Cannot read the date or time in the link"),
    ],
)
def test_bad_input_shows_a_clear_message(restart, query: dict[str, str], message: str) -> None:
    app = run_app(**query)
    assert not app.exception  # no traceback on the page
    assert len(app.error) == 1
    assert message in app.error[0].value
    assert not app.metric  # and no probability for a flight that cannot be scored


def test_start_over_clears_a_bad_link(restart) -> None:
    app = run_app(origin="JFK", dest="JFK")
    app.button[0].click().run()
    assert not app.error
    assert app.metric[0].value.endswith("%")


def test_a_date_outside_2013_cannot_be_entered_in_the_form(restart, app_registry: Registry) -> None:
    app = run_app()
    app.date_input[0].set_value(date(2014, 1, 5)).run()
    assert app.date_input[0].value == date(2013, 7, 15)  # the widget keeps its bounds
    facts = core.load_embedded_model(app_registry.root, "reference").facts
    with pytest.raises(InputError, match="outside the data"):  # and the app's own check would catch it
        core.flight_record(facts, "UA", "EWR", "ORD", date(2014, 1, 5), time(8))


def test_the_model_is_loaded_once_per_process(restart, capsys: pytest.CaptureFixture[str]) -> None:
    app = run_app()
    for origin in ["JFK", "LGA", "EWR"]:
        app.selectbox[0].set_value(origin).run()
    run_app(origin="JFK")  # a second browser session in the same process
    assert capsys.readouterr().out.count("embedded app: loaded model version 1") == 1


def test_the_explanation_adds_up_to_the_probability(app_registry: Registry) -> None:
    model = core.load_embedded_model(app_registry.root, "reference")
    record = {
        "carrier": "EV",
        "origin": "EWR",
        "dest": "DTW",
        "sched_dep": datetime(2013, 8, 2, 19, 5),
        "distance": 488,
    }
    terms = model.explainer.terms(record)
    assert list(terms.index) == ["carrier", "origin", "dest", "day_of_week", "dep_hour", "distance"]
    p_late = core.sigmoid(model.explainer.baseline_logit + terms.sum())
    assert p_late == pytest.approx(model.predictor.predict_one(record), abs=1e-6)


@pytest.mark.slow
def test_a_running_app_keeps_its_model_until_restarted(restart, app_registry: Registry) -> None:
    assert any("Model version 1" in caption.value for caption in run_app().caption)
    entry = ensure_model("weather", app_registry, verbose=False)
    app_registry.set_alias("production", entry.version)
    try:
        assert any("Model version 1" in caption.value for caption in run_app().caption)  # same process: cached
    finally:
        app_registry.set_alias("production", 1)


@pytest.mark.slow
def test_the_reference_app_refuses_the_weather_model(restart, weather_in_production) -> None:
    app = run_app(APP)
    assert not app.exception
    assert "This app cannot use model version 2" in app.error[0].value
    assert "temp, dewp, humid, wind_speed, wind_gust, precip, pressure, visib" in app.error[0].value
    assert not app.metric


@pytest.mark.slow
def test_the_weather_app_sends_the_weather(restart, weather_in_production, app_registry: Registry) -> None:
    app = run_app(APP_WEATHER, carrier="UA", origin="EWR", dest="ORD", date="2013-07-15", time="08:30")
    assert not app.exception and not app.error
    assert any(caption.value.startswith("Model version 2 (weather)") for caption in app.caption)
    flights = load_flights()
    observed = flights[(flights["origin"] == "EWR") & (flights["sched_dep"].dt.floor("h") == "2013-07-15 08:00")]
    weather = {
        column: None if math.isnan(value) else float(value) for column, value in observed[WEATHER].iloc[0].items()
    }
    record = {
        "carrier": "UA",
        "origin": "EWR",
        "dest": "ORD",
        "sched_dep": datetime(2013, 7, 15, 8, 30),
        "distance": 719,
    }
    expected = Predictor.from_registry(weather_in_production.version, registry=app_registry).predict_one(
        record | weather
    )
    assert app.metric[0].value == f"{expected:.1%}"
    assert app.table[-1].value.loc["temp", "value"] == f"{weather['temp']:,.2f}"


def test_an_unexpected_failure_is_a_message_not_a_traceback(
    restart, app_registry: Registry, tmp_path: Path, monkeypatch
) -> None:
    broken = Registry(tmp_path / "broken")
    shutil.copytree(app_registry.root, broken.root)
    onnx = broken.get("production").path / ONNX_FILE
    onnx.write_bytes(onnx.read_bytes()[:-1] + b"!")
    monkeypatch.setenv("SHIPPING_MODELS_HOME", str(broken.root))
    app = run_app()
    assert not app.exception
    assert app.error[0].value.startswith("**Something went wrong:** IntegrityError")
