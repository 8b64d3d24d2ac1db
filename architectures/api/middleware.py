"""ASGI middleware of the service: the request id on every answer, and a cap on the body size."""

from __future__ import annotations

import uuid

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from architectures.api.errors import error_response


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
    """The request body is larger than the service accepts (answered as a JSON 413)."""

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
        await error_response(BodyTooLargeError(self.max_bytes).detail, 413)(scope, receive, send)
