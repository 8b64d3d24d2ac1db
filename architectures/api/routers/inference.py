"""Inference: one flight (``/predict``, the series' friendly endpoint) or many (``/infer``, the protocol's).

Unpinned routes use the production model; ``/versions/{version}/…`` pins a version (number or alias).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from architectures.api.dependencies import flight_body, inference_body, pinned_model, production_model
from architectures.api.errors import ProtocolInputError, json_response
from architectures.api.model_server import LoadedModel
from architectures.api.oip import OUTPUT, columns_frame
from architectures.api.schemas import Flight, InferenceError, InferenceRequest, InferenceResponse, PredictResponse
from shared.schema import InputError

router = APIRouter(tags=["inference"])
ERRORS = {404: {"model": InferenceError}, 413: {"model": InferenceError}, 503: {"model": InferenceError}}
FLIGHT_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": Flight.model_json_schema()}}}
}
INFER_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": InferenceRequest.model_json_schema()}}}
}
FlightBody = Annotated[dict[str, Any], Depends(flight_body)]
InferBody = Annotated[InferenceRequest, Depends(inference_body)]
Production = Annotated[LoadedModel, Depends(production_model)]
Pinned = Annotated[LoadedModel, Depends(pinned_model)]


def predict_one(loaded: LoadedModel, flight: dict[str, Any], request: Request) -> Response:
    """P(late) of one flight, checked against the flight contract (422 naming the field)."""
    p_late = loaded.predict_one(flight, other_keys=False)
    version = loaded.version
    body = {"model_name": loaded.name, "model_version": str(version), "id": request.state.request_id, "p_late": p_late}
    return json_response(body, version=version)


def infer_batch(loaded: LoadedModel, body: InferenceRequest, request: Request) -> Response:
    """P(late) of every flight of an OIP request (400 naming the field and row of the first bad value)."""
    flights = columns_frame(body)
    try:
        p_late = loaded.predict_frame(flights)
    except InputError as error:
        raise ProtocolInputError(error.field, error.message) from None
    outputs = [{"name": OUTPUT, "shape": [len(p_late)], "datatype": "FP64", "data": p_late}]
    response_id = body.id if body.id is not None else request.state.request_id
    answer = {"model_name": loaded.name, "model_version": str(loaded.version), "id": response_id, "outputs": outputs}
    return json_response(answer, version=loaded.version)


PREDICT = {"response_model": PredictResponse, "openapi_extra": FLIGHT_BODY}
PREDICT_ERRORS = {422: {"model": InferenceError, "description": "A bad flight (the field is named)"}, **ERRORS}
INFER = {"response_model": InferenceResponse, "openapi_extra": INFER_BODY}
INFER_ERRORS = {400: {"model": InferenceError, "description": "A bad request (the field is named)"}, **ERRORS}


@router.post("/v2/models/{model}/predict", responses=PREDICT_ERRORS, **PREDICT)
async def predict(loaded: Production, flight: FlightBody, request: Request) -> Response:
    """P(late) of one flight (a JSON object), from the production model."""
    return predict_one(loaded, flight, request)


@router.post("/v2/models/{model}/versions/{version}/predict", responses=PREDICT_ERRORS, **PREDICT)
async def predict_pinned(loaded: Pinned, flight: FlightBody, request: Request) -> Response:
    """P(late) of one flight, from the version (number or alias) the client pins."""
    return predict_one(loaded, flight, request)


@router.post("/v2/models/{model}/infer", responses=INFER_ERRORS, **INFER)
async def infer(loaded: Production, body: InferBody, request: Request) -> Response:
    """P(late) of many flights in one request, one input per field (Open Inference Protocol v2)."""
    return await run_in_threadpool(infer_batch, loaded, body, request)


@router.post("/v2/models/{model}/versions/{version}/infer", responses=INFER_ERRORS, **INFER)
async def infer_pinned(loaded: Pinned, body: InferBody, request: Request) -> Response:
    """P(late) of many flights from the version (number or alias) the client pins."""
    return await run_in_threadpool(infer_batch, loaded, body, request)
