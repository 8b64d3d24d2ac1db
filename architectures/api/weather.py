"""A feature lookup the service owns: the weather at a flight's origin airport at its scheduled hour.

The ``weather`` model needs eight weather numbers that the ``reference`` model did not. Instead of
asking every client to send them (and so to change), the service fills the missing ones from its own
table, keyed by (origin, scheduled hour). This is what a feature store does for an online model.

Honest limits: the table holds the *observed* 2013 weather the model was trained on (a real service
would read a forecast for future flights), and an hour it does not know stays missing, which the
model's imputer turns into the training median.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from shared.features import WEATHER
from shared.paths import FLIGHTS_FILE


class WeatherLookup:
    """Weather by (origin, hour); fills only the fields a request left missing."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = table  # index: (origin, hour); columns: WEATHER
        hours = table.index.get_level_values("hour").to_pydatetime()
        origins = table.index.get_level_values("origin")
        keys = zip(origins, hours, strict=True)
        self._rows = dict(zip(keys, table.to_numpy(dtype=float).tolist(), strict=True))

    @classmethod
    def from_flights(cls, path: str | Path = FLIGHTS_FILE) -> WeatherLookup:
        """Build the table from the dataset: one row per origin and hour that had a flight."""
        flights = pd.read_parquet(path, columns=["origin", "sched_dep", *WEATHER])
        flights["hour"] = flights["sched_dep"].dt.floor("h")
        return cls(flights.groupby(["origin", "hour"])[WEATHER].first())

    def __len__(self) -> int:
        return len(self._rows)

    def weather(self, origin: str, sched_dep: datetime) -> dict[str, float | None]:
        """The weather at ``origin`` during the hour of ``sched_dep`` (``None`` where unknown)."""
        values = self._rows.get((origin, sched_dep.replace(minute=0, second=0, microsecond=0)))
        if values is None:
            return dict.fromkeys(WEATHER)
        return {name: None if math.isnan(value) else value for name, value in zip(WEATHER, values, strict=True)}

    def fill(self, record: dict[str, Any]) -> dict[str, Any]:
        """``record`` (validated) with its missing weather fields looked up; sent values win."""
        missing = [name for name in WEATHER if record.get(name) is None]
        if not missing:
            return record
        looked_up = self.weather(record["origin"], record["sched_dep"])
        return {**record, **{name: looked_up[name] for name in missing}}

    def fill_frame(self, flights: pd.DataFrame) -> pd.DataFrame:
        """Many flights with their missing weather looked up (vectorized join; bad keys find nothing)."""
        hours = pd.to_datetime(flights["sched_dep"], errors="coerce", format="ISO8601").dt.floor("h")
        keys = pd.MultiIndex.from_arrays([flights["origin"].astype(str), hours], names=["origin", "hour"])
        looked_up = self.table.reindex(keys).set_axis(flights.index)
        filled = flights.copy()
        for name in WEATHER:
            sent = filled[name].astype("float64") if name in filled else None
            filled[name] = looked_up[name] if sent is None else sent.fillna(looked_up[name])
        return filled
