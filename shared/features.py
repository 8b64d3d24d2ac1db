"""The flight contract and the one feature preparation every architecture uses.

A *record* is what a client knows before departure: the fields of ``INPUT_FIELDS``, each with its kind,
bounds and description (``shared.schema`` checks records against them). The model sees the *features*
derived from it. ``frame_features`` (many rows) and ``record_features`` (one row, the fast path) derive
the same columns from the same definitions.

The time zone rule: the model's clock is New York local time. A departure time without an offset is
read as New York local time; one with an offset (``2013-07-15T21:30:00+00:00``) is converted to it
first (``new_york_local``), so every architecture gives that flight hour 17.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from shared.i18n import marked as _

NEW_YORK = ZoneInfo("America/New_York")
OUTSIDE_NEW_YORK_CLOCK = _("is out of the range of dates the model can place in New York time")
"""The model's clock: every departure time is read in New York local time."""


@dataclass(frozen=True)
class Field:
    """One input field of a flight record."""

    name: str
    kind: str  # "category", "number" or "datetime"
    description: str
    nullable: bool = False
    minimum: float | None = None  # numbers: the smallest value accepted
    maximum: float | None = None  # numbers: the largest value accepted
    max_length: int | None = None  # categories: the longest text accepted


CATEGORY_MAX_LENGTH = 16
"""The longest category value accepted (airport and carrier codes are 2–4 characters)."""
WEATHER_BOUND = 1e6
"""Weather numbers must lie within ±this (a sanity bound: a unit slip, not a forecast, is refused)."""


BASE_FIELDS = (
    Field("carrier", "category", "two-letter airline code, e.g. UA", max_length=CATEGORY_MAX_LENGTH),
    Field("origin", "category", "New York departure airport: EWR, JFK or LGA", max_length=CATEGORY_MAX_LENGTH),
    Field("dest", "category", "destination airport code (FAA), e.g. ORD", max_length=CATEGORY_MAX_LENGTH),
    Field(
        "sched_dep",
        "datetime",
        "scheduled departure, ISO 8601; New York local time, or with an offset (then converted to New York time)",
    ),
    Field("distance", "number", "route distance in miles", minimum=1.0, maximum=30_000.0),
)
WEATHER_FIELDS = tuple(
    Field(
        name,
        "number",
        f"{label} at the origin, at the scheduled hour (missing allowed)",
        nullable=True,
        minimum=-WEATHER_BOUND,
        maximum=WEATHER_BOUND,
    )
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


def new_york_local(value: datetime) -> datetime:
    """The time zone rule for one time: an offset is converted to New York local time; naive times are kept.

    Raises ``ValueError`` for a time too close to the ends of the calendar to be placed in New York time.
    """
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(NEW_YORK).replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise ValueError(OUTSIDE_NEW_YORK_CLOCK) from None


def local_times(times: pd.Series) -> pd.Series:
    """The time zone rule for a column of times: naive times kept, times with an offset converted to New York.

    Times already parsed (a ``datetime64`` column) cost nothing; text is parsed as ISO 8601.
    """
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        return times.dt.tz_convert(NEW_YORK).dt.tz_localize(None)
    if pd.api.types.is_datetime64_dtype(times.dtype):
        return times
    values = [value if isinstance(value, datetime) else datetime.fromisoformat(value) for value in times]
    return pd.Series([new_york_local(value) for value in values], index=times.index, dtype="datetime64[us]")


def as_text(column: pd.Series) -> pd.Series:
    """A category column as text (``astype(str)``); a pandas categorical of text, as readers of
    dictionary-encoded files give it, is expanded from its few categories without copying a string."""
    if isinstance(column.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(column.cat.categories.dtype):
        codes = column.cat.codes.to_numpy()
        if len(codes) == 0 or codes.min() >= 0:  # no missing value
            return pd.Series(column.cat.categories.to_numpy(dtype=object)[codes], index=column.index, dtype=object)
    return column.astype(str)


def frame_features(records: pd.DataFrame, spec: str = "reference") -> pd.DataFrame:
    """Features for many flights (a DataFrame with the input fields as columns)."""
    sched_dep = local_times(records["sched_dep"])
    features = pd.DataFrame(
        {
            **{column: as_text(records[column]) for column in CATEGORICAL},
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
    sched_dep = new_york_local(sched_dep)
    features = {column: record[column] for column in CATEGORICAL}
    features["day_of_week"] = sched_dep.weekday()
    features["dep_hour"] = sched_dep.hour
    features["distance"] = float(record["distance"])
    if spec == "weather":
        for column in WEATHER:
            value = record.get(column)
            features[column] = math.nan if value is None else float(value)
    return features
