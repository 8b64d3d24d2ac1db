"""Input validation in one place: every architecture checks flights with these functions.

A bad record raises ``InputError`` naming the field; ``frame_errors`` gives one reason per bad row,
for jobs that quarantine rows instead of failing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from shared.features import INPUT_FIELDS, Field


class InputError(ValueError):
    """A flight record that cannot be scored; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def input_schema(spec: str, categories: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """The documented input schema of a model spec, with the categories the model knows."""
    schema = []
    for field in INPUT_FIELDS[spec]:
        entry = {"name": field.name, "kind": field.kind, "nullable": field.nullable, "description": field.description}
        if field.name in categories:
            entry["categories"] = list(categories[field.name])
        schema.append(entry)
    return schema


def _check_value(field: Field, value: Any, known: frozenset[str] | None) -> Any:
    """The value of one field, checked (and parsed, for a datetime string)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if field.nullable:
            return None
        raise InputError(field.name, "is required and must not be null or NaN")
    if field.kind == "category":
        if not isinstance(value, str) or not value:
            raise InputError(field.name, f"must be a non-empty string, got {type(value).__name__}")
        if known is not None and value not in known:
            raise InputError(field.name, f"unknown value {value!r}; the model knows {len(known)} values")
        return value
    if field.kind == "number":
        if isinstance(value, bool) or not isinstance(value, Real):
            raise InputError(field.name, f"must be a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise InputError(field.name, "must be a finite number")
        return value
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise InputError(field.name, f"must be an ISO 8601 date and time, got {value!r}") from None
    raise InputError(field.name, f"must be a date and time, got {type(value).__name__}")


def validate_record(
    record: Mapping[str, Any], spec: str, known: Mapping[str, frozenset[str]] | None = None
) -> dict[str, Any]:
    """A clean copy of ``record`` with every input field of ``spec`` checked.

    ``known`` maps category fields to the values the model was trained on; when given, an unknown value
    is an error (an API rejects an unknown airport). Without it, an unknown category is scored the way
    the pipeline does it: it contributes nothing.
    """
    if not isinstance(record, Mapping):
        raise InputError("record", f"must be a mapping of field to value, got {type(record).__name__}")
    clean = {}
    for field in INPUT_FIELDS[spec]:
        if field.name not in record and not field.nullable:
            raise InputError(field.name, "is required")
        clean[field.name] = _check_value(field, record.get(field.name), known.get(field.name) if known else None)
    return clean


def frame_errors(frame: pd.DataFrame, spec: str, known: Mapping[str, frozenset[str]] | None = None) -> pd.Series:
    """For each row, the first reason it cannot be scored, or ``None`` when it can (vectorized)."""
    reasons = pd.Series(None, index=frame.index, dtype=object)

    def flag(mask: pd.Series | np.ndarray, reason: str) -> None:
        reasons[np.asarray(mask) & reasons.isna().to_numpy()] = reason

    for field in INPUT_FIELDS[spec]:
        if field.name not in frame.columns:
            if not field.nullable:
                reasons[reasons.isna()] = f"{field.name}: is required"
            continue
        column = frame[field.name]
        if field.kind == "number":
            numbers = pd.to_numeric(column, errors="coerce")
            flag(numbers.isna() & column.notna(), f"{field.name}: must be a number")
            if not field.nullable:
                flag(column.isna(), f"{field.name}: is required and must not be null or NaN")
            flag(np.isinf(numbers.astype(float)), f"{field.name}: must be a finite number")
        elif field.kind == "datetime":
            flag(column.isna(), f"{field.name}: is required")
            flag(
                pd.to_datetime(column, errors="coerce").isna() & column.notna(),
                f"{field.name}: must be a date and time",
            )
        else:
            flag(column.isna() | (column.astype(str) == ""), f"{field.name}: is required")
            if known is not None and field.name in known:
                flag(~column.isin(known[field.name]) & column.notna(), f"{field.name}: unknown value")
    return reasons
