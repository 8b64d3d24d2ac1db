"""The dedicated model API (API dedicada): one inference service that every client application calls.

Run it (one command, from the project root)::

    uvicorn architectures.api.service:app --host 127.0.0.1 --port 8000 --loop uvloop --http httptools

Endpoints (named after the Open Inference Protocol v2 that KServe, MLServer and Triton speak):

- ``GET  /v2/health/live`` · ``GET /v2/health/ready`` (503 until a model is loaded and its hash verified)
- ``GET  /v2/models`` · ``GET /v2/models/{model}`` · ``GET /v2/models/{model}/versions/{version}``
- ``POST /v2/models/{model}/predict``  one flight (a JSON object)          → its P(late)
- ``POST /v2/models/{model}/infer``    many flights, column by column (OIP) → one P(late) each
- the same two under ``/v2/models/{model}/versions/{version}/…`` to pin a version (number or alias)
- ``POST /v2/admin/reload``: serve the version the ``production`` alias names now
- ``GET  /docs``: the OpenAPI documentation

Every answer carries the model version used, and the ``X-Request-ID`` header (echoed, or generated).
The service also re-reads the alias every ``API_WATCH_SECONDS`` (default 0.5 s), so moving the alias
updates every worker process without a restart and without touching a client.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import numpy as np
import orjson
import pandas as pd
from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from architectures.api.model_server import (
    LoadedModel,
    ModelServer,
    NotReadyError,
    ReloadError,
    VersionUnavailableError,
)
from architectures.api.schemas import (
    ErrorBody,
    Flight,
    InferenceRequest,
    InferenceResponse,
    Liveness,
    ModelInfo,
    ModelList,
    Readiness,
    ReloadResult,
    VersionMetadata,
    _new_york_local,
    number_range,
)
from architectures.api.schemas import Prediction as PredictionBody
from shared.features import INPUT_FIELDS
from shared.registry import ModelNotFoundError, Registry
from shared.schema import InputError

MAX_BODY_BYTES = 4 * 1024 * 1024
"""Largest request body accepted (413 beyond): about 50,000 flights in one batch request."""
FIELDS = {field.name: field for field in INPUT_FIELDS["weather"]}
ERRORS = {404: {"model": ErrorBody}, 503: {"model": ErrorBody}}
BODY_ERRORS = {400: {"model": ErrorBody, "description": "Body is not UTF-8 text"}, 413: {"model": ErrorBody}, **ERRORS}


class RequestIdMiddleware:
    """Echo the client's ``X-Request-ID`` (or make one) on every response, and expose it to the routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request_id = next((value for key, value in scope["headers"] if key == b"x-request-id"), b"")[:128]
        if not request_id or not request_id.isascii():
            request_id = uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["request_id"] = request_id.decode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id)]
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyTooLargeError(HTTPException):
    """The request body is larger than the service accepts (FastAPI turns it into a JSON 413)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"request body larger than {max_bytes:,} bytes; send fewer flights per request")


class BodyLimitMiddleware:
    """Answer 413 to a body over ``max_bytes``: at once if ``Content-Length`` says so, else while it streams."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = next((value for key, value in scope["headers"] if key == b"content-length"), b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            return await self.too_large(scope, receive, send)
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLargeError(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLargeError:
            if started:
                raise
            await self.too_large(scope, receive, send)

    async def too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = BodyTooLargeError(self.max_bytes).detail
        await json_response({"detail": detail}, 413)(scope, receive, send)


def json_response(body: dict[str, Any], status: int = 200, version: int | None = None) -> Response:
    """A JSON response serialized by orjson (numpy arrays included), with the model version header."""
    headers = {"x-model-version": str(version)} if version is not None else None
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY), status, headers, "application/json")


def field_error(field: str, message: str, where: str = "body") -> JSONResponse:
    """A 422 shaped like FastAPI's own validation errors, so clients parse one format."""
    return JSONResponse({"detail": [{"loc": [where, field], "msg": message, "type": "value_error"}]}, 422)


