"""One OpenAPI document for every resource group, assembled from the groups' own routers."""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, routing
from fastapi.openapi.utils import get_openapi

from shared.settings import get_settings

# Every resource group's router module. A new group adds one line here.
GROUP_ROUTER_MODULES: tuple[str, ...] = (
    "shared.health.routes",
    "shared.identity.auth_routes",
    "shared.identity.users_routes",
    "shared.admin.routes",
    "shared.tasks.routes",
    "shared.monitoring.routes",
    # starter generate module: generated groups are inserted above this line.
)

TITLE = "Serverless Starter API"
SERVERS = [
    {"url": "/", "description": "This deployment"},
    {"url": "http://localhost:3000", "description": "Local stack"},
]


def routers() -> list[routing.APIRouter]:
    return [importlib.import_module(name).router for name in GROUP_ROUTER_MODULES]


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    catalog = FastAPI()
    for router in routers():
        catalog.include_router(router)
    document = get_openapi(
        title=TITLE,
        version=get_settings().version,
        description="Auth, users, RBAC, background tasks, monitoring and health on AWS Lambda.",
        routes=catalog.routes,
        servers=SERVERS,
    )
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["bearer_auth"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A session token from POST /api/v1/auth/login, or an API key (sk_live_...).",
    }
    return document
