"""One flight contract, four architectures: the same records through every entry point.

Each record goes through the embedded app's scoring call, the API (``/predict`` for one flight,
``/infer`` for a batch), the stream's learner (how it accepts a departure or dead-letters it) and the
batch job's check and score (``row_problems`` then ``predict_in_chunks``). A valid record gets the
same probability everywhere its model is the same (to 1e-9), and a time with an offset gets the
probability of the same moment in New York time; a bad record is refused everywhere, naming the same
field.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from architectures.api.service import create_app
from architectures.batch import job
from architectures.streaming.events import iter_events
from architectures.streaming.online import DeadLetter, OnlineModel
from shared.data import load_flights, split_by_time
from shared.features import INPUT_FIELDS, record_features
from shared.model import register, train
from shared.predict import Predictor
from shared.registry import Registry
from shared.schema import InputError

MODEL = "/v2/models/flight-delay"
FLIGHT = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-07-15T17:30:00", "distance": 719.0}
FIELDS = [field.name for field in INPUT_FIELDS["reference"]]

# (record, the same flight with a naive New York time): the time zone rule and the bounds
VALID = [
    (FLIGHT, FLIGHT),
    ({**FLIGHT, "sched_dep": "2013-07-15T21:30:00+00:00"}, FLIGHT),  # UTC, summer: 17:30 EDT
    ({**FLIGHT, "sched_dep": "2013-07-15T17:30:00-04:00"}, FLIGHT),
    ({**FLIGHT, "sched_dep": "2013-07-15T23:30:00+02:00"}, FLIGHT),
    ({**FLIGHT, "sched_dep": "2013-01-15T22:30:00Z"}, {**FLIGHT, "sched_dep": "2013-01-15T17:30:00"}),  # EST
    (
        {**FLIGHT, "sched_dep": "2013-07-16T02:10:00+00:00"},
        {**FLIGHT, "sched_dep": "2013-07-15T22:10:00"},
    ),  # day before
    ({**FLIGHT, "sched_dep": "2013-07-15 17:30"}, FLIGHT),
    ({**FLIGHT, "distance": 719}, FLIGHT),  # an integer is a number
    ({**FLIGHT, "distance": 1}, {**FLIGHT, "distance": 1.0}),  # the bounds are inclusive
    ({**FLIGHT, "distance": 30_000}, {**FLIGHT, "distance": 30_000.0}),
    ({**FLIGHT, "carrier": "DL", "origin": "LGA", "dest": "ATL", "distance": 762.0}, None),
]
# (record, the field every architecture must name)
INVALID = [
    ({key: value for key, value in FLIGHT.items() if key != "dest"}, "dest"),  # missing
    ({**FLIGHT, "origin": None}, "origin"),  # null
    ({**FLIGHT, "carrier": ""}, "carrier"),  # empty
    ({**FLIGHT, "carrier": 7}, "carrier"),  # not text
    ({**FLIGHT, "carrier": "U" * 17}, "carrier"),  # too long
    ({**FLIGHT, "distance": "719"}, "distance"),  # a number as text
    ({**FLIGHT, "distance": True}, "distance"),  # a boolean is not a number
    ({**FLIGHT, "distance": None}, "distance"),
    ({**FLIGHT, "distance": 0.5}, "distance"),  # below the bound
    ({**FLIGHT, "distance": 30_000.5}, "distance"),  # above it
    ({**FLIGHT, "distance": -5}, "distance"),
    ({**FLIGHT, "sched_dep": "next tuesday"}, "sched_dep"),
    ({**FLIGHT, "sched_dep": 1373900000}, "sched_dep"),  # a number, not a time
    ({**FLIGHT, "sched_dep": "2013-07-15T25:00:00"}, "sched_dep"),  # hour 25
    ({**FLIGHT, "sched_dep": "2013"}, "sched_dep"),  # pandas would read it; the contract does not
    ({**FLIGHT, "sched_dep": "today"}, "sched_dep"),
    ({**FLIGHT, "sched_dep": "0001-01-01T00:00:00+14:00"}, "sched_dep"),  # cannot be placed in New York time
]
UNKNOWN_AIRPORT = {**FLIGHT, "dest": "XXX"}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    registry = Registry(tmp_path_factory.mktemp("registry"))
    past, future = split_by_time(load_flights())
    register(train(past.iloc[::10], "reference"), "reference", past.iloc[::10], future.iloc[::50], registry)
    registry.set_alias("production", 1)
    return registry


@pytest.fixture(scope="module")
def embedded(registry: Registry) -> Predictor:
    """The embedded app's predictor (``core.load_embedded_model`` loads it the same way)."""
    return Predictor.from_registry("production", backend="onnx", registry=registry, strict=True)


