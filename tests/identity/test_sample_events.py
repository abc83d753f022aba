"""The sample events in events/ (for `sam local invoke`) work against the real handlers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from functions.admin.handler import handler as admin_handler
from functions.auth.handler import handler as auth_handler
from functions.cleanup.handler import handler as cleanup_handler
from functions.users.handler import handler as users_handler
from shared.identity.principal import Role
from tests.users import create_user
from tools.lambda_events import FakeLambdaContext

EVENTS = Path(__file__).resolve().parents[2] / "events"


def context() -> Any:
    """A fake LambdaContext (typed loosely: the handlers declare Powertools' type)."""
    return FakeLambdaContext()


def load(name: str, token: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    if token:
        event["headers"]["authorization"] = f"Bearer {token}"
    return event


def test_sample_events(database_url: str) -> None:
    _, token = create_user(Role.ADMIN, username="admin", password="REPLACE_ME_Pass123!")
    login = auth_handler(load("auth-login.json"), context())
    assert login["statusCode"] == 200, login
    assert users_handler(load("users-me-profile.json"), context())["statusCode"] == 401
    assert users_handler(load("users-me-profile.json", token), context())["statusCode"] == 200
    assert admin_handler(load("admin-audit.json", token), context())["statusCode"] == 200
    assert set(cleanup_handler(load("cleanup.json"), context())) >= {"sessions"}
