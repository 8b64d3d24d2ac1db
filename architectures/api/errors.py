"""Every error a client can cause, as one JSON shape: ``{"error": "...", "field": ...}`` (the protocol's).

Status codes: a bad flight is 422 on ``/predict`` and 400 on ``/infer`` (the protocol's code); an unknown
model or version 404; no model loaded yet, or a pinned version that cannot load, 503.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from architectures.api.model_server import NotReadyError, VersionUnavailableError
from shared.registry import ModelNotFoundError
from shared.schema import InputError


class ProtocolInputError(InputError):
    """A bad input on an Open Inference Protocol route (answered 400, as the protocol says)."""


def json_response(body: Any, status: int = 200, version: int | None = None, headers: dict | None = None) -> Response:
    """A JSON response serialized by orjson (numpy arrays included), with the model version header."""
    headers = dict(headers or {})
    if version is not None:
        headers["x-model-version"] = str(version)
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), status, headers, "application/json")


def error_response(message: str, status: int, field: str | None = None, headers: dict | None = None) -> Response:
    """The one error body: ``{"error": message}``, plus the field at fault for a bad flight."""
    body: dict[str, Any] = {"error": message}
    if field is not None:
        body["field"] = field
    return json_response(body, status, headers=headers)


def add_error_handlers(app: FastAPI) -> None:
    """Turn every error a client can cause into a 4xx JSON answer (and a missing model into a 503)."""

    @app.exception_handler(InputError)
    async def bad_input(request: Request, error: InputError) -> Response:
        status = 400 if isinstance(error, ProtocolInputError) else 422
        return error_response(str(error), status, error.field)

    @app.exception_handler(ModelNotFoundError)
    async def not_found(request: Request, error: ModelNotFoundError) -> Response:
        return error_response(str(error), 404)

    @app.exception_handler(NotReadyError)
    async def not_ready(request: Request, error: NotReadyError) -> Response:
        return error_response(f"no model loaded yet: {error}", 503)

    @app.exception_handler(VersionUnavailableError)
    async def unavailable(request: Request, error: VersionUnavailableError) -> Response:
        return error_response(str(error), 503)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        return error_response(str(error.detail), error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return error_response(f"{where}: {first.get('msg', 'invalid')}", 422)
