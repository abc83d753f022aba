"""The router of one resource group: JSON-only bodies and the errors each route documents.

A route lists the errors its own code raises with `responses=errors(NotFound, ...)`; a dependency
declares its own with `@raises(...)`. The documentation adds what the framework answers for any
route (bad input, too large, server and database errors), see shared/docs/catalog.py, and a test
diffs all of it against what the code can raise.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shared.errors import (
    AppError,
    DatabaseError,
    InternalError,
    UnsupportedMediaType,
    ValidationFailed,
)
from shared.http.envelope import ErrorEnvelope

RAISES_ATTRIBUTE = "__raises__"
ERROR_CODES_KEY = "x-error-codes"
BEYOND_SCHEMA_KEY = "x-checked-beyond-schema"


class JsonRoute(APIRoute):
    """A route that refuses what it would otherwise ignore: a query parameter it does not
    declare (400: a misspelt filter must not silently filter nothing), and a body not sent as
    JSON (415, not 422)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        declared = frozenset(
            param.alias for d in dependency_tree(self.dependant) for param in d.query_params
        )
        takes_body = self.body_field is not None

        async def checked(request: Request) -> Response:
            unknown = sorted(set(request.query_params) - declared)
            if unknown:
                allowed = ", ".join(sorted(declared)) or "none"
                raise ValidationFailed(
                    unknown[0] or "query", f"Unknown query parameter (allowed: {allowed})"
                )
            if takes_body and await request.body():
                media = request.headers.get("content-type", "").split(";")[0].strip().lower()
                if media != "application/json" and not media.endswith("+json"):
                    raise UnsupportedMediaType()
            return await handler(request)

        return checked


def dependency_tree(dependant: Dependant) -> Iterator[Dependant]:
    """A route's dependant and every dependency under it, depth first."""
    yield dependant
    for sub in dependant.dependencies:
        yield from dependency_tree(sub)


def errors(*kinds: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route: one entry per status, naming the error codes a client can see."""
    codes: dict[int, set[str]] = {}
    for kind in kinds:
        codes.setdefault(kind.status, set()).add(kind.code)
    return {status: error_response(names) for status, names in sorted(codes.items())}


def error_response(codes: set[str]) -> dict[str, Any]:
    """One documented error status: the envelope, and its codes (also as `x-error-codes`)."""
    return {
        "model": ErrorEnvelope,
        "description": "Error codes: " + ", ".join(sorted(codes)),
        ERROR_CODES_KEY: sorted(codes),
    }


def beyond_schema(*fields: str) -> dict[str, Any]:
    """`openapi_extra=` of a route whose fields have rules JSON Schema cannot state (a password's
    character classes, fields that must fit together): a request that fits the schema may still
    be refused with 400 naming one of them. The field descriptions say what the rule is."""
    return {BEYOND_SCHEMA_KEY: list(fields)}


def raises[F: Callable[..., Any]](*kinds: type[AppError]) -> Callable[[F], F]:
    """Declares the errors a dependency raises, so every route using it documents them."""

    def mark(dependency: F) -> F:
        setattr(dependency, RAISES_ATTRIBUTE, kinds)
        return dependency

    return mark


def group_router(prefix: str, tag: str) -> APIRouter:
    """The router of one resource group: its gateway prefix, its OpenAPI tag, JSON-only bodies."""
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        route_class=JsonRoute,
        responses={500: error_response({InternalError.code, DatabaseError.code})},
    )
