"""The service's request and response bodies (pydantic): what the OpenAPI document shows clients.

The flight fields and their descriptions come from ``shared.features.INPUT_FIELDS``, so the API, the
notebooks and the other architectures describe a flight the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    StrictStr,
    create_model,
)

from shared.features import INPUT_FIELDS
from shared.features import Field as FlightField

NEW_YORK = ZoneInfo("America/New_York")
NUMBER_RANGES: dict[str, tuple[float, float]] = {"distance": (1.0, 30_000.0)}
"""Bounds of the numeric fields; the weather fields default to ``WEATHER_RANGE``."""
WEATHER_RANGE = (-1e6, 1e6)
EXAMPLE_FLIGHT = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-07-15T17:30:00", "distance": 719}


def _iso_string(value: Any) -> Any:
    """Accept a datetime only as an ISO 8601 string (JSON has no datetime type; numbers are a mistake)."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date and time string, e.g. 2013-07-15T17:30:00")
    return value


def _new_york_local(value: datetime) -> datetime:
    """A time with an offset, converted to New York local time (the model's clock); naive times are kept."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(NEW_YORK).replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise ValueError("is out of the range of dates the model can place in New York time") from None


def number_range(name: str) -> tuple[float, float]:
    """The accepted (min, max) of a numeric field."""
    return NUMBER_RANGES.get(name, WEATHER_RANGE)


def _annotation(field: FlightField) -> Any:
    """The pydantic type of one flight field."""
    if field.kind == "category":
        kind: Any = Annotated[str, Field(min_length=1, max_length=16, description=field.description)]
    elif field.kind == "datetime":
        parse = (BeforeValidator(_iso_string), AfterValidator(_new_york_local))
        kind = Annotated[datetime, *parse, Field(description=field.description)]
    else:
        low, high = number_range(field.name)
        kind = Annotated[float, Field(strict=True, ge=low, le=high, description=field.description)]
    return (kind | None, None) if field.nullable else (kind, ...)


Flight = create_model(
    "Flight",
    __config__=ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [EXAMPLE_FLIGHT]}),
    __doc__="One flight, as a client knows it before departure. The weather fields are optional: when a "
    "model needs them and they are missing, the service looks them up itself.",
    **{field.name: _annotation(field) for field in INPUT_FIELDS["weather"]},
)


class Prediction(BaseModel):
    """The answer for one flight."""

    model_name: str
    model_version: int = Field(description="the registry version that computed this answer")
    id: str = Field(description="the request id (the X-Request-ID header, echoed or generated)")
    p_late: float = Field(ge=0, le=1, description="probability of arriving 15+ minutes late")


class InferInput(BaseModel):
    """One input tensor of the Open Inference Protocol: one column of the batch."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="a flight field, e.g. carrier")
    shape: list[StrictInt] = Field(description="[n]: one value per flight")
    datatype: Literal["BYTES", "FP32", "FP64", "INT64"] = Field(
        description="BYTES for text and date-times (ISO 8601), FP32/FP64/INT64 for numbers"
    )
    data: list[StrictStr | StrictFloat | StrictInt | None]


class InferenceRequest(BaseModel):
    """Many flights in one request, column by column (Open Inference Protocol v2, at teaching size)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "inputs": [
                        {"name": "carrier", "shape": [2], "datatype": "BYTES", "data": ["UA", "DL"]},
                        {"name": "origin", "shape": [2], "datatype": "BYTES", "data": ["EWR", "LGA"]},
                        {"name": "dest", "shape": [2], "datatype": "BYTES", "data": ["ORD", "ATL"]},
                        {
                            "name": "sched_dep",
                            "shape": [2],
                            "datatype": "BYTES",
                            "data": ["2013-07-15T17:30:00", "2013-07-15T08:00:00"],
                        },
                        {"name": "distance", "shape": [2], "datatype": "FP64", "data": [719, 762]},
                    ]
                }
            ]
        },
    )
    inputs: list[InferInput] = Field(min_length=1)


class InferOutput(BaseModel):
    name: Literal["p_late"]
    shape: list[int]
    datatype: Literal["FP64"]
    data: list[float]


class InferenceResponse(BaseModel):
    """The batch answer: one probability per flight, in the request's order."""

    model_name: str
    model_version: int
    id: str
    outputs: list[InferOutput]


class Liveness(BaseModel):
    live: bool


class Readiness(BaseModel):
    ready: bool
    model_name: str
    model_version: int | None = None
    reason: str | None = None


class ModelInfo(BaseModel):
    """A model in the registry, and the version this process serves."""

    name: str
    versions: list[int]
    aliases: dict[str, int]
    serving_version: int | None = Field(description="the version behind unpinned requests, in this process")
    last_reload_error: str | None = Field(description="why the last attempt to load a new version failed, if it did")


class ModelList(BaseModel):
    models: list[ModelInfo]


class VersionMetadata(BaseModel):
    """One version's manifest, as a client needs it."""

    name: str
    version: int
    spec: str
    created: str
    metrics: dict[str, float]
    training_data: dict[str, Any]
    input_schema: list[dict[str, Any]]
    client_fields: list[str] = Field(description="the fields a client must send")
    filled_by_service: list[str] = Field(description="fields this version needs that the service looks up itself")


class ReloadResult(BaseModel):
    """What a reload did: the version served before and after, and how long loading took."""

    changed: bool
    previous_version: int | None
    version: int
    load_seconds: float


class ErrorBody(BaseModel):
    """An error that is not about one input field (unknown version, body too large, not ready)."""

    detail: str
