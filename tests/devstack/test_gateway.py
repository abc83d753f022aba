"""The HTTP stand-in: requests become payload v2 events; handler results become responses."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tools.devstack.gateway import Gateway, to_http
from tools.devstack.invoke import Handler
from tools.devstack.routes import RouteTable
from tools.devstack.template import Function, Route

ROUTES = [
    Route("ANY", "/items/{id}", "Echo"),
    Route("GET", "/boom", "Boom"),
    Route("GET", "/binary", "Binary"),
]
FUNCTIONS = {name: Function(name, "unused", "unused", 3, {}) for name in ("Echo", "Boom", "Binary")}


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "x-fn": context.function_name},
        "cookies": ["a=1; Path=/", "b=2"],
        "body": json.dumps(event),
    }


def boom(event: dict[str, Any], context: Any) -> Any:
    raise RuntimeError("handler bug")


def binary(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "isBase64Encoded": True,
        "body": base64.b64encode(b"\x00\xff").decode(),
    }


HANDLERS: dict[str, Handler] = {"Echo": echo, "Boom": boom, "Binary": binary}


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = Gateway(
        ("127.0.0.1", 0), RouteTable(ROUTES), FUNCTIONS, lambda fn: HANDLERS[fn.logical_id]
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    deadline = time.monotonic() + 10  # serve_forever starts listening on its own thread
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


def call(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_request_becomes_a_payload_v2_event(base: str) -> None:
    status, headers, raw = call(
        f"{base}/items/42?a=1&a=2&b=",
        "POST",
        b'{"x": 1}',
        {"Content-Type": "application/json", "Cookie": "s=abc; t=def", "X-Custom": "v"},
    )
    assert status == 201
    assert headers["x-fn"] == "Echo"
    assert headers.get_all("set-cookie") == ["a=1; Path=/", "b=2"]
    event = json.loads(raw)
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "ANY /items/{id}"
    assert event["pathParameters"] == {"id": "42"}
    assert event["rawPath"] == "/items/42"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert event["headers"]["x-custom"] == "v"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert event["cookies"] == ["s=abc", "t=def"]
    assert (event["body"], event["isBase64Encoded"]) == ('{"x": 1}', False)


def raw_request(base: str, request: bytes) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_chunked_request_body_reaches_the_handler(base: str) -> None:
    """curl sends stdin (`-d @-`, `-T -`) chunked; API Gateway passes the whole body on."""
    request = (
        b"POST /items/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b'5\r\n{"x":\r\n4;ext=1\r\n 12}\r\n0\r\nX-Trailer: t\r\n\r\n'
    )
    answer = raw_request(base, request)
    assert answer.startswith(b"HTTP/1.1 201")
    event = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert event["body"] == '{"x": 12}'


def test_a_body_over_api_gateways_limit_is_413(base: str) -> None:
    request = (
        b"POST /items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 10485761\r\n"
        b"Connection: close\r\n\r\n"
    )
    assert raw_request(base, request).startswith(b"HTTP/1.1 413")


def test_binary_request_body_is_base64_encoded(base: str) -> None:
    _, _, raw = call(f"{base}/items/1", "PUT", b"\xff\xfe")
    event = json.loads(raw)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\xfe"


def test_base64_response_body_is_decoded(base: str) -> None:
    assert call(f"{base}/binary")[::2] == (200, b"\x00\xff")


def test_unmatched_route_is_api_gateways_404(base: str) -> None:
    status, _, raw = call(f"{base}/nowhere")
    assert (status, json.loads(raw)) == (404, {"message": "Not Found"})
    assert call(f"{base}/boom", "POST")[0] == 404  # the route is GET only


def test_handler_exception_is_api_gateways_500(base: str) -> None:
    status, _, raw = call(f"{base}/boom")
    assert (status, json.loads(raw)) == (500, {"message": "Internal Server Error"})


def test_results_without_status_code_are_200_json() -> None:
    assert to_http({"a": 1}) == (200, [("content-type", "application/json")], b'{"a": 1}')
    assert to_http(None)[::2] == (200, b"null")


def test_multi_value_headers_are_all_sent() -> None:
    status, headers, body = to_http(
        {"statusCode": 204, "multiValueHeaders": {"x-a": ["1", "2"]}, "body": None}
    )
    assert (status, headers, body) == (204, [("x-a", "1"), ("x-a", "2")], b"")
