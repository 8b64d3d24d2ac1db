"""The flight contract, checked: every architecture validates flights with these functions.

The fields, their kinds, bounds and the time zone rule are defined once in ``shared.features``
(``INPUT_FIELDS``, ``new_york_local``); this module applies them, with one message per rule:

- a category is a non-empty string of at most ``max_length`` characters (and, when the caller passes
  the model's ``known`` values, one of them: an unknown airport is refused);
- a number is a JSON number (not a string, not a boolean), finite, within ``[minimum, maximum]``;
- a departure time is an ISO 8601 string (or a ``datetime``), read in New York local time: a time with
  an offset is converted to it;
- a field that is not nullable must be present and not null; a nullable one may be missing.

A bad record raises ``InputError`` naming the field (``validate_record``); ``frame_errors`` gives one
reason per bad row (``"field: message"``), for jobs that quarantine rows instead of failing. Other keys
in a record (ids, labels) are ignored unless the caller asks to refuse them (``other_keys=False``, for a
request body where an unknown key is most likely a typo).

The messages are English (an API's error body and a dead-letter entry are data, in one language); an
``InputError`` also keeps its message's template and values, so an app translates it for its reader with
``error.translated(_)``: the field name stays, the sentence is in the page's language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from shared.features import INPUT_FIELDS, OUTSIDE_NEW_YORK_CLOCK, Field, local_times, new_york_local
from shared.i18n import Translator
from shared.i18n import marked as _

REQUIRED = _("is required")
NOT_TEXT = _("must be a non-empty string")
UNKNOWN = _("unknown value")
NOT_NUMBER = _("must be a number")
NOT_FINITE = _("must be a finite number")
NOT_TIME = _("must be an ISO 8601 date and time")
NOT_A_FIELD = _("is not an input field")
NULL_NUMBER = _("is required and must not be null or NaN")
TOO_LONG = _("must be at most {max_length} characters")
OUT_OF_RANGE = _("must be between {minimum:g} and {maximum:g}")


class InputError(ValueError):
    """A flight record that cannot be scored; ``field`` names the culprit.

    ``message`` may be a template whose ``{fields}`` are filled from ``values``: ``error.message`` is the
    English sentence, ``error.translated(_)`` the sentence in the language of the translator ``_``.
    """

    def __init__(self, field: str, message: str, /, **values: Any) -> None:
        self.field = field
        self.template = message
        self.values = values
        self.message = message.format(**values) if values else message
        super().__init__(f"{field}: {self.message}")

    def translated(self, translate: Translator) -> str:
        """The message in ``translate``'s language, numbers written its way (English when not translated)."""
        return translate(self.template, **self.values)


def null_value(field: Field) -> str:
    """The message for a null where a value is required (numbers also name NaN, their missing value)."""
    return NULL_NUMBER if field.kind == "number" else REQUIRED


def too_long(field: Field) -> str:
    return TOO_LONG.format(max_length=field.max_length)


def out_of_range(field: Field) -> str:
    return OUT_OF_RANGE.format(minimum=field.minimum, maximum=field.maximum)