@pytest.fixture(scope="module")
def batch_predictor(registry: Registry) -> Predictor:
    return job.load_predictor(1, str(registry.root))


@pytest.fixture(scope="module")
def api(registry: Registry):
    with TestClient(create_app(registry, load_now=True, watch_seconds=0)) as client:
        yield client


@pytest.fixture(scope="module")
def stream() -> OnlineModel:
    """The learner's online model, after learning from a day of events."""
    model = OnlineModel()
    flights = load_flights()
    day = flights[flights["sched_dep"].dt.normalize() == pd.Timestamp("2013-07-01")]
    for event in iter_events(day):
        model.handle(event)
    return model


flight_ids = itertools.count(10_000_000)


# -- the four entry points -----------------------------------------------------------------------------
def embedded_score(predictor: Predictor, record: dict) -> float | str:
    """The embedded app's call (``predictor.predict(record)``): P(late), or the field it refuses."""
    try:
        return predictor.predict(record).p_late
    except InputError as error:
        return f"refused:{error.field}"


def api_predict(client: TestClient, record: dict) -> float | str:
    response = client.post(f"{MODEL}/predict", json=record)
    if response.status_code == 200:
        return response.json()["p_late"]
    assert response.status_code == 422, response.text
    return f"refused:{response.json()['field']}"


def oip_body(records: list[dict]) -> dict:
    """Records as Open Inference Protocol inputs (a field absent from every record is not sent)."""
    inputs = []
    for field in INPUT_FIELDS["reference"]:
        if all(field.name not in record for record in records):
            continue
        data = [record.get(field.name) for record in records]
        datatype = "FP64" if field.kind == "number" else "BYTES"
        inputs.append({"name": field.name, "shape": [len(data)], "datatype": datatype, "data": data})
    return {"inputs": inputs}


def api_infer(client: TestClient, records: list[dict]) -> list[float] | str:
    response = client.post(f"{MODEL}/infer", json=oip_body(records))
    if response.status_code == 200:
        return response.json()["outputs"][0]["data"]
    assert response.status_code == 400, response.text
    return f"refused:{response.json()['field']}"


def stream_score(model: OnlineModel, record: dict) -> float | str:
    """A departure event through the learner's handling: P(late), or the field its dead letter names."""
    event = {"type": "departure", "flight_id": next(flight_ids), "at": "2013-07-15T17:30:00", "record": record}
    try:
        return model.handle(event)[2]
    except DeadLetter as letter:
        return f"refused:{letter.reason.split(':')[0].removeprefix('record.')}"


def schedule(records: list[dict]) -> pd.DataFrame:
    """Records as a schedule the batch job reads (one column per field, plus the flight id)."""
    frame = pd.DataFrame({"flight_id": range(1, len(records) + 1)})
    for name in FIELDS:
        if any(name in record for record in records):
            frame[name] = pd.Series([record.get(name) for record in records], dtype=object).infer_objects()
    return frame


def batch_scores(predictor: Predictor, records: list[dict]) -> list[float | str]:
    """The job's check (``row_problems``), then its scoring of the rows that pass (``predict_in_chunks``)."""
    frame = schedule(records)
    reasons = job.row_problems(frame, predictor)
    valid = reasons.isna().to_numpy()
    p_late = iter(job.predict_in_chunks(predictor, frame[valid]).tolist())
    return [
        next(p_late) if ok else f"refused:{reason.split(':')[0]}" for ok, reason in zip(valid, reasons, strict=True)
    ]


