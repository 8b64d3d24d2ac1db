"""Turn the flights of 2013 into the stream an online model lives on.

Each flight gives two events:

- a **departure** when the flight is scheduled to leave: the input fields known then (``record``), the
  moment a prediction is wanted;
- an **arrival** when the outcome is known (``outcome_at``): the ``flight_id`` and the label ``late``.
  The label comes hours after the features, as in any real stream (delayed labels).

Events are plain JSON objects, in time order; when a departure and an arrival share a timestamp, the
arrival comes first (what is known at that minute is known before predicting at that minute)::

    {"type": "departure", "flight_id": 1, "at": "2013-01-01T05:15:00",
     "record": {"carrier": "UA", "origin": "EWR", "dest": "IAH", "sched_dep": "2013-01-01T05:15:00", "distance": 1400}}
    {"type": "arrival", "flight_id": 1, "at": "2013-01-01T09:30:00", "late": false}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import orjson
import pandas as pd

from shared.features import INPUT_FIELDS

DEPARTURE = "departure"
ARRIVAL = "arrival"
EVENT_TYPES = (DEPARTURE, ARRIVAL)


def event_order(flights: pd.DataFrame) -> pd.DataFrame:
    """One row per event, in time order: ``at`` (event time), ``type`` and ``row`` (position in ``flights``).

    Sorted by time, then arrivals before departures, then flight order: the same input gives the same
    stream, event for event.
    """
    n = len(flights)
    at = np.concatenate([flights["sched_dep"].to_numpy(), flights["outcome_at"].to_numpy()])
    is_departure = np.concatenate([np.ones(n, dtype=np.int8), np.zeros(n, dtype=np.int8)])
    row = np.concatenate([np.arange(n), np.arange(n)])
    order = np.lexsort((row, is_departure, at))
    return pd.DataFrame(
        {
            "at": at[order],
            "type": np.where(is_departure[order] == 1, DEPARTURE, ARRIVAL),
            "row": row[order],
        }
    )


def _iso(values: pd.Series) -> list[str]:
    """Timestamps as ISO 8601 strings to the second (vectorized)."""
    return np.datetime_as_string(values.to_numpy().astype("datetime64[s]"), unit="s").tolist()


def flight_records(flights: pd.DataFrame, spec: str = "reference") -> list[dict[str, Any]]:
    """What a client knows of each flight before departure: the input fields of ``spec``, JSON-ready."""
    names = [field.name for field in INPUT_FIELDS[spec]]
    columns = [_iso(flights[name]) if name == "sched_dep" else _plain(flights[name]) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def iter_events(flights: pd.DataFrame, spec: str = "reference") -> Iterator[dict[str, Any]]:
    """The events of ``flights`` as dicts, in time order (see the module docstring for their shape)."""
    order = event_order(flights)
    records = flight_records(flights, spec)
    flight_ids = flights["flight_id"].astype("int64").tolist()
    late = flights["late"].astype(bool).tolist()
    at = np.datetime_as_string(order["at"].to_numpy().astype("datetime64[s]"), unit="s").tolist()
    for when, kind, row in zip(at, order["type"].tolist(), order["row"].tolist(), strict=True):
        if kind == DEPARTURE:
            yield {"type": DEPARTURE, "flight_id": flight_ids[row], "at": when, "record": records[row]}
        else:
            yield {"type": ARRIVAL, "flight_id": flight_ids[row], "at": when, "late": late[row]}


def _plain(column: pd.Series) -> list[Any]:
    """A column as plain Python values, missing values as ``None`` (JSON ``null``)."""
    values = column.tolist()
    if column.hasnans:
        values = [None if value != value else value for value in values]  # NaN is the one value != itself
    return values


def flights_between(flights: pd.DataFrame, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """The flights scheduled to leave in ``[start, end)`` (either bound may be omitted)."""
    mask = np.ones(len(flights), dtype=bool)
    if start is not None:
        mask &= (flights["sched_dep"] >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        mask &= (flights["sched_dep"] < pd.Timestamp(end)).to_numpy()
    return flights[mask]


def encode(event: dict[str, Any]) -> bytes:
    """An event as the bytes written to the log (compact JSON)."""
    return orjson.dumps(event)


def decode(payload: bytes) -> Any:
    """The JSON value in ``payload`` (raises ``ValueError`` when it is not JSON)."""
    return orjson.loads(payload)