def input_schema(spec: str, categories: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """The documented input schema of a model spec, with the categories the model knows."""
    schema = []
    for field in INPUT_FIELDS[spec]:
        entry = {"name": field.name, "kind": field.kind, "nullable": field.nullable, "description": field.description}
        if field.name in categories:
            entry["categories"] = list(categories[field.name])
        schema.append(entry)
    return schema


# -- one record -------------------------------------------------------------------------------------------
def check_value(field: Field, value: Any, known: frozenset[str] | None = None) -> Any:
    """The value of one field, checked (a departure time is parsed and put on New York's clock)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if field.nullable:
            return None
        raise InputError(field.name, null_value(field))
    if field.kind == "category":
        return _check_category(field, value, known)
    if field.kind == "number":
        return _check_number(field, value)
    return _check_time(field, value)


def _check_category(field: Field, value: Any, known: frozenset[str] | None) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(field.name, _("must be a non-empty string, got {kind}"), kind=type(value).__name__)
    if field.max_length is not None and len(value) > field.max_length:
        raise InputError(field.name, TOO_LONG, max_length=field.max_length)
    if known is not None and value not in known:
        raise InputError(
            field.name, _("unknown value {value!r}; the model knows {count} values"), value=value, count=len(known)
        )
    return value


def _check_number(field: Field, value: Any) -> Real:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(field.name, _("must be a number, got {kind}"), kind=type(value).__name__)
    if not math.isfinite(value):
        raise InputError(field.name, NOT_FINITE)
    if (field.minimum is not None and value < field.minimum) or (field.maximum is not None and value > field.maximum):
        raise InputError(field.name, OUT_OF_RANGE, minimum=field.minimum, maximum=field.maximum)
    return value


def _check_time(field: Field, value: Any) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InputError(
                field.name, _("must be an ISO 8601 date and time, got {value!r}"), value=value[:40]
            ) from None
    elif not isinstance(value, datetime):
        raise InputError(field.name, _("must be an ISO 8601 date and time, got {kind}"), kind=type(value).__name__)
    try:
        return new_york_local(value)
    except ValueError:
        raise InputError(field.name, OUTSIDE_NEW_YORK_CLOCK) from None


def validate_record(
    record: Mapping[str, Any],
    spec: str,
    known: Mapping[str, frozenset[str]] | None = None,
    *,
    other_keys: bool = True,
) -> dict[str, Any]:
    """A clean copy of ``record`` with every input field of ``spec`` checked (raises ``InputError``).

    ``known`` maps category fields to the values the model was trained on; when given, an unknown value
    is an error (an API rejects an unknown airport). Without it, an unknown category is scored the way
    the pipeline does it: it contributes nothing. ``other_keys=False`` refuses keys that are not input
    fields of ``spec``.
    """
    if not isinstance(record, Mapping):
        raise InputError("record", _("must be a mapping of field to value, got {kind}"), kind=type(record).__name__)
    clean = {}
    for field in INPUT_FIELDS[spec]:
        if field.name not in record and not field.nullable:
            raise InputError(field.name, REQUIRED)
        clean[field.name] = check_value(field, record.get(field.name), known.get(field.name) if known else None)
    if not other_keys and len(record) > len(clean):  # clean has every field: the surplus keys are others
        extra = next(key for key in record if key not in clean)
        raise InputError(str(extra), NOT_A_FIELD)
    return clean


# -- many records ---------------------------------------------------------------------------------------
def parse_times(column: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Departure times on New York's clock (``datetime64``) and a mask of the values that are not times.

    The same rule as one record: ``datetime`` values or ISO 8601 strings as ``datetime.fromisoformat``
    reads them; an offset is converted to New York local time. Missing values are NaT, not flagged.
    """
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column.dtype):
        return local_times(column), np.zeros(len(column), dtype=bool)
    values = column.tolist()
    try:  # the common case, vectorized: every value a time string that datetime.fromisoformat reads
        for value in values:
            datetime.fromisoformat(value)
        times = pd.to_datetime(column.astype(object), format="ISO8601")
        if times.dt.tz is None:  # (offsets go one by one: the rule checks each can be placed in New York)
            return times.astype("datetime64[us]"), np.zeros(len(column), dtype=bool)
    except (TypeError, ValueError, OverflowError):  # not strings, not times, mixed offsets: one by one
        pass
    parsed = [_one_time(value) for value in values]
    bad = np.fromiter(
        (time is None and not _missing(value) for time, value in zip(parsed, values, strict=True)), bool, len(values)
    )
    return pd.Series(parsed, index=column.index, dtype="datetime64[us]"), bad


