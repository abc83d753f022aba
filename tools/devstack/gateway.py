"""The HTTP API stand-in: one port, template.yaml's routes, API Gateway payload v2 events."""

from __future__ import annotations

import base64
import json
import logging
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tools.devstack import dashboard
from tools.devstack.invoke import Handler
from tools.devstack.routes import RouteTable
from tools.devstack.template import Function
from tools.lambda_events import FakeLambdaContext, http_api_event

log = logging.getLogger("devstack")

Response = tuple[int, list[tuple[str, str]], bytes]


def _json(status: int, message: str) -> Response:
    return status, [("content-type", "application/json")], json.dumps({"message": message}).encode()


def to_http(result: Any) -> Response:
    """A handler's result as API Gateway (payload v2) turns it into an HTTP response."""
    if not isinstance(result, dict) or "statusCode" not in result:
        # v2 infers a 200 JSON response from anything without a statusCode.
        return 200, [("content-type", "application/json")], json.dumps(result).encode()
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(v)) for v in values)
    headers.extend(("set-cookie", c) for c in result.get("cookies") or [])
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return int(result["statusCode"]), headers, raw


class Gateway(ThreadingHTTPServer):
    """Binds at construction, so a busy port fails early, but listens only from `serve_forever`:
    until the stack is ready, clients are refused rather than left waiting."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        routes: RouteTable,
        functions: dict[str, Function],
        handler_for: Callable[[Function], Handler],
    ) -> None:
        super().__init__(address, _RequestHandler, bind_and_activate=False)
        self.dashboard: Path | None = None  # a built web/dist, served at / when set
        try:
            self.server_bind()
        except OSError:
            self.server_close()
            raise
        self.routes = routes
        self.functions = functions
        self.handler_for = handler_for

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self.server_activate()
        super().serve_forever(poll_interval)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # the client gave up; nothing to fix
            log.info("HTTP client %s disconnected before the response", client_address[0])
            return
        super().handle_error(request, client_address)

    def dispatch(
        self, method: str, target: str, headers: dict[str, str], body: bytes, client: str
    ) -> Response:
        split = urlsplit(target)
        path = split.path or "/"
        if self.dashboard is not None and _dashboard_path(method, path):
            # Before the routes: the catch-all $default route would answer every page with 404.
            page = dashboard.asset(self.dashboard, path)
            page_headers = [
                ("content-type", page.content_type),
                ("cache-control", page.cache_control),
            ]
            return 200, page_headers, page.body
        match = self.routes.match(method, path)
        if match is None:
            log.info("HTTP %s %s -> no route, 404", method, path)
            return _json(404, "Not Found")
        fn = self.functions[match.route.function]
        event = http_api_event(
            method,
            path,
            query=split.query,
            headers=headers,
            body=body,
            source_ip=client,
            route_key=match.route_key,
        )
        if match.path_parameters:
            event["pathParameters"] = match.path_parameters
        started = time.monotonic()
        try:
            response = to_http(
                self.handler_for(fn)(event, FakeLambdaContext(fn.logical_id, fn.timeout))
            )
        except Exception:
            log.exception("%s raised on %s %s", fn.logical_id, method, path)
            response = _json(500, "Internal Server Error")
        log.info(
            "HTTP %s %s -> %s [%s] %d, %.1f ms",
            method,
            path,
            fn.logical_id,
            match.route_key,
            response[0],
            (time.monotonic() - started) * 1000,
        )
        return response


def _dashboard_path(method: str, path: str) -> bool:
    """The API's paths stay the API's: an unknown /api/... is a JSON 404, never the app."""
    api = path == "/api" or path.startswith(("/api/", "/api-docs"))
    return method in ("GET", "HEAD") and not api


MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's limit; the app's own is lower


class _RequestHandler(BaseHTTPRequestHandler):
    server: Gateway
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: with Nagle's algorithm the body waits for
    # the client's delayed ACK of the headers, 40 ms per request on a keep-alive connection.
    disable_nagle_algorithm = True

    def _handle(self) -> None:
        headers: dict[str, str] = {}
        for name in {k.lower() for k in self.headers}:
            # API Gateway v2 joins repeated headers with commas.
            headers[name] = ",".join(self.headers.get_all(name) or [])
        client = self.client_address[0]
        headers.setdefault("x-forwarded-for", client)
        headers.setdefault("x-forwarded-proto", "http")
        headers.setdefault("x-forwarded-port", str(self.server.server_address[1]))
        body = self._body()
        if body is None:
            status, response_headers, raw = _json(413, "Request Entity Too Large")
        else:
            status, response_headers, raw = self.server.dispatch(
                self.command, self.path, headers, body, client
            )
        self.send_response(status)
        for name, value in response_headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)

    def _body(self) -> bytes | None:
        """The request body, sent with Content-Length or chunked (as curl streams stdin);
        None when it is over API Gateway's 10 MB payload limit."""
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            parts: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024).split(b";", 1)[0].strip()
                chunk = int(line or b"0", 16)
                if chunk == 0:
                    while self.rfile.readline(1024).strip():  # trailers
                        pass
                    break
                size += chunk
                if size > MAX_PAYLOAD_BYTES:
                    self.close_connection = True  # the rest is unread
                    return None
                parts.append(self.rfile.read(chunk))
                self.rfile.readline(8)  # the CRLF after each chunk
            return b"".join(parts)
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            self.close_connection = True
            return None
        return self.rfile.read(length) if length > 0 else b""

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: dispatch logs each request with its function and timing."""
