"""One pure-ASGI middleware for every group: request id, body limit, the input guard
(input_guard.py), security headers, and the last-resort 500. Pure ASGI (not
BaseHTTPMiddleware) keeps per-request overhead to a few µs."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.app import input_guard
from shared.errors import AppError, InternalError, PayloadTooLarge
from shared.http.envelope import error_body
from shared.monitoring import instrumentation
from shared.observability import logger

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"strict-transport-security", b"max-age=63072000; includeSubDomains"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")


def request_id_of(scope: Scope) -> str:
    """API Gateway's request id when invoked through Lambda; otherwise a fresh one."""
    event: dict[str, Any] = scope.get("aws.event") or {}
    gateway_id = (event.get("requestContext") or {}).get("requestId")
    return str(gateway_id) if gateway_id else uuid.uuid4().hex


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        logger.append_keys(request_id=request_id)
        started = False
        status = 500
        began = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(h for h in (*SECURITY_HEADERS, API_CSP) if h[0] not in present)
                message["headers"] = headers
            await send(message)

        # Lambda delivers the whole body at once, so buffering it costs nothing and lets an
        # oversized body be refused before any route code runs.
        try:
            body = await _read_body(receive, self.max_body_bytes)
            input_guard.check(scope, body)
        except AppError as refusal:  # too large, or unsafe: refused before any route runs
            await _send_error(send_with_headers, refusal, request_id)
            instrumentation.request_finished(scope, status, (time.perf_counter() - began) * 1000)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        try:
            await self.app(scope, replay, send_with_headers)
        except Exception as error:
            logger.exception("unhandled exception", extra={"path": scope.get("path")})
            instrumentation.unhandled_error(error, request_id, scope)
            if started:
                raise
            await _send_error(send_with_headers, InternalError(), request_id)
        finally:
            # Latency and status of every request; rarely a database round trip.
            instrumentation.request_finished(scope, status, (time.perf_counter() - began) * 1000)


async def _read_body(receive: Receive, limit: int) -> bytes:
    """The whole body; PayloadTooLarge as soon as it exceeds `limit`."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_error(send: Send, error: AppError, request_id: str) -> None:
    payload = json.dumps(error_body(error, request_id)).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    headers.extend((k.lower().encode(), v.encode()) for k, v in error.headers.items())
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