def create_app(
    registry: Registry | None = None,
    *,
    watch_seconds: float | None = None,
    max_body_bytes: int | None = None,
    load_now: bool = False,
    cache_size: int = 4,
) -> FastAPI:
    """The service as an ASGI app.

    ``registry`` defaults to the project's (or ``$SHIPPING_MODELS_HOME``). ``watch_seconds`` (default
    ``$API_WATCH_SECONDS`` or 0.5; ``0`` turns watching off) is how often the alias is re-read.
    ``load_now`` loads the production model before returning (tests); otherwise it loads in the
    background at startup while ``/v2/health/ready`` answers 503.
    """
    if watch_seconds is None:
        watch_seconds = float(os.environ.get("API_WATCH_SECONDS", "0.5"))
    if max_body_bytes is None:
        max_body_bytes = int(os.environ.get("API_MAX_BODY_BYTES", MAX_BODY_BYTES))
    server = ModelServer(registry, cache_size=cache_size)
    if load_now:
        with contextlib.suppress(ReloadError):
            server.reload()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(watch_alias(server, watch_seconds))] if watch_seconds > 0 else []
        if server.serving is None:
            tasks.append(asyncio.create_task(reload_quietly(server)))
        yield
        for task in tasks:
            task.cancel()

    app = FastAPI(
        title="Flight delay model API",
        version="1.0.0",
        summary="Will this New York flight arrive 15+ minutes late? One model service, many clients.",
        lifespan=lifespan,
    )
    app.state.server = server
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(RequestIdMiddleware)  # added last, so outermost: even a 413 carries the id
    add_error_handlers(app)
    name = server.name

    def model_or_404(model: str) -> None:
        if model != name:
            raise ModelNotFoundError(f"no model named {model!r}; this service serves {name!r}")

    async def pinned_model(model: str, version: str) -> LoadedModel:
        model_or_404(model)
        number = server.resolve(version)
        return server.cached(number) or await run_in_threadpool(server.pinned, number)

    # -- health --------------------------------------------------------------------------------
    @app.get("/v2/health/live", response_model=Liveness, tags=["health"])
    async def live() -> dict[str, bool]:
        """The process is up and answering (restart it if this fails)."""
        return {"live": True}

    @app.get("/v2/health/ready", response_model=Readiness, responses={503: {"model": Readiness}}, tags=["health"])
    async def ready() -> Response:
        """200 once a model is loaded, hash verified and warmed; 503 before (send no traffic yet)."""
        serving = server.serving
        if serving is None:
            reason = server.last_reload_error or "the model is still loading"
            return json_response({"ready": False, "model_name": name, "model_version": None, "reason": reason}, 503)
        return json_response({"ready": True, "model_name": name, "model_version": serving.version, "reason": None})

    # -- models --------------------------------------------------------------------------------
    @app.get("/v2/models", response_model=ModelList, tags=["models"])
    async def list_models() -> dict[str, Any]:
        """The models this service serves, their versions and aliases."""
        return {"models": [server.info()]}

    @app.get("/v2/models/{model}", response_model=ModelInfo, responses=ERRORS, tags=["models"])
    async def model_info(model: str) -> dict[str, Any]:
        """One model: its versions, aliases and the version served to unpinned requests."""
        model_or_404(model)
        return server.info()

    @app.get("/v2/models/{model}/versions/{version}", response_model=VersionMetadata, responses=ERRORS, tags=["models"])
    async def version_metadata(model: str, version: str) -> dict[str, Any]:
        """One version's metadata: spec, metrics, training data and the input schema clients must follow."""
        model_or_404(model)
        return server.metadata(server.resolve(version))

    # -- predictions ---------------------------------------------------------------------------
    def predict_one(loaded: LoadedModel, flight: Any, request: Request) -> Response:
        p_late = loaded.predict_one(flight.model_dump())
        body = {"model_name": name, "model_version": loaded.version, "id": request.state.request_id, "p_late": p_late}
        return json_response(body, version=loaded.version)

    @app.post("/v2/models/{model}/predict", response_model=PredictionBody, responses=BODY_ERRORS, tags=["predict"])
    async def predict(model: str, flight: Flight, request: Request) -> Response:
        """P(late) of one flight, from the production model."""
        model_or_404(model)
        return predict_one(server.current(), flight, request)

    @app.post(
        "/v2/models/{model}/versions/{version}/predict",
        response_model=PredictionBody,
        responses=BODY_ERRORS,
        tags=["predict"],
    )
    async def predict_pinned(model: str, version: str, flight: Flight, request: Request) -> Response:
        """P(late) of one flight, from the version (number or alias) the client pins."""
        return predict_one(await pinned_model(model, version), flight, request)

    def infer_batch(loaded: LoadedModel, body: InferenceRequest, request: Request) -> Response:
        flights = columns_frame(body)
        p_late = loaded.predict_frame(flights)
        outputs = [{"name": "p_late", "shape": [len(p_late)], "datatype": "FP64", "data": p_late}]
        response = {"model_name": name, "model_version": loaded.version, "id": request.state.request_id}
        return json_response({**response, "outputs": outputs}, version=loaded.version)

    @app.post("/v2/models/{model}/infer", response_model=InferenceResponse, responses=BODY_ERRORS, tags=["predict"])
    async def infer(model: str, body: InferenceRequest, request: Request) -> Response:
        """P(late) of many flights in one request, from the production model (one column per field)."""
        model_or_404(model)
        loaded = server.current()
        return await run_in_threadpool(infer_batch, loaded, body, request)

    @app.post(
        "/v2/models/{model}/versions/{version}/infer",
        response_model=InferenceResponse,
        responses=BODY_ERRORS,
        tags=["predict"],
    )
    async def infer_pinned(model: str, version: str, body: InferenceRequest, request: Request) -> Response:
        """P(late) of many flights from the version (number or alias) the client pins."""
        loaded = await pinned_model(model, version)
        return await run_in_threadpool(infer_batch, loaded, body, request)

    # -- admin ---------------------------------------------------------------------------------
    @app.post("/v2/admin/reload", response_model=ReloadResult, responses={409: {"model": ErrorBody}}, tags=["admin"])
    async def reload() -> Response:
        """Serve the version the ``production`` alias names now (load, verify, warm, then swap).

        409 if it cannot be loaded: the previous version keeps serving. Each worker process also
        does this on its own when it sees the alias move; this endpoint reaches only one worker.
        """
        try:
            change = await run_in_threadpool(server.reload)
        except ReloadError as error:
            detail = f"could not load the version the alias names ({error}); still serving the previous version"
            return json_response({"detail": detail}, 409)
        return json_response(change, version=change["version"])

    return app


