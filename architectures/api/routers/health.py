"""Health: is the process up, is a model ready to answer (the protocol's ``/v2/health/*``), and ``GET /v2``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from architectures.api.dependencies import Server
from architectures.api.errors import json_response
from architectures.api.schemas import ServerLive, ServerMetadata, ServerReady

router = APIRouter(tags=["health"])
SERVER_NAME = "flight-delay-api"
SERVER_VERSION = "1.0.0"


@router.get("/v2", response_model=ServerMetadata)
async def server_metadata() -> dict:
    """The server's name, version and protocol extensions (none)."""
    return {"name": SERVER_NAME, "version": SERVER_VERSION, "extensions": []}


@router.get("/v2/health/live", response_model=ServerLive)
async def live() -> dict[str, bool]:
    """The process is up and answering (restart it if this fails)."""
    return {"live": True}


@router.get("/v2/health/ready", response_model=ServerReady, responses={503: {"model": ServerReady}})
async def ready(server: Server) -> Response:
    """200 once a model is loaded, hash verified and warmed; 503 before (the reason says what to do)."""
    serving = server.serving
    if serving is None:
        reason = server.last_reload_error or "the model is still loading"
        return json_response({"ready": False, "model_name": server.name, "model_version": None, "reason": reason}, 503)
    return json_response({"ready": True, "model_name": server.name, "model_version": str(serving.version)})
