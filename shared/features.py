"""The one feature preparation every architecture uses.

A *record* is what a client knows before departure (see ``INPUT_FIELDS``); the model sees the
*features* derived from it. ``frame_features`` (many rows) and ``record_features`` (one row, the fast
path) derive the same columns from the same definitions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Field:
    """One input field of a flight record."""

    name: str
    kind: str  # "category", "number" or "datetime"
    description: str
    nullable: bool = False


BASE_FIELDS = (
    Field("carrier", "category", "two-letter airline code, e.g. UA"),
    Field("origin", "category", "New York departure airport: EWR, JFK or LGA"),
    Field("dest", "category", "destination airport code (FAA), e.g. ORD"),
    Field("sched_dep", "datetime", "scheduled departure, New York local time"),
    Field("distance", "number", "route distance in miles"),
)
WEATHER_FIELDS = tuple(
    Field(name, "number", f"{label} at the origin, at the scheduled hour (missing allowed)", nullable=True)
    for name, label in [
        ("temp", "temperature, °F"),
        ("dewp", "dew point, °F"),
        ("humid", "relative humidity, %"),
        ("wind_speed", "wind speed, mph"),
        ("wind_gust", "wind gust, mph"),
        ("precip", "precipitation, inches"),
        ("pressure", "sea-level pressure, millibars"),
        ("visib", "visibility, miles"),
    ]
)
INPUT_FIELDS = {"reference": BASE_FIELDS, "weather": BASE_FIELDS + WEATHER_FIELDS}
"""Input fields of each model spec: what a client must send."""

CATEGORICAL = ["carrier", "origin", "dest"]
CALENDAR = ["day_of_week", "dep_hour"]
NUMERIC = ["distance"]
WEATHER = [field.name for field in WEATHER_FIELDS]


def feature_columns(spec: str) -> list[str]:
    """The model's feature columns, in order, for a model spec."""
    return CATEGORICAL + CALENDAR + NUMERIC + (WEATHER if spec == "weather" else [])


def frame_features(records: pd.DataFrame, spec: str = "reference") -> pd.DataFrame:
    """Features for many flights (a DataFrame with the input fields as columns)."""
    sched_dep = pd.to_datetime(records["sched_dep"])
    features = pd.DataFrame(
        {
            **{column: records[column].astype(str) for column in CATEGORICAL},
            "day_of_week": sched_dep.dt.day_of_week.astype("int64"),
            "dep_hour": sched_dep.dt.hour.astype("int64"),
            "distance": records["distance"].astype("float32"),
        },
        index=records.index,
    )
    if spec == "weather":
        for column in WEATHER:
            features[column] = records[column].astype("float32")
    return features


def record_features(record: dict[str, Any], spec: str = "reference") -> dict[str, Any]:
    """Features for one flight (a validated record), as plain Python values."""
    sched_dep = record["sched_dep"]
    if isinstance(sched_dep, str):
        sched_dep = datetime.fromisoformat(sched_dep)
    features = {column: record[column] for column in CATEGORICAL}
    features["day_of_week"] = sched_dep.weekday()
    features["dep_hour"] = sched_dep.hour
    features["distance"] = float(record["distance"])
    if spec == "weather":
        for column in WEATHER:
            value = record.get(column)
            features[column] = math.nan if value is None else float(value)
    return features
