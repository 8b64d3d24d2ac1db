"""Load the prepared NYC flights 2013 table and cut it in time."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from shared.paths import AIRPORTS_FILE, FLIGHTS_FILE

TARGET = "late"
# Known only after the flight: never a feature (tests/test_data.py proves none leaks in).
OUTCOME_COLUMNS = ["status", "arr_delay", "late", "outcome_at"]
TRAIN_END = pd.Timestamp("2013-07-01")
"""The reference model learns from January to June; July to December is "the future"."""


def load_flights() -> pd.DataFrame:
    """The prepared table: one row per scheduled flight, in scheduled-departure order."""
    return pd.read_parquet(FLIGHTS_FILE)


def load_airports() -> pd.DataFrame:
    """Airport codes, names, coordinates and time zones for every origin and destination."""
    return pd.read_parquet(AIRPORTS_FILE)


def split_by_time(flights: pd.DataFrame, cutoff: pd.Timestamp | str = TRAIN_END) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flights scheduled before ``cutoff`` (the past) and from ``cutoff`` on (the future)."""
    cutoff = pd.Timestamp(cutoff)
    past = flights["sched_dep"] < cutoff
    return flights[past], flights[~past]


def flights_on(flights: pd.DataFrame, day: str | pd.Timestamp) -> pd.DataFrame:
    """The flights scheduled to leave on one calendar day."""
    start = pd.Timestamp(day).normalize()
    mask = (flights["sched_dep"] >= start) & (flights["sched_dep"] < start + pd.Timedelta(days=1))
    return flights[mask]


@lru_cache(maxsize=1)
def route_distances() -> dict[tuple[str, str], int]:
    """Distance in miles of every (origin, dest) route flown in 2013."""
    routes = load_flights().groupby(["origin", "dest"])["distance"].median()
    return {key: int(value) for key, value in routes.items()}
