"""The dedicated model API (API dedicada): one inference service that every client application calls.

Run it (one command, from the project root; ``architectures.api.command.uvicorn_command`` builds it)::

    uvicorn architectures.api.service:app --host 127.0.0.1 --port 8000 --loop uvloop --http httptools

or ``python -m architectures.api.service [--port 8000] [--workers 1]``, which first checks that the
registry has a production model (on a fresh clone it says what to do, and exits with code 3).

It speaks the Open Inference Protocol v2 (REST), as KServe, MLServer and Triton do, so their clients
(``tritonclient``, KServe's) work unchanged; routers by concern:

- health: ``GET /v2`` (server metadata) · ``GET /v2/health/live`` · ``GET /v2/health/ready`` (503 until a
  model is loaded and its hash verified; the reason says what to do on a fresh clone)
- models: ``GET /v2/models`` · ``GET /v2/models/{model}[/versions/{version}]`` (metadata) · ``…/ready``
- inference: ``POST /v2/models/{model}[/versions/{version}]/infer`` many flights, one input per field
  (the protocol); ``POST …/predict`` one flight as a JSON object (the series' friendlier endpoint)
- admin: ``POST /v2/admin/reload`` serve the version the ``production`` alias names now; needs the
  operator's token (``API_ADMIN_TOKEN`` or ``API_ADMIN_TOKEN_FILE``), off without one
- ``GET /docs``: the OpenAPI documentation

Every answer carries the model version used, and the ``X-Request-ID`` header (echoed, or generated).
The service also re-reads the alias every ``API_WATCH_SECONDS`` (default ``WATCH_SECONDS``), so moving the alias
updates every worker process without a restart and without touching a client.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from architectures.api.auth import configured_token
from architectures.api.command import DEFAULT_HOST, uvicorn_command
from architectures.api.errors import add_error_handlers
from architectures.api.middleware import BodyLimitMiddleware, RequestIdMiddleware
from architectures.api.model_server import ModelServer, ReloadError
from architectures.api.routers import admin, health, inference, models
from shared.registry import NO_MODEL_EXIT, NO_MODEL_HINT, ModelNotFoundError, Registry

"""Exit code of ``python -m architectures.api.service`` when the registry has no production model."""
MAX_BODY_BYTES = 4 * 1024 * 1024
WATCH_SECONDS = 0.5
"""How often each worker re-reads the ``production`` alias, unless ``$API_WATCH_SECONDS`` says otherwise."""
"""Largest request body accepted (413 beyond): about 50,000 flights in one batch request."""
log = logging.getLogger("architectures.api")


def create_app(
    registry: Registry | None = None,
    *,
    watch_seconds: float | None = None,
    max_body_bytes: int | None = None,
    load_now: bool = False,
    cache_size: int = 4,
    admin_token: str | None = None,
) -> FastAPI:
    """The service as an ASGI app.

    ``registry`` defaults to the project's (or ``$SHIPPING_MODELS_HOME``). ``watch_seconds`` (default
    ``$API_WATCH_SECONDS`` or ``WATCH_SECONDS``; ``0`` turns watching off) is how often the alias is re-read.
    ``load_now`` loads the production model before returning (tests); otherwise it loads in the
    background at startup while ``/v2/health/ready`` answers 503. ``admin_token`` defaults to the
    operator's (``auth.configured_token``); without one the admin endpoints are off.
    """
    if watch_seconds is None:
        watch_seconds = float(os.environ.get("API_WATCH_SECONDS", WATCH_SECONDS))
    if max_body_bytes is None:
        max_body_bytes = int(os.environ.get("API_MAX_BODY_BYTES", MAX_BODY_BYTES))
    server = ModelServer(registry, cache_size=cache_size)
    if load_now:
        with contextlib.suppress(ReloadError):
            server.reload()
    app = FastAPI(
        title="Flight delay model API",
        version=health.SERVER_VERSION,
        summary="Will this New York flight arrive 15+ minutes late? One model service, many clients.",
        lifespan=lambda app: serving(server, watch_seconds),
    )
    app.state.server = server
    app.state.admin_token = admin_token if admin_token is not None else configured_token()
    for router in (health.router, models.router, inference.router, admin.router):
        app.include_router(router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(RequestIdMiddleware)  # added last, so outermost: even a 413 carries the id
    add_error_handlers(app)
    return app


@contextlib.asynccontextmanager
async def serving(server: ModelServer, watch_seconds: float) -> AsyncIterator[None]:
    """While the app runs: load the production model in the background and follow its alias."""
    tasks = [asyncio.create_task(watch_alias(server, watch_seconds))] if watch_seconds > 0 else []
    if server.serving is None:
        tasks.append(asyncio.create_task(reload_quietly(server)))
    yield
    for task in tasks:
        task.cancel()


async def reload_quietly(server: ModelServer) -> None:
    """Load the production model off the event loop; a failure is kept in ``last_reload_error`` and logged."""
    try:
        await run_in_threadpool(server.reload)
    except ReloadError as error:
        log.warning("not ready: %s", error)


async def watch_alias(server: ModelServer, seconds: float) -> None:
    """Re-read the alias every ``seconds``; when it moved, reload (once per move, failures included).

    A failure is logged and the service keeps serving the version it has; it looks again next time.
    """
    failed_at: int | None = None
    while True:
        await asyncio.sleep(seconds)
        target: int | None = None
        try:
            if not server.alias_moved():
                continue
            target = server.registry.resolve(server.alias, server.name)
            if target == failed_at:
                continue  # tried and failed: wait for the alias to move again (or for /v2/admin/reload)
            await run_in_threadpool(server.reload)
            failed_at = None
        except ReloadError as error:
            failed_at = target
            log.warning("alias moved to version %s, which could not load: %s; still serving", target, error)
        except Exception:  # a half-written alias, a vanished folder: keep serving, look again later
            log.exception("could not follow the alias; still serving, looking again in %s s", seconds)


app = create_app()
"""The app uvicorn serves (``uvicorn architectures.api.service:app``); nothing loads until it starts."""


def main(argv: list[str] | None = None) -> int:
    """Check the registry, then run the service in this process's place (``uvicorn``)."""
    parser = argparse.ArgumentParser(prog="python -m architectures.api.service", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default: %(default)s)")
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s, this machine only)"
    )
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536 or args.workers < 1:
        parser.error("--port must be 1–65535 and --workers at least 1")
    try:
        Registry().resolve("production")
    except (ModelNotFoundError, ValueError, OSError):
        print(f"model API: {NO_MODEL_HINT}", file=sys.stderr)
        return NO_MODEL_EXIT
    command = uvicorn_command(args.port, args.workers, args.host)
    os.execv(command[0], command)
    return 0  # (never reached: the process became uvicorn)


if __name__ == "__main__":
    sys.exit(main())