def add_error_handlers(app: FastAPI) -> None:
    """Turn every error a client can cause into a 4xx JSON answer (and a missing model into a 503)."""

    @app.exception_handler(InputError)
    async def bad_input(request: Request, error: InputError) -> Response:
        return field_error(error.field, error.message)

    @app.exception_handler(ModelNotFoundError)
    async def not_found(request: Request, error: ModelNotFoundError) -> Response:
        return json_response({"detail": str(error)}, 404)

    @app.exception_handler(NotReadyError)
    async def not_ready(request: Request, error: NotReadyError) -> Response:
        return json_response({"detail": f"no model loaded yet: {error}"}, 503)

    @app.exception_handler(VersionUnavailableError)
    async def unavailable(request: Request, error: VersionUnavailableError) -> Response:
        return json_response({"detail": str(error)}, 503)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        errors = [
            {"loc": list(item.get("loc", ())), "msg": item.get("msg", "invalid"), "type": item.get("type", "invalid")}
            for item in error.errors()
        ]
        return JSONResponse({"detail": errors}, 422)


def columns_frame(body: InferenceRequest) -> pd.DataFrame:
    """The OIP request's columns as a DataFrame of flight fields; a bad column raises ``InputError``."""
    columns: dict[str, Any] = {}
    rows: int | None = None
    for position, tensor in enumerate(body.inputs):
        where = f"inputs[{position}]"
        field = FIELDS.get(tensor.name)
        if field is None:
            raise InputError(tensor.name, f"{where}: not a flight field; expected one of {sorted(FIELDS)}")
        if tensor.name in columns:
            raise InputError(tensor.name, f"{where}: sent twice")
        if tensor.shape != [len(tensor.data)]:
            raise InputError(tensor.name, f"{where}: shape {tensor.shape} does not match its {len(tensor.data)} values")
        if rows is not None and len(tensor.data) != rows:
            raise InputError(tensor.name, f"{where}: has {len(tensor.data)} values, the other inputs {rows}")
        rows = len(tensor.data)
        columns[tensor.name] = column_values(field.name, field.kind, field.nullable, tensor.datatype, tensor.data)
    return pd.DataFrame(columns)


