"""/api-docs: the OpenAPI document and a Swagger UI. Also answers every unknown route (404)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from shared.docs import catalog

router = APIRouter(prefix="/api-docs", include_in_schema=False)

# The UI's assets come from jsDelivr; the API's own responses keep the strict default CSP.
SWAGGER_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'"
)


@router.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return catalog.openapi_document()


@router.get("")
def swagger_ui() -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/api-docs/openapi.json", title=f"{catalog.TITLE} - Docs"
    )
    page.headers["content-security-policy"] = SWAGGER_CSP
    return page
