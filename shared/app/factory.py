"""The app factory every resource group uses: one FastAPI app per Lambda, one behaviour."""

from __future__ import annotations

import psycopg
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from shared import db
from shared.app.middleware import RequestContextMiddleware
from shared.errors import (
    AppError,
    DatabaseError,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    SchemaInvalid,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from shared.http.envelope import error_body
from shared.observability import logger
from shared.settings import get_settings


def create_app(*routers: APIRouter, title: str) -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title=title,
        version=settings.version,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # one document for every group is served by the docs function
    )
    api_routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    # The routes go on the app's own router, not through include_router: FastAPI resolves an
    # included router lazily, rebuilding every route's dependencies on the first request (tens of
    # ms of cold start) and walking the included routers on every request after. A group's
    # routes are complete as declared (prefix, tags, responses are applied by its APIRouter).
    # The method guards come first: they must match before the templates.
    app.router.routes.extend(_method_guards(api_routes))
    for router in routers:
        app.router.routes.extend(router.routes)
    app.state.api_routes = api_routes
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(psycopg.OperationalError, _database_unavailable)
    app.add_exception_handler(psycopg.Error, _database_error)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.http.cors_allowed_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After"],
        max_age=600,
    )
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.http.max_body_bytes)
    return app


def _method_guards(routes: list[APIRoute]) -> list[Route]:
    """405 for the other methods of a literal path that a template also matches. Without it,
    `DELETE /tasks/types` would reach `DELETE /tasks/{task_id}` and answer a 400 about a UUID;
    as in OpenAPI, the literal path wins. Plain Starlette routes: they take no parameters, so
    FastAPI's per-route analysis (a cold-start cost) would buy nothing."""
    literal: dict[str, set[str]] = {}
    for route in routes:
        if route.include_in_schema and not route.param_convertors:
            literal.setdefault(route.path, set()).update(route.methods or ())
    guards: list[Route] = []
    for path, served in literal.items():
        shadowed = {
            method
            for route in routes
            if route.param_convertors and route.path_regex.match(path)
            for method in route.methods or ()
        } - served
        if shadowed:
            guards.append(
                Route(path, _method_not_allowed, methods=sorted(shadowed), include_in_schema=False)
            )
    return guards


async def _method_not_allowed(_: Request) -> Response:
    raise MethodNotAllowed()


def error_response(request: Request, error: AppError) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    return JSONResponse(
        error_body(error, request_id), status_code=error.status, headers=error.headers
    )


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    if exc.status >= 500:
        logger.error("request failed", extra={"code": exc.code})
    response = error_response(request, exc)
    if isinstance(exc, MethodNotAllowed):
        response.headers["allow"] = ", ".join(_allowed_methods(request))
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    # Never echo the input back: it may hold a password.
    details = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid", "type": "invalid"}
    if any(e["type"] == "json_invalid" for e in errors):
        return error_response(request, InvalidInput("Malformed JSON in request body"))
    location = first["loc"][0] if first["loc"] else "body"
    field = ".".join(str(p) for p in first["loc"][1:]) or str(location)
    if location in ("path", "query", "header"):
        return error_response(request, ValidationFailed(field, str(first["msg"]), details=details))
    message = f"Validation failed for {field}: {first['msg']}"
    return error_response(request, SchemaInvalid(message, details=details))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    mapped: dict[int, AppError] = {
        404: NotFound(),
        405: MethodNotAllowed(),
        413: PayloadTooLarge(),
        415: UnsupportedMediaType(),
    }
    error = mapped.get(exc.status_code) or InvalidInput(str(exc.detail))
    response = error_response(request, error)
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405:
        response.headers["allow"] = ", ".join(_allowed_methods(request))
    return response


def _allowed_methods(request: Request) -> list[str]:
    """The methods the API documents at this path. Starlette's own Allow names only those of
    the first route whose path matched. As in OpenAPI, a literal path (/tasks/types) wins over a
    template that also matches it (/tasks/{task_id})."""
    path = request.url.path
    matching = [
        route
        for route in request.app.state.api_routes
        if route.include_in_schema and route.path_regex.match(path)
    ]
    literal = [route for route in matching if not route.param_convertors]
    return sorted({method for route in literal or matching for method in route.methods})


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    logger.warning("database unavailable", extra={"error": type(exc).__name__})
    db.reset()  # the next request reconnects instead of reusing a connection in doubt
    return error_response(request, ServiceUnavailable())


async def _database_error(request: Request, exc: Exception) -> Response:
    logger.error("database error", exc_info=exc)
    return error_response(request, DatabaseError())
