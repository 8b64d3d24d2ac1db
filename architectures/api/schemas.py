"""The service's request and response bodies (pydantic): what the OpenAPI document shows clients.

``Flight`` is generated from the flight contract (``shared.features.INPUT_FIELDS``: names, kinds, bounds,
descriptions); the service checks a flight with the contract itself (``shared.schema.validate_record``),
so the document and the checks cannot drift apart. The ``Inference*``, ``Metadata*`` and health bodies
are the Open Inference Protocol v2 (REST) as KServe publishes it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, create_model

from shared.features import INPUT_FIELDS
from shared.features import Field as FlightField

EXAMPLE_FLIGHT = {"carrier": "UA", "origin": "EWR", "dest": "ORD", "sched_dep": "2013-07-15T17:30:00", "distance": 719}
NUMBER_TYPES = ("FP64", "FP32", "FP16", "INT64", "INT32", "INT16", "INT8", "UINT64", "UINT32", "UINT16", "UINT8")
"""The protocol's number datatypes a numeric flight field may be sent as."""
DATATYPES = ("BYTES", "BOOL", *NUMBER_TYPES)


def _annotation(field: FlightField) -> Any:
    """The pydantic type of one flight field, from its definition in the contract."""
    if field.kind == "category":
        kind: Any = Annotated[str, Field(min_length=1, max_length=field.max_length, description=field.description)]
    elif field.kind == "datetime":
        kind = Annotated[str, Field(description=field.description, examples=["2013-07-15T17:30:00"])]
    else:
        kind = Annotated[float, Field(ge=field.minimum, le=field.maximum, description=field.description)]
    return (kind | None, None) if field.nullable else (kind, ...)


Flight = create_model(
    "Flight",
    __config__=ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra={"examples": [EXAMPLE_FLIGHT]}),
    __doc__="One flight, as a client knows it before departure. The weather fields are optional: when a "
    "model needs them and they are missing, the service looks them up itself.",
    **{field.name: _annotation(field) for field in INPUT_FIELDS["weather"]},
)


class PredictResponse(BaseModel):
    """The answer for one flight."""

    model_name: str
    model_version: str = Field(description="the registry version that computed this answer")
    id: str = Field(description="the request id (the X-Request-ID header, echoed or generated)")
    p_late: float = Field(ge=0, le=1, description="probability of arriving 15+ minutes late")


# -- Open Inference Protocol v2 ------------------------------------------------------------------------
class RequestInput(BaseModel):
    """One input tensor: one flight field, one value per flight."""

    name: str = Field(description="a flight field, e.g. carrier")
    shape: list[StrictInt] = Field(description="[n] or [n, 1]: one value per flight")
    datatype: Literal[DATATYPES] = Field(description="BYTES for text and date-times (ISO 8601), a number type else")
    parameters: dict[str, Any] | None = None
    data: list[StrictStr | StrictFloat | StrictInt | StrictBool | None]


class RequestOutput(BaseModel):
    """An output the client asks for (this model has one: ``p_late``)."""

    name: str
    parameters: dict[str, Any] | None = None


class InferenceRequest(BaseModel):
    """Many flights in one request, column by column."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "42",
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
                    ],
                }
            ]
        },
    )
    id: str | None = Field(None, description="echoed in the response")
    parameters: dict[str, Any] | None = None
    inputs: list[RequestInput] = Field(min_length=1)
    outputs: list[RequestOutput] | None = Field(None, description="the outputs wanted (default: all)")


class ResponseOutput(BaseModel):
    name: Literal["p_late"]
    shape: list[int]
    datatype: Literal["FP64"]
    data: list[float]


class InferenceResponse(BaseModel):
    """The batch answer: one probability per flight, in the request's order."""

    model_name: str
    model_version: str
    id: str = Field(description="the request's id, or the X-Request-ID header, echoed or generated")
    outputs: list[ResponseOutput]


class InferenceError(BaseModel):
    """Any error: what went wrong and, for a bad flight, the field at fault."""

    error: str
    field: str | None = Field(None, description="the flight field at fault, for a bad input")


class ServerMetadata(BaseModel):
    name: str
    version: str
    extensions: list[str]


class ServerLive(BaseModel):
    live: bool


class ServerReady(BaseModel):
    ready: bool
    model_name: str
    model_version: str | None = None
    reason: str | None = Field(None, description="why not ready, and what to do")


class ModelReady(BaseModel):
    name: str
    ready: bool


class MetadataTensor(BaseModel):
    name: str
    datatype: str
    shape: list[int]
    parameters: dict[str, Any] | None = None


class ModelMetadata(BaseModel):
    """A model (or one version of it) as the protocol describes it; the registry's details in ``parameters``."""

    name: str
    versions: list[str]
    platform: str
    inputs: list[MetadataTensor]
    outputs: list[MetadataTensor]
    parameters: dict[str, Any] = Field(
        description="spec, created, metrics, training data, client_fields, filled_by_service; for the model: "
        "aliases, serving_version, last_reload_error"
    )


class ModelList(BaseModel):
    """The models this service serves (the series' own listing, beside the protocol)."""

    models: list[ModelMetadata]


class ReloadResult(BaseModel):
    """What a reload did: the version served before and after, and how long loading took."""

    changed: bool
    previous_version: int | None
    version: int
    load_seconds: float
