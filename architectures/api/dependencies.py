"""FastAPI dependencies the routers share: the model server, the model a request names, the bodies.

All are ``async``: FastAPI runs a plain ``def`` dependency in a worker thread, a hop that would cost more
than the prediction itself.

Bodies are read as bytes and parsed here, whatever the ``Content-Type`` (Open Inference Protocol
clients such as ``tritonclient`` send JSON without one). A flight is checked by the flight contract
(``shared.schema``), the one every architecture uses.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from architectures.api.errors import ProtocolInputError
from architectures.api.model_server import LoadedModel, ModelServer
from architectures.api.schemas import InferenceRequest
from shared.registry import ModelNotFoundError
from shared.schema import InputError


async def model_server(request: Request) -> ModelServer:
    """The process's model server (made by ``create_app``)."""
    return request.app.state.server


Server = Annotated[ModelServer, Depends(model_server)]


async def known_model(model: str, server: Server) -> str:
    """The model name in the path, if this service serves it (else 404)."""
    if model != server.name:
        raise ModelNotFoundError(f"no model named {model!r}; this service serves {server.name!r}")
    return model


KnownModel = Annotated[str, Depends(known_model)]


async def production_model(model: KnownModel, server: Server) -> LoadedModel:
    """The model behind unpinned requests (503 before the first load)."""
    return server.current()


async def pinned_model(model: KnownModel, version: str, server: Server) -> LoadedModel:
    """The version (number or alias) the client pins, loaded off the event loop the first time."""
    number = server.resolve(version)
    return server.cached(number) or await run_in_threadpool(server.pinned, number)


async def json_body(request: Request, error: type[InputError] = InputError) -> Any:
    """The request body as JSON, whatever its content type."""
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError as problem:
        raise error("body", f"is not valid JSON ({problem})") from None


async def flight_body(request: Request) -> dict[str, Any]:
    """The one flight a ``/predict`` request sends, as JSON (checked later, against its model's contract)."""
    flight = await json_body(request)
    if not isinstance(flight, dict):
        raise InputError("body", f"must be a JSON object with the flight's fields, got {type(flight).__name__}")
    return flight


async def inference_body(request: Request) -> InferenceRequest:
    """An Open Inference Protocol request (JSON only: binary tensor data is refused with a 400)."""
    body = await request.body()
    header = request.headers.get("inference-header-content-length")
    if header is not None and header.strip() != str(len(body)):
        raise ProtocolInputError("body", "binary tensor data is not supported: send every input as JSON data")
    try:  # (orjson then validating Python objects is faster than pydantic's own JSON parsing, for long lists)
        return InferenceRequest.model_validate(orjson.loads(body))
    except orjson.JSONDecodeError as problem:
        raise ProtocolInputError("body", f"is not valid JSON ({problem})") from None
    except ValidationError as problem:
        first = problem.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ProtocolInputError(where, first["msg"]) from None
