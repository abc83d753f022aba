"""The router of one resource group: JSON-only bodies and the error envelope documented."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from shared.errors import UnsupportedMediaType
from shared.http.envelope import ErrorEnvelope


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


def group_router(prefix: str, tag: str) -> APIRouter:
    """The router of one resource group: its gateway prefix, its OpenAPI tag, JSON-only bodies."""
    return APIRouter(
        prefix=prefix,
        tags=[tag],
        route_class=JsonRoute,
        responses={
            400: {"model": ErrorEnvelope},
            422: {"model": ErrorEnvelope},
            500: {"model": ErrorEnvelope},
        },
    )
