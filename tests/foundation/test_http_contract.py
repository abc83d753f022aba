"""The cross-cutting HTTP contract every group inherits from the app factory, exercised through a
real Lambda handler: the error-envelope table, request ids, security headers and CORS."""

from __future__ import annotations

from typing import Annotated, Literal

import pytest
from fastapi import Depends
from pydantic import BaseModel

from shared.app import create_app, http_handler
from shared.errors import Conflict, TooManyRequests
from shared.http.envelope import Envelope, ok
from shared.http.pagination import pagination
from shared.http.routing import group_router
from shared.paging import Page
from tests.lambda_client import LambdaClient, LambdaResponse

router = group_router("/api/v1/probe", "Probe")


class Item(BaseModel):
    name: str
    count: int
    kind: Literal["a", "b"] = "a"


@router.post("/items")
def create_item(item: Item) -> Envelope[Item]:
    return ok(item)


@router.get("/items")
def list_items(
    page: Annotated[Page, Depends(pagination(default_limit=50, max_limit=100))],
) -> Envelope[dict[str, int]]:
    return ok({"limit": page.limit, "offset": page.offset})


@router.get("/items/{item_id}")
def get_item(item_id: int) -> Envelope[int]:
    return ok(item_id)


@router.post("/conflict")
def conflict() -> None:
    raise Conflict("Task is running and cannot be cancelled")


@router.post("/throttled")
def throttled() -> None:
    raise TooManyRequests("Too many failed login attempts", retry_after_seconds=42)


@router.get("/boom")
def boom() -> None:
    raise RuntimeError("secret internal detail: password=hunter2")


client = LambdaClient(http_handler(create_app(router, title="probe")))


def assert_error(r: LambdaResponse, status: int, code: str) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert body["request_id"] == r.headers["x-request-id"]
    return body


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        (
            {"body": "{not json", "headers": {"content-type": "application/json"}},
            400,
            "INVALID_INPUT",
        ),
        ({"json_body": {"name": "x"}}, 422, "VALIDATION_FAILED"),
        ({"json_body": {"name": "x", "count": "many"}}, 422, "VALIDATION_FAILED"),
        ({"json_body": {"name": "x", "count": 1, "kind": "z"}}, 422, "VALIDATION_FAILED"),
        (
            {"body": '{"name":"x","count":1}', "headers": {"content-type": "text/plain"}},
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        ({"body": '{"name":"x","count":1}'}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        (
            {"body": "x" * (1024 * 1024 + 1), "headers": {"content-type": "application/json"}},
            413,
            "PAYLOAD_TOO_LARGE",
        ),
    ],
    ids=[
        "malformed-json",
        "missing-field",
        "wrong-type",
        "bad-enum",
        "text-plain",
        "no-content-type",
        "over-2mib",
    ],
)
def test_body_errors_use_the_envelope(
    request_kwargs: dict[str, object], status: int, code: str
) -> None:
    assert_error(client.post("/api/v1/probe/items", **request_kwargs), status, code)  # type: ignore[arg-type]


def test_schema_error_names_the_field_and_never_echoes_input() -> None:
    body = assert_error(
        client.post("/api/v1/probe/items", json_body={"name": "hunter2", "count": "x"}),
        422,
        "VALIDATION_FAILED",
    )
    assert body["error"]["message"].startswith("Validation failed for count:")  # type: ignore[index]
    assert "hunter2" not in str(body)


def test_valid_body_succeeds_and_extra_keys_are_ignored() -> None:
    r = client.post("/api/v1/probe/items", json_body={"name": "x", "count": 2, "role": "admin"})
    assert r.status_code == 200
    assert r.json() == {
        "success": True,
        "data": {"name": "x", "count": 2, "kind": "a"},
        "message": None,
    }


