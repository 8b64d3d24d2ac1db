"""Open Inference Protocol tensors in, flights out: the columns of an ``infer`` request as a DataFrame.

The protocol checks (a known field, sent once, a shape that matches its data, a datatype that fits the
field's kind) happen here; the flight contract (``shared.schema``) then checks the values themselves.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from architectures.api.errors import ProtocolInputError
from architectures.api.schemas import NUMBER_TYPES, InferenceRequest, RequestInput
from shared.features import INPUT_FIELDS, Field
from shared.schema import NOT_NUMBER, NOT_TEXT, NOT_TIME, parse_times

FIELDS = {field.name: field for field in INPUT_FIELDS["weather"]}
OUTPUT = "p_late"


def columns_frame(body: InferenceRequest) -> pd.DataFrame:
    """The request's inputs as a DataFrame of flight fields; a bad tensor raises ``ProtocolInputError``."""
    for requested in body.outputs or []:
        if requested.name != OUTPUT:
            raise ProtocolInputError("outputs", f"unknown output {requested.name!r}; this model has {OUTPUT!r}")
    columns: dict[str, Any] = {}
    rows: int | None = None
    for position, tensor in enumerate(body.inputs):
        field = FIELDS.get(tensor.name)
        if field is None:
            raise ProtocolInputError(
                tensor.name, f"inputs[{position}]: not a flight field; expected one of {sorted(FIELDS)}"
            )
        if tensor.name in columns:
            raise ProtocolInputError(tensor.name, f"inputs[{position}]: sent twice")
        check_shape(tensor, position, rows)
        rows = len(tensor.data)
        columns[tensor.name] = column_values(field, tensor.datatype, tensor.data)
    return pd.DataFrame(columns)


def check_shape(tensor: RequestInput, position: int, rows: int | None) -> None:
    """One value per flight: shape ``[n]`` or ``[n, 1]``, the same ``n`` for every input."""
    count = len(tensor.data)
    if tensor.shape not in ([count], [count, 1]):
        raise ProtocolInputError(
            tensor.name, f"inputs[{position}]: shape {tensor.shape} does not match its {count} values"
        )
    if rows is not None and count != rows:
        raise ProtocolInputError(tensor.name, f"inputs[{position}]: has {count} values, the other inputs {rows}")


def column_values(field: Field, datatype: str, data: list[Any]) -> np.ndarray | pd.Series:
    """One column in the type its kind needs (text, New York times, numbers); the contract checks the rest."""
    if field.kind in ("category", "datetime"):
        if datatype != "BYTES":
            raise ProtocolInputError(field.name, f"must be sent as datatype BYTES (text), not {datatype}")
        if set(map(type, data)) - {str, type(None)}:  # one pass in C; find the culprit only when there is one
            bad = next(row for row, value in enumerate(data) if not isinstance(value, str | None))
            message = NOT_TEXT if field.kind == "category" else NOT_TIME
            raise ProtocolInputError(field.name, f"{message}, got {type(data[bad]).__name__} (row {bad})")
        if field.kind == "category":
            return np.asarray(data, dtype=object)
        times, bad_rows = parse_times(pd.Series(data, dtype=object))
        if bad_rows.any():
            bad = int(np.flatnonzero(bad_rows)[0])
            raise ProtocolInputError(field.name, f"{NOT_TIME}, got {data[bad][:40]!r} (row {bad})")
        return times
    if datatype not in NUMBER_TYPES:
        raise ProtocolInputError(field.name, f"must be sent as a number datatype (FP64, FP32, INT64…), not {datatype}")
    if set(map(type, data)) - {int, float, type(None)}:
        bad = next(row for row, value in enumerate(data) if type(value) not in (int, float, type(None)))
        raise ProtocolInputError(field.name, f"{NOT_NUMBER}, got {type(data[bad]).__name__} (row {bad})")
    return np.asarray(data, dtype=np.float64)  # None becomes NaN: missing, which the contract then judges
