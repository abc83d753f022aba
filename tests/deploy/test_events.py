"""The sample events in events/ (for `sam local invoke`) work through the real handlers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from functions.docs.handler import handler as docs_handler
from functions.health.handler import handler as health_handler
from functions.migrate.handler import handler as migrate_handler
from shared import migrations
from tests.deploy.conftest import ResponseUrl
from tools.lambda_events import FakeLambdaContext

EVENTS = Path(__file__).resolve().parents[2] / "events"


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


def test_health_event(database_url: str) -> None:
    response = health_handler(event("health.json"), FakeLambdaContext())
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["success"] is True


def test_docs_event() -> None:
    response = docs_handler(event("docs.json"), FakeLambdaContext())
    assert response["statusCode"] == 200
    assert "openapi" in json.loads(response["body"])


def test_migrate_create_event(empty_database_url: str, response_url: ResponseUrl) -> None:
    create = {**event("migrate-create.json"), "ResponseURL": response_url.url}
    migrate_handler(create, FakeLambdaContext(timeout_seconds=300))
    assert response_url.only["Status"] == "SUCCESS"
    assert response_url.only["Data"]["SchemaVersion"] == str(migrations.latest_version())


def test_migrate_status_event(database_url: str) -> None:
    result = migrate_handler(event("migrate-status.json"), FakeLambdaContext())
    assert result is not None and result["pending"] == []
