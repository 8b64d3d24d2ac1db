"""Admin: actions that change what is served. Every route here needs the operator's token (see ``auth``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from architectures.api.auth import require_admin
from architectures.api.dependencies import Server
from architectures.api.errors import error_response, json_response
from architectures.api.model_server import ReloadError
from architectures.api.schemas import InferenceError, ReloadResult

router = APIRouter(tags=["admin"], dependencies=[Depends(require_admin)])
ERRORS = {
    401: {"model": InferenceError, "description": "Token missing or wrong"},
    403: {"model": InferenceError, "description": "Admin endpoints are off (no token configured)"},
    409: {"model": InferenceError, "description": "The aliased version cannot load; the previous one keeps serving"},
}


@router.post("/v2/admin/reload", response_model=ReloadResult, responses=ERRORS)
async def reload(server: Server) -> Response:
    """Serve the version the ``production`` alias names now (load, verify, warm, then swap).

    409 if it cannot be loaded: the previous version keeps serving. Each worker process also does this on
    its own when it sees the alias move; this endpoint reaches only one worker.
    """
    try:
        change = await run_in_threadpool(server.reload)
    except ReloadError as error:
        return error_response(
            f"could not load the version the alias names ({error}); still serving the previous version", 409
        )
    return json_response(change, version=change["version"])