# -- valid records: one answer -----------------------------------------------------------------------------
def test_every_architecture_scores_the_same_moment_the_same(api, embedded, batch_predictor, stream) -> None:
    records = [record for record, _ in VALID]
    canonical = [naive or record for record, naive in VALID]
    one_by_one = [embedded_score(embedded, record) for record in records]
    assert all(isinstance(p, float) for p in one_by_one), one_by_one
    np.testing.assert_allclose([api_predict(api, record) for record in records], one_by_one, rtol=0, atol=1e-9)
    np.testing.assert_allclose([embedded_score(embedded, r) for r in canonical], one_by_one, rtol=0, atol=1e-9)

    batch = api_infer(api, records)
    np.testing.assert_allclose(batch_scores(batch_predictor, records), batch, rtol=0, atol=1e-9)
    np.testing.assert_allclose(api_infer(api, canonical), batch, rtol=0, atol=1e-9)
    np.testing.assert_allclose(batch, one_by_one, rtol=0, atol=1e-6)  # batch kernels run in float32

    streamed = [stream_score(stream, record) for record in records]
    np.testing.assert_allclose([stream_score(stream, r) for r in canonical], streamed, rtol=0, atol=1e-9)


def test_the_offset_example_is_hour_17_everywhere(embedded) -> None:
    """``2013-07-15T21:30:00+00:00`` is 17:30 in New York: the same features on every path."""
    utc = {**FLIGHT, "sched_dep": "2013-07-15T21:30:00+00:00"}
    one = record_features(embedded.validate(utc))
    assert (one["dep_hour"], one["day_of_week"]) == (17, 0)
    assert record_features(utc)["dep_hour"] == 17  # even unvalidated
    frame = schedule([utc, FLIGHT, {**FLIGHT, "sched_dep": datetime(2013, 7, 15, 21, 30).isoformat() + "Z"}])
    from shared.features import frame_features

    assert frame_features(frame)["dep_hour"].tolist() == [17, 17, 17]


# -- bad records: one refusal ---------------------------------------------------------------------------
@pytest.mark.parametrize(("record", "field"), INVALID, ids=[f"{field}-{i}" for i, (_, field) in enumerate(INVALID)])
def test_every_architecture_refuses_naming_the_same_field(
    api, embedded, batch_predictor, stream, record, field
) -> None:
    refused = f"refused:{field}"
    assert embedded_score(embedded, record) == refused
    assert api_predict(api, record) == refused
    assert api_infer(api, [record]) == refused
    assert api_infer(api, [FLIGHT, record, FLIGHT]) == refused
    assert stream_score(stream, record) == refused
    alone, among = batch_scores(batch_predictor, [record]), batch_scores(batch_predictor, [FLIGHT, record, FLIGHT])
    assert alone == [refused]
    assert among[1] == refused and isinstance(among[0], float) and isinstance(among[2], float)


def test_an_unknown_airport_is_the_models_knowledge_not_the_contract(api, embedded, batch_predictor, stream) -> None:
    """Registry models refuse an airport they never saw; the online model learns new ones as they come."""
    assert embedded_score(embedded, UNKNOWN_AIRPORT) == "refused:dest"
    assert api_predict(api, UNKNOWN_AIRPORT) == "refused:dest"
    assert api_infer(api, [UNKNOWN_AIRPORT]) == "refused:dest"
    assert batch_scores(batch_predictor, [UNKNOWN_AIRPORT]) == ["refused:dest"]
    assert isinstance(stream_score(stream, UNKNOWN_AIRPORT), float)


def test_other_keys_are_ignored_except_in_a_request_body(api, embedded, stream) -> None:
    """Events and schedules carry ids and labels beside the fields; a typo in a request body is refused."""
    record: dict[str, Any] = {**FLIGHT, "flight_id": 7, "late": False}
    assert isinstance(embedded_score(embedded, record), float)
    assert isinstance(stream_score(stream, record), float)
    assert api_predict(api, record) == "refused:flight_id"
