"""The router of one resource group: JSON-only bodies and the errors each route documents.

A route lists the errors its own code raises with `responses=errors(NotFound, ...)`; a dependency
declares its own with `@raises(...)`. The documentation adds what the framework answers for any
route (bad input, too large, server and database errors), see shared/docs/catalog.py, and a test
diffs all of it against what the code can raise.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from shared.errors import AppError, DatabaseError, InternalError, UnsupportedMediaType
from shared.http.envelope import ErrorEnvelope

RAISES_ATTRIBUTE = "__raises__"
ERROR_CODES_KEY = "x-error-codes"


class JsonRoute(APIRoute):
    """A route whose JSON body must be sent as JSON: anything else is a 415, not a 422."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def check_content_type(request: Request) -> Response:
            if await request.body():
                media = request.headers.get("content-type", "").split(";")[0].strip().lower()
                if media != "application/json" and not media.endswith("+json"):
                    raise UnsupportedMediaType()
            return await handler(request)

        return check_content_type


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
