"""The docs function: one OpenAPI document for every group, a Swagger UI, and the 404 fallback."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from functions.docs.handler import handler
from shared.docs import catalog
from tests.lambda_client import LambdaClient
from tools.cli import app as cli

client = LambdaClient(handler)


def test_openapi_document_covers_every_group() -> None:
    r = client.get("/api-docs/openapi.json")
    assert r.status_code == 200
    document = r.json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer_auth"]["scheme"] == "bearer"
    paths = document["paths"]
    assert "/api/v1/health" in paths and "/api/v1/health/startup" in paths
    prefixes = {router.prefix for router in catalog.routers()}
    for prefix in prefixes:
        assert any(p.startswith(prefix) for p in paths), prefix


def test_swagger_ui_is_served_with_its_own_assets() -> None:
    """Offline-capable: no CDN in the page or its CSP; every asset it names is served here."""
    r = client.get("/api-docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "/api-docs/openapi.json" in r.text
    assert "http" not in r.headers["content-security-policy"]
    assets = re.findall(r'(?:src|href)="(/api-docs/assets/[^"]+)"', r.text)
    assert len(assets) == 3 and not re.search(r'(?:src|href)="https?://', r.text)
    for url in assets:
        path, _, query = url.partition("?")
        served = client.get(path, params=dict([query.split("=")]))
        assert served.status_code == 200 and served.content, url
        assert "max-age" in served.headers["cache-control"]
    assert client.get("/api-docs/assets/favicon-32x32.png").content.startswith(b"\x89PNG")
    bundle = client.get("/api-docs/assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in bundle.text


def test_an_unknown_asset_is_404() -> None:
    assert client.get("/api-docs/assets/../../etc/passwd").status_code == 404
    assert client.get("/api-docs/assets/nope.js").status_code == 404


def test_unknown_routes_fall_back_to_a_404_envelope() -> None:
    for path in ("/api/v1/nope", "/", "/something/else"):
        r = client.get(path)
        assert r.status_code == 404
        assert r.json()["error"] == {
            "code": "NOT_FOUND",
            "message": "The requested resource was not found",
        }


def test_export_openapi_command(tmp_path: Path) -> None:
    target = tmp_path / "out" / "openapi.json"
    result = CliRunner().invoke(cli, ["export-openapi", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert '"bearer_auth"' in target.read_text()