def test_json_with_charset_is_json() -> None:
    r = client.post(
        "/api/v1/probe/items",
        body='{"name":"x","count":1}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 200


def test_exactly_1_mib_is_accepted_by_the_limit() -> None:
    # 1 MiB of JSON is within the limit: the body reaches validation (422), not the limiter (413).
    padding = "x" * (1024 * 1024 - len('{"name":"","count":"n"}'))
    r = client.post(
        "/api/v1/probe/items",
        body=f'{{"name":"{padding}","count":"n"}}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422


def test_unknown_route_under_api_is_404_envelope() -> None:
    body = assert_error(client.get("/api/v1/probe/nothing-here"), 404, "NOT_FOUND")
    assert body["error"]["message"] == "The requested resource was not found"  # type: ignore[index]


def test_wrong_method_is_405_envelope() -> None:
    assert_error(client.delete("/api/v1/probe/items"), 405, "METHOD_NOT_ALLOWED")


def test_bad_path_parameter_is_400() -> None:
    body = assert_error(client.get("/api/v1/probe/items/abc"), 400, "VALIDATION_FAILED")
    assert body["error"]["message"].startswith("Validation failed for item_id:")  # type: ignore[index]


@pytest.mark.parametrize(
    "query", ["limit=-1", "offset=-5", "limit=0", "limit=101", "limit=abc", "offset=99999999999"]
)
def test_bad_pagination_is_400(query: str) -> None:
    assert_error(client.get("/api/v1/probe/items", params=query), 400, "VALIDATION_FAILED")


def test_pagination_defaults_and_bounds() -> None:
    assert client.get("/api/v1/probe/items").json()["data"] == {"limit": 50, "offset": 0}
    assert client.get("/api/v1/probe/items", params="limit=100&offset=7").json()["data"] == {
        "limit": 100,
        "offset": 7,
    }


def test_application_errors_keep_code_and_message() -> None:
    body = assert_error(client.post("/api/v1/probe/conflict"), 409, "CONFLICT")
    assert body["error"]["message"] == "Task is running and cannot be cancelled"  # type: ignore[index]


def test_throttling_sets_retry_after() -> None:
    r = client.post("/api/v1/probe/throttled")
    assert_error(r, 429, "TOO_MANY_REQUESTS")
    assert r.headers["retry-after"] == "42"


def test_unhandled_exception_is_500_without_leaking() -> None:
    r = client.get("/api/v1/probe/boom")
    body = assert_error(r, 500, "INTERNAL_ERROR")
    assert body["error"]["message"] == "Internal server error"  # type: ignore[index]
    assert "hunter2" not in r.text and "RuntimeError" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"


def test_request_id_comes_from_api_gateway() -> None:
    from tools.lambda_events import FakeLambdaContext, http_api_event

    event = http_api_event("GET", "/api/v1/probe/items")
    event["requestContext"]["requestId"] = "gw-request-123"
    result = client.handler(event, FakeLambdaContext())
    assert result["headers"]["x-request-id"] == "gw-request-123"


def test_request_id_is_generated_without_a_gateway_id() -> None:
    from tools.lambda_events import FakeLambdaContext, http_api_event

    event = http_api_event("GET", "/api/v1/probe/items")
    del event["requestContext"]["requestId"]
    first = client.handler(event, FakeLambdaContext())["headers"]["x-request-id"]
    second = client.handler(event, FakeLambdaContext())["headers"]["x-request-id"]
    assert first and second and first != second


def test_security_headers_on_success_and_error() -> None:
    for r in (client.get("/api/v1/probe/items"), client.get("/api/v1/probe/missing")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["strict-transport-security"].startswith("max-age=")
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in r.headers["content-security-policy"]


def test_cors_preflight_for_configured_origin() -> None:
    r = client.request(
        "OPTIONS",
        "/api/v1/probe/items",
        headers={
            "origin": "http://localhost:5173",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization,content-type",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "authorization" in r.headers["access-control-allow-headers"].lower()


def test_cors_does_not_allow_other_origins() -> None:
    r = client.get("/api/v1/probe/items", headers={"origin": "https://evil.example"})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers


def test_405_lists_every_method_of_the_path(database_url: str) -> None:
    from functions.tasks.handler import handler as tasks_handler

    tasks = LambdaClient(tasks_handler, token="unused")
    response = tasks.request("PATCH", "/api/v1/tasks/3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET"
    assert tasks.request("PUT", "/api/v1/tasks").headers["allow"] == "GET, POST"
    # A literal path wins over a template that also matches it, as in OpenAPI.
    assert tasks.request("PATCH", "/api/v1/tasks/types").headers["allow"] == "GET, POST"


def test_the_users_me_405_lists_its_one_method(database_url: str) -> None:
    from functions.users.handler import handler as users_handler

    users = LambdaClient(users_handler, token="unused")
    response = users.request("PUT", "/api/v1/users/me")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE"


def test_a_literal_paths_other_methods_are_405_not_a_template_match(database_url: str) -> None:
    from functions.tasks.handler import handler as tasks_handler

    tasks = LambdaClient(tasks_handler, token="unused")
    response = tasks.request("DELETE", "/api/v1/tasks/types")  # not DELETE /tasks/{task_id}
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_an_unknown_query_parameter_is_400_naming_it(database_url: str) -> None:
    from functions.tasks.handler import handler as tasks_handler

    tasks = LambdaClient(tasks_handler, token="unused")
    response = tasks.get("/api/v1/tasks", params={"stauts": "failed"})  # a misspelt filter
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Validation failed for stauts: Unknown query parameter (allowed: created_by, limit,"
        " offset, priority, status, task_type)"
    )