def column_values(name: str, kind: str, nullable: bool, datatype: str, data: list[Any]) -> np.ndarray | pd.Series:
    """One column checked for its kind: text for categories and times, bounded numbers otherwise."""
    if kind in ("category", "datetime"):
        if datatype != "BYTES":
            raise InputError(name, f"must be sent as datatype BYTES (text), not {datatype}")
        if set(map(type, data)) - {str}:  # one pass in C; find the culprit only when there is one
            bad = next(row for row, value in enumerate(data) if type(value) is not str)
            raise InputError(name, f"row {bad}: must be a string, got {type(data[bad]).__name__}")
        return parse_times(name, data) if kind == "datetime" else np.asarray(data, dtype=object)
    if datatype == "BYTES":
        raise InputError(name, "must be sent as a number datatype (FP32, FP64 or INT64), not BYTES")
    if str in set(map(type, data)):
        bad = next(row for row, value in enumerate(data) if type(value) is str)
        raise InputError(name, f"row {bad}: must be a number, got str")
    values = np.asarray(data, dtype=np.float64)  # None becomes NaN
    low, high = number_range(name)
    outside = np.flatnonzero(~np.isnan(values) & ((values < low) | (values > high)))
    if outside.size:
        raise InputError(name, f"row {outside[0]}: must be between {low:g} and {high:g}")
    return values


def parse_times(name: str, data: list[str]) -> pd.Series:
    """ISO 8601 strings as New York local times (vectorized; times with an offset are converted)."""
    try:
        times = pd.to_datetime(pd.Series(data, dtype=object), format="ISO8601", errors="coerce")
        if times.dt.tz is not None:
            raise ValueError("times with an offset")
    except (ValueError, TypeError, OverflowError):  # offsets, possibly mixed: one by one
        times = pd.Series([_one_time(value) for value in data], dtype="datetime64[us]")
    bad = np.flatnonzero(times.isna().to_numpy())
    if bad.size:
        raise InputError(name, f"row {bad[0]}: must be an ISO 8601 date and time, got {data[bad[0]]!r}")
    return times


def _one_time(value: str) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(_new_york_local(datetime.fromisoformat(value)))
    except (ValueError, OverflowError):
        return None


async def reload_quietly(server: ModelServer) -> None:
    """Load the production model off the event loop; a failure is kept in ``last_reload_error``."""
    with contextlib.suppress(ReloadError):
        await run_in_threadpool(server.reload)


async def watch_alias(server: ModelServer, seconds: float) -> None:
    """Re-read the alias every ``seconds``; when it moved, reload (once per move, failures included)."""
    failed_at: int | None = None
    while True:
        await asyncio.sleep(seconds)
        try:
            if not server.alias_moved():
                continue
            target = server.registry.resolve(server.alias, server.name)
            if target == failed_at:
                continue  # tried and failed: wait for the alias to move again (or for /v2/admin/reload)
            await run_in_threadpool(server.reload)
            failed_at = None
        except ReloadError:
            failed_at = target
        except Exception:  # a half-written alias, a vanished folder: keep serving, look again later
            continue


app = create_app()
"""The app uvicorn serves (``uvicorn architectures.api.service:app``); nothing loads until it starts."""
