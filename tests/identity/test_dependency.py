"""The auth dependency other groups rely on: transport rules, principal, role guards."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from fastapi import APIRouter

from shared import db
from shared.app import create_app, http_handler
from shared.identity.dependencies import AdminUser, CurrentUser, ModeratorUser
from shared.identity.principal import Role
from tests.conftest import Configure
from tests.lambda_client import LambdaClient
from tests.users import auth_headers, create_user

router = APIRouter(prefix="/api/v1/probe")


@router.get("/who")
def who(user: CurrentUser) -> dict[str, Any]:
    return {"id": str(user.id), "role": user.role.value, "session": str(user.session_id)}


@router.get("/mod")
def mod(user: ModeratorUser) -> dict[str, str]:
    return {"role": user.role.value}


@router.get("/admin")
def admin(user: AdminUser) -> dict[str, str]:
    return {"role": user.role.value}


client = LambdaClient(http_handler(create_app(router, title="probe")))


@pytest.mark.parametrize(
    "header",
    [
        "bearer {t}",
        "BEARER {t}",
        "Basic {t}",
        "Bearer",
        "Bearer ",
        "{t}",
        "Bearer  {t}",
        "Bearer x",
    ],
)
def test_malformed_or_unknown_credentials_are_401(database_url: str, header: str) -> None:
    _, token = create_user()
    response = client.get("/api/v1/probe/who", headers={"authorization": header.format(t=token)})
    assert response.status_code == 401
    assert response.json()["error"] == {"code": "UNAUTHORIZED", "message": "Unauthorized access"}


def test_missing_header_is_401(database_url: str) -> None:
    assert client.get("/api/v1/probe/who").status_code == 401


def test_session_token_resolves_the_principal(database_url: str) -> None:
    user, token = create_user(Role.MODERATOR)
    response = client.get("/api/v1/probe/who", headers=auth_headers(token))
    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.id),
        "role": "moderator",
        "session": str(user.session_id),
    }


@pytest.mark.parametrize(
    ("role", "mod_status", "admin_status"),
    [(Role.USER, 403, 403), (Role.MODERATOR, 200, 403), (Role.ADMIN, 200, 200)],
)
def test_role_guards(database_url: str, role: Role, mod_status: int, admin_status: int) -> None:
    _, token = create_user(role)
    mod_response = client.get("/api/v1/probe/mod", headers=auth_headers(token))
    admin_response = client.get("/api/v1/probe/admin", headers=auth_headers(token))
    assert (mod_response.status_code, admin_response.status_code) == (mod_status, admin_status)
    if mod_status == 403:
        assert mod_response.json()["error"]["message"] == (
            "Access denied: moderator role or higher required"
        )
    if admin_status == 403:
        assert admin_response.json()["error"]["message"] == "Admin access required"


def test_authentication_comes_before_role(database_url: str) -> None:
    assert client.get("/api/v1/probe/admin").status_code == 401


def test_inactive_user_or_session_is_401(database_url: str) -> None:
    user, token = create_user()
    conn = db.connection()
    conn.execute("UPDATE users SET is_active = false WHERE id = %s", (user.id,))
    assert client.get("/api/v1/probe/who", headers=auth_headers(token)).status_code == 401
    conn.execute("UPDATE users SET is_active = true WHERE id = %s", (user.id,))
    assert client.get("/api/v1/probe/who", headers=auth_headers(token)).status_code == 200
    conn.execute("UPDATE sessions SET expires_at = now() - interval '1 second'")
    assert client.get("/api/v1/probe/who", headers=auth_headers(token)).status_code == 401


def test_last_activity_is_written_at_most_once_a_minute(database_url: str) -> None:
    user, token = create_user()
    conn = db.connection()
    conn.execute("UPDATE sessions SET last_activity_at = now() - interval '2 minutes'")
    client.get("/api/v1/probe/who", headers=auth_headers(token))
    row = conn.execute(
        "SELECT now() - last_activity_at < interval '5 seconds' AS fresh "
        "FROM sessions WHERE user_id = %s",
        (user.id,),
    ).fetchone()
    assert row is not None and row["fresh"]


def test_one_round_trip_resolves_the_principal(
    database_url: str, monkeypatch: pytest.MonkeyPatch, configure: Configure
) -> None:
    # Request metrics are flushed every N requests per process: keep that write out of the count.
    configure(REQUEST_METRICS_ENABLED="false")
    _, token = create_user()
    client.get("/api/v1/probe/who", headers=auth_headers(token))  # warm: connection made
    statements: list[str] = []
    original = psycopg.Connection.execute

    def counting(self: psycopg.Connection[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(query))
        return original(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "execute", counting)
    db.connection().execute("UPDATE sessions SET last_activity_at = now() - interval '2 minutes'")
    statements.clear()
    assert client.get("/api/v1/probe/who", headers=auth_headers(token)).status_code == 200
    assert len(statements) == 1  # the activity write rides in the same statement
    assert client.get("/api/v1/probe/who", headers=auth_headers(token)).status_code == 200
    assert len(statements) == 2