def _one_time(value: Any) -> datetime | None:
    """One departure time on New York's clock, or ``None`` when it is not one (or is missing)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    try:
        return new_york_local(value)
    except ValueError:
        return None


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT


def frame_errors(frame: pd.DataFrame, spec: str, known: Mapping[str, frozenset[str]] | None = None) -> pd.Series:
    """For each row, the first reason it cannot be scored (``"field: message"``), or ``None`` (vectorized)."""
    reasons = pd.Series(None, index=frame.index, dtype=object)
    free = np.ones(len(frame), dtype=bool)  # rows without a reason yet: the first reason wins

    def flag(mask: pd.Series | np.ndarray, message: str) -> None:
        hit = np.asarray(mask, dtype=bool) & free
        if hit.any():  # a clean batch writes nothing
            reasons[hit] = message
            free[hit] = False

    for field in INPUT_FIELDS[spec]:
        if field.name not in frame.columns:
            if not field.nullable:
                flag(np.ones(len(frame), dtype=bool), f"{field.name}: {REQUIRED}")
            continue
        column = frame[field.name]
        missing = column.isna().to_numpy()
        if not field.nullable:
            flag(missing, f"{field.name}: {null_value(field)}")
        if field.kind == "number":
            _flag_numbers(field, column, missing, flag)
        elif field.kind == "datetime":
            flag(parse_times(column)[1], f"{field.name}: {NOT_TIME}")
        else:
            _flag_categories(field, column, missing, flag, known.get(field.name) if known else None)
    return reasons


def _flag_numbers(field: Field, column: pd.Series, missing: np.ndarray, flag: Any) -> None:
    """Flag values that are not numbers (text, booleans), not finite, or out of bounds."""
    if pd.api.types.is_bool_dtype(column.dtype):
        flag(~missing, f"{field.name}: {NOT_NUMBER}")
        return
    if not pd.api.types.is_numeric_dtype(column.dtype):
        kinds = column.map(type)
        not_number = ~kinds.map(lambda kind: issubclass(kind, Real) and kind is not bool).to_numpy()
        flag(not_number & ~missing, f"{field.name}: {NOT_NUMBER}")
        column = column.where(~not_number, np.nan)
    numbers = column.to_numpy(dtype=np.float64, na_value=np.nan)
    flag(np.isinf(numbers), f"{field.name}: {NOT_FINITE}")
    with np.errstate(invalid="ignore"):
        outside = (numbers < field.minimum) | (numbers > field.maximum)
    flag(outside, f"{field.name}: {out_of_range(field)}")


def _flag_categories(
    field: Field, column: pd.Series, missing: np.ndarray, flag: Any, known: frozenset[str] | None
) -> None:
    """Flag values that are not non-empty text, too long, or (with ``known``) unknown to the model.

    With ``known``, only the values outside it are looked at one by one (a known value is valid text):
    on a clean batch that is none of them.
    """
    suspects = ~missing
    if known is not None:
        suspects &= ~column.isin(known).to_numpy()
        if not suspects.any():
            return
    values = column[suspects]
    if values.dtype == object or not pd.api.types.is_string_dtype(values.dtype):
        is_text = np.fromiter((isinstance(value, str) for value in values), bool, len(values))
    else:
        is_text = np.ones(len(values), dtype=bool)
    lengths = np.fromiter(
        (len(value) if text else -1 for value, text in zip(values, is_text, strict=True)), np.int64, len(values)
    )
    rows = np.flatnonzero(suspects)

    def flag_rows(mask: np.ndarray, message: str) -> None:
        full = np.zeros(len(column), dtype=bool)
        full[rows[mask]] = True
        flag(full, f"{field.name}: {message}")

    flag_rows(~is_text | (lengths == 0), NOT_TEXT)
    if field.max_length is not None:
        flag_rows(lengths > field.max_length, too_long(field))
    if known is not None:
        flag_rows(np.ones(len(values), dtype=bool), UNKNOWN)
