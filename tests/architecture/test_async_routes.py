"""Every route and every dependency is a coroutine function.

FastAPI runs a sync route or dependency on anyio's thread pool: about 0.2 ms per hop per request,
and the first hop of a container imports anyio's asyncio backend (tens of ms of cold start). A
Lambda execution environment serves one request at a time, so an async route that calls the
blocking services directly keeps nobody waiting (docs/architecture.md, "Async edges").
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from shared.http.routing import dependency_tree
from tools.devstack import template

HTTP_MODULES = sorted(
    {fn.module for fn in template.parse(template.load()).functions.values() if fn.routes}
)


def _is_coroutine(call: Any) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004 - a security scheme instance
    )


@pytest.mark.parametrize("module", HTTP_MODULES)
def test_routes_and_dependencies_are_coroutines(module: str) -> None:
    app: FastAPI = importlib.import_module(module).app
    sync = [
        f"{route.path} {sorted(route.methods)}: {getattr(d.call, '__qualname__', d.call)}"
        for route in app.routes
        if isinstance(route, APIRoute)
        for d in dependency_tree(route.dependant)
        if d.call is not None and not _is_coroutine(d.call)
    ]
    assert sync == []


def test_the_check_sees_a_sync_route() -> None:
    app = FastAPI()

    @app.get("/sync")
    def sync_route() -> None:
        return None

    route = next(r for r in app.routes if isinstance(r, APIRoute))
    assert not _is_coroutine(route.dependant.call)
