"""Models: what this service serves, in the protocol's metadata shape, and whether each model is ready."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from architectures.api.dependencies import KnownModel, Server
from architectures.api.errors import json_response
from architectures.api.model_server import VersionUnavailableError
from architectures.api.schemas import InferenceError, ModelList, ModelMetadata, ModelReady

router = APIRouter(tags=["models"])
ERRORS = {404: {"model": InferenceError}, 503: {"model": InferenceError}}


@router.get("/v2/models", response_model=ModelList)
async def list_models(server: Server) -> dict[str, Any]:
    """The models this service serves, their versions and aliases (the series' listing, beside the protocol)."""
    return {"models": [server.info()]}


@router.get("/v2/models/{model}", response_model=ModelMetadata, responses=ERRORS)
async def model_metadata(model: KnownModel, server: Server) -> dict[str, Any]:
    """The model: its versions (as strings), platform, inputs and outputs; aliases and serving version in parameters."""
    return server.info()


@router.get("/v2/models/{model}/versions/{version}", response_model=ModelMetadata, responses=ERRORS)
async def version_metadata(model: KnownModel, version: str, server: Server) -> dict[str, Any]:
    """One version (number or alias): its inputs and outputs; spec, metrics and training data in parameters."""
    return server.metadata(server.resolve(version))


@router.get("/v2/models/{model}/ready", response_model=ModelReady, responses={503: {"model": ModelReady}, **ERRORS})
async def model_ready(model: KnownModel, server: Server) -> Response:
    """200 when the model answers unpinned requests; 503 before."""
    ready = server.serving is not None
    return json_response({"name": model, "ready": ready}, 200 if ready else 503)


@router.get(
    "/v2/models/{model}/versions/{version}/ready",
    response_model=ModelReady,
    responses={503: {"model": ModelReady}, **ERRORS},
)
async def version_ready(model: KnownModel, version: str, server: Server) -> Response:
    """200 when this version can answer (it is loaded now, or loads and verifies); 503 if it cannot."""
    number = server.resolve(version)
    try:
        server.cached(number) or await run_in_threadpool(server.pinned, number)
    except VersionUnavailableError:
        return json_response({"name": model, "ready": False}, 503)
    return json_response({"name": model, "ready": True})
