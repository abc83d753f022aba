"""A loopback HTTP server for handler tests: answers by path, records what it received."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeServer:
    host: str
    port: int
    requests: list[Received] = field(default_factory=list)
    # When set, every request gets this (status, headers, body), whatever its path.
    always: tuple[int, dict[str, str], bytes] | None = None

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"


def _handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            server.requests.append(
                Received(self.command, self.path, dict(self.headers.items()), body)
            )
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            segments = parts.path.strip("/").split("/")
            status, headers, data = 200, {"Content-Type": "application/json"}, b""
            if server.always is not None:
                status, headers, data = server.always
            elif segments[0] == "ok":
                data = json.dumps({"success": True}).encode()
            elif segments[0] == "status":
                status = int(segments[1])
                data = query.get("body", "").encode()
                for name in ("Retry-After", "x-amzn-ErrorType"):
                    if name.lower() in query:
                        headers[name] = query[name.lower()]
            elif segments[0] == "big":
                data = b"x" * 10_000
            elif segments[0] == "slow":
                time.sleep(float(query.get("seconds", "2")))
                data = b"{}"
            elif segments[0] == "redirect":
                status = int(query.get("code", "302"))
                headers["Location"] = query.get("to", self.path)  # no target: a loop
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):  # a client that timed out
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    return Handler


@contextmanager
def fake_server(
    host: str = "127.0.0.1", tls: tuple[Path, Path] | None = None
) -> Iterator[FakeServer]:
    """Plain HTTP, or HTTPS with `tls` = (certificate, key)."""

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        daemon_threads = True

    state = FakeServer(host, 0)
    httpd = Server((host, 0), _handler(state))
    state.port = httpd.server_address[1]
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
