"""One OpenAPI document for every resource group, assembled from the groups' own routers.

Each operation documents every status it can answer: the errors its route and dependencies
declare, plus what the framework answers for any route (a refused input, a server or database
error) and, for routes with a body, 413/415/422.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, routing
from fastapi.openapi.utils import get_openapi

from shared.errors import (
    AppError,
    DatabaseError,
    InternalError,
    InvalidInput,
    PayloadTooLarge,
    SchemaInvalid,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from shared.http.routing import (
    ERROR_CODES_KEY,
    RAISES_ATTRIBUTE,
    dependency_tree,
    error_response,
)
from shared.settings import get_settings

# Every resource group's router module. A new group adds one line here.
GROUP_ROUTER_MODULES: tuple[str, ...] = (
    "shared.health.routes",
    "shared.identity.auth_routes",
    "shared.identity.users_routes",
    "shared.admin.routes",
    "shared.tasks.routes",
    "shared.monitoring.routes",
    "shared.contacts.routes",
    "shared.transactions.routes",
    "shared.sync.routes",
    "shared.reminders.routes",
    "shared.devices.routes",
    # starter generate module: generated groups are inserted above this line.
)

TITLE = "Serverless Starter API"
SERVERS = [
    {"url": "/", "description": "This deployment"},
    {"url": "http://localhost:3000", "description": "Local stack"},
]

# Any request: the input guard (NUL, bad UTF-8, nesting) and parameter validation answer 400;
# an unexpected or database failure 500; an unreachable database 503.
ANY_ROUTE_ERRORS = (
    InvalidInput,
    ValidationFailed,
    InternalError,
    DatabaseError,
    ServiceUnavailable,
)
BODY_ERRORS = (PayloadTooLarge, UnsupportedMediaType, SchemaInvalid)
ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorEnvelope"}


def routers() -> list[routing.APIRouter]:
    return [importlib.import_module(name).router for name in GROUP_ROUTER_MODULES]


def framework_errors(route: routing.APIRoute) -> list[type[AppError]]:
    """The errors a route can answer beyond those its own code raises."""
    kinds = list(ANY_ROUTE_ERRORS)
    if route.body_field is not None:
        kinds += BODY_ERRORS
    for dependency in dependency_tree(route.dependant):
        kinds += getattr(dependency.call, RAISES_ATTRIBUTE, ())
    return kinds


def _document_errors(document: dict[str, Any], route: routing.APIRoute) -> None:
    for method in route.methods or ():
        operation = document["paths"][route.path_format][method.lower()]
        responses = operation["responses"]
        if ERROR_CODES_KEY not in responses.get("422", {ERROR_CODES_KEY: None}):
            del responses["422"]  # FastAPI's own: our parameter errors are 400, ours replace it
        codes: dict[str, set[str]] = {
            status: set(response[ERROR_CODES_KEY])
            for status, response in responses.items()
            if ERROR_CODES_KEY in response
        }
        for kind in framework_errors(route):
            if str(kind.status) in codes or str(kind.status) not in responses:
                codes.setdefault(str(kind.status), set()).add(kind.code)
            # else: the route documents its own body for this status (a health probe's 503)
        for status, names in codes.items():
            entry = {k: v for k, v in error_response(names).items() if k != "model"}
            # Errors are JSON even where the success body is not (the Prometheus text).
            entry["content"] = {"application/json": {"schema": ERROR_SCHEMA}}
            responses[status] = entry
        operation["responses"] = dict(sorted(responses.items()))


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    catalog = FastAPI()
    groups = routers()
    for router in groups:
        catalog.include_router(router)
    document = get_openapi(
        title=TITLE,
        version=get_settings().version,
        description="Auth, users, RBAC, background tasks, monitoring and health on AWS Lambda.",
        routes=catalog.routes,
        servers=SERVERS,
    )
    for router in groups:  # a group's routes carry their full path
        for route in router.routes:
            if isinstance(route, routing.APIRoute) and route.include_in_schema:
                _document_errors(document, route)
    for unused in ("HTTPValidationError", "ValidationError"):  # only FastAPI's 422 used them
        document["components"]["schemas"].pop(unused, None)
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["bearer_auth"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A session token from POST /api/v1/auth/login, or an API key (sk_live_...).",
    }
    return document
