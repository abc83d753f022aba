"""Route selection like API Gateway HTTP API: exact > {param} > {proxy+} > $default."""

from __future__ import annotations

import pytest

from tools.devstack.routes import RouteTable
from tools.devstack.template import Route

ROUTES = [
    Route("ANY", "/api/v1/health", "Health"),
    Route("ANY", "/api/v1/health/{proxy+}", "Health"),
    Route("GET", "/api/v1/users/me", "UsersMe"),
    Route("GET", "/api/v1/users/{id}", "UserById"),
    Route("ANY", "/api/v1/users/{proxy+}", "Users"),
    Route("POST", "/api/v1/items", "ItemsPost"),
    Route("ANY", "/api/v1/items", "ItemsAny"),
    Route("GET", "/api-docs/{proxy+}", "Docs"),
    Route("ANY", "$default", "Fallback"),
]


@pytest.mark.parametrize(
    ("method", "path", "function", "route_key", "params"),
    [
        ("GET", "/api/v1/health", "Health", "ANY /api/v1/health", {}),
        ("GET", "/api/v1/health/live", "Health", "ANY /api/v1/health/{proxy+}", {"proxy": "live"}),
        ("POST", "/api/v1/health/a/b", "Health", "ANY /api/v1/health/{proxy+}", {"proxy": "a/b"}),
        ("GET", "/api/v1/users/me", "UsersMe", "GET /api/v1/users/me", {}),
        ("GET", "/api/v1/users/42", "UserById", "GET /api/v1/users/{id}", {"id": "42"}),
        ("DELETE", "/api/v1/users/42", "Users", "ANY /api/v1/users/{proxy+}", {"proxy": "42"}),
        (
            "GET",
            "/api/v1/users/42/roles",
            "Users",
            "ANY /api/v1/users/{proxy+}",
            {"proxy": "42/roles"},
        ),
        ("POST", "/api/v1/items", "ItemsPost", "POST /api/v1/items", {}),
        ("PUT", "/api/v1/items", "ItemsAny", "ANY /api/v1/items", {}),
        (
            "GET",
            "/api-docs/openapi.json",
            "Docs",
            "GET /api-docs/{proxy+}",
            {"proxy": "openapi.json"},
        ),
        ("POST", "/api-docs/openapi.json", "Fallback", "$default", {}),
        ("GET", "/api/v1/nope", "Fallback", "$default", {}),
        ("GET", "/api/v1/users", "Fallback", "$default", {}),  # {proxy+} needs a segment
        ("GET", "/", "Fallback", "$default", {}),
    ],
)
def test_most_specific_route_wins(
    method: str, path: str, function: str, route_key: str, params: dict[str, str]
) -> None:
    match = RouteTable(ROUTES).match(method, path)
    assert match is not None
    assert (match.route.function, match.route_key, match.path_parameters) == (
        function,
        route_key,
        params,
    )


def test_method_is_case_insensitive() -> None:
    match = RouteTable(ROUTES).match("post", "/api/v1/items")
    assert match is not None and match.route.function == "ItemsPost"


def test_no_match_without_default_route() -> None:
    table = RouteTable([r for r in ROUTES if r.path != "$default"])
    assert table.match("GET", "/api/v1/nope") is None
    assert table.match("POST", "/api-docs/openapi.json") is None


def test_default_route_respects_its_method() -> None:
    table = RouteTable([Route("GET", "$default", "Fallback")])
    assert table.match("GET", "/x") is not None
    assert table.match("POST", "/x") is None


def test_empty_segment_does_not_fill_a_parameter() -> None:
    table = RouteTable([Route("GET", "/a/{id}", "A")])
    assert table.match("GET", "/a/") is None
    assert table.match("GET", "/a/1/") is None
