"""/api-docs: the OpenAPI document and a Swagger UI. Also answers every unknown route (404).

The UI's assets (Swagger UI 5, Apache License 2.0) come from the pinned `fastapi-swagger` package
and are served by this function, so the page works offline and its CSP allows only this origin.
"""

# No `from __future__ import annotations`: FastAPI would eval() every string annotation of
# every route at import; real annotations are evaluated once, by the interpreter.

from importlib import metadata, resources
from typing import Any

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from shared.docs import catalog
from shared.errors import NotFound

router = APIRouter(prefix="/api-docs", include_in_schema=False)

ASSETS_PACKAGE = "fastapi_swagger.resources"
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
# The inline script starts the UI; everything else comes from this origin.
SWAGGER_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)


def _asset_url(name: str) -> str:
    # The package version in the URL: a new version is a new URL, so assets cache for a year.
    return f"/api-docs/assets/{name}?v={metadata.version('fastapi-swagger')}"


@router.get("/openapi.json")
async def openapi() -> dict[str, Any]:
    return catalog.openapi_document()


@router.get("")
async def swagger_ui() -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/api-docs/openapi.json",
        title=f"{catalog.TITLE} - Docs",
        swagger_js_url=_asset_url("swagger-ui-bundle.js"),
        swagger_css_url=_asset_url("swagger-ui.css"),
        swagger_favicon_url=_asset_url("favicon-32x32.png"),
    )
    page.headers["content-security-policy"] = SWAGGER_CSP
    return page


@router.get("/assets/{name}")
async def asset(name: str) -> Response:
    media_type = ASSET_TYPES.get(name)
    if media_type is None:
        raise NotFound()
    body = resources.files(ASSETS_PACKAGE).joinpath(name).read_bytes()
    return Response(
        body, media_type=media_type, headers={"cache-control": "public, max-age=31536000"}
    )
