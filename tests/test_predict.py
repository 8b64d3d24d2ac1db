"""The shared predictor: both backends agree, and bad input gets a clear error naming the field."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pytest

from shared import model
from shared.predict import Predictor
from shared.schema import InputError, frame_errors

RECORD = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-07-02T07:30:00", "distance": 719}


@pytest.fixture(scope="module")
def predictors(trained_registry):
    return {
        backend: Predictor.from_registry(backend=backend, registry=trained_registry) for backend in ("onnx", "sklearn")
    }


@pytest.fixture(scope="module")
def sample(future):
    return future.sample(5000, random_state=0)


def test_backends_agree_on_every_row_of_a_held_out_sample(predictors, sample):
    onnx = predictors["onnx"].predict_many(sample)
    sklearn = predictors["sklearn"].predict_many(sample)
    assert np.abs(onnx - sklearn).max() < 1e-5


def test_single_and_many_row_paths_agree(predictors, sample):
    records = sample.head(50).to_dict("records")
    for predictor in predictors.values():
        singles = [predictor.predict_one(record) for record in records]
        np.testing.assert_allclose(singles, predictor.predict_many(sample.head(50)), atol=1e-6)


def test_predictor_matches_the_idiomatic_pipeline(trained_registry, predictors, sample):
    _, pipeline = trained_registry.load_pipeline()
    np.testing.assert_allclose(predictors["sklearn"].predict_many(sample), model.predict_proba(pipeline, sample))


def test_prediction_carries_the_model_version(predictors, sample):
    one = predictors["onnx"].predict(RECORD)
    many = predictors["onnx"].predict(sample.head(3))
    assert one.model_version == many.model_version == 1
    assert 0 < one.p_late < 1
    assert many.p_late.shape == (3,)


def test_a_datetime_object_and_its_iso_string_give_the_same_answer(predictors):
    as_object = {**RECORD, "sched_dep": datetime(2013, 7, 2, 7, 30)}
    assert predictors["onnx"].predict_one(as_object) == predictors["onnx"].predict_one(RECORD)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"carrier": None}, "carrier", "required"),
        ({"distance": "far"}, "distance", "must be a number"),
        ({"distance": math.nan}, "distance", "NaN"),
        ({"distance": math.inf}, "distance", "finite"),
        ({"distance": True}, "distance", "must be a number"),
        ({"origin": 42}, "origin", "string"),
        ({"sched_dep": "next tuesday"}, "sched_dep", "ISO 8601"),
    ],
)
def test_bad_input_names_the_field(predictors, change, field, message):
    for predictor in predictors.values():
        with pytest.raises(InputError, match=message) as error:
            predictor.predict_one({**RECORD, **change})
        assert error.value.field == field


def test_a_missing_field_is_named(predictors):
    record = {key: value for key, value in RECORD.items() if key != "dest"}
    with pytest.raises(InputError) as error:
        predictors["onnx"].predict_one(record)
    assert error.value.field == "dest"


def test_an_unknown_category_is_scored_like_the_pipeline_does(predictors):
    unknown = {**RECORD, "dest": "XXX"}
    assert predictors["onnx"].predict_one(unknown) == pytest.approx(
        predictors["sklearn"].predict_one(unknown), abs=1e-6
    )


def test_strict_mode_rejects_an_unknown_category(trained_registry):
    strict = Predictor.from_registry(registry=trained_registry, strict=True)
    with pytest.raises(InputError, match="unknown value 'XXX'") as error:
        strict.predict_one({**RECORD, "dest": "XXX"})
    assert error.value.field == "dest"


def test_many_rows_with_a_bad_row_name_the_field_and_row(predictors, sample):
    bad = sample.head(10).copy()
    bad.loc[bad.index[4], "distance"] = np.nan
    with pytest.raises(InputError, match=r"row") as error:
        predictors["onnx"].predict_many(bad)
    assert error.value.field == "distance"


def test_frame_errors_gives_one_reason_per_bad_row(sample):
    frame = sample.head(6).copy()
    frame["carrier"] = frame["carrier"].astype(object)
    frame["sched_dep"] = frame["sched_dep"].astype(object)
    frame.iloc[1, frame.columns.get_loc("carrier")] = None
    frame.iloc[3, frame.columns.get_loc("sched_dep")] = "not a date"
    frame.iloc[5, frame.columns.get_loc("dest")] = "XXX"
    reasons = frame_errors(frame, "reference", known={"dest": frozenset(sample["dest"])})
    assert reasons.isna().tolist() == [True, False, True, False, True, False]
    assert reasons.dropna().str.split(":").str[0].tolist() == ["carrier", "sched_dep", "dest"]


@pytest.mark.slow
def test_weather_model_accepts_missing_weather(tmp_path):
    from shared.registry import Registry

    registry = Registry(tmp_path)
    model.ensure_model("weather", registry, verbose=False)
    predictor = Predictor.from_registry(registry=registry)
    with_weather = predictor.predict_one({**RECORD, "temp": 80.0, "visib": 10.0, "precip": 0.0})
    assert 0 < with_weather < 1
    assert 0 < predictor.predict_one(RECORD) < 1  # every weather field missing: imputed
