"""Health probes through the real Lambda handler: healthy, DB unreachable, DB stopped, no schema."""

from __future__ import annotations

import pytest

from functions.health.handler import handler
from tests.lambda_client import LambdaClient

client = LambdaClient(handler)


@pytest.mark.usefixtures("database_url")
class TestHealthy:
    def test_basic(self) -> None:
        r = client.get("/api/v1/health")
        assert r.status_code == 200
        body = r.json()
        assert body["success"] is True and body["message"] is None
        data = body["data"]
        assert data["status"] == "healthy"
        assert data["version"] == "0.1.0"
        assert data["uptime"] > 0
        assert data["documentation"] == {
            "openapi_json": "/api-docs/openapi.json",
            "api_docs": "/api-docs",
        }

    def test_detailed(self) -> None:
        r = client.get("/api/v1/health/detailed")
        assert r.status_code == 200
        data = r.json()["data"]
        assert data["status"] == "healthy"
        assert data["checks"]["database"] == {
            "status": "healthy",
            "message": "Database connection successful",
            "details": None,
        }
        assert data["timestamp"].endswith("Z")

    def test_live(self) -> None:
        data = client.get("/api/v1/health/live").json()["data"]
        assert (data["status"], data["probe"]) == ("alive", "liveness")

    def test_ready(self) -> None:
        r = client.get("/api/v1/health/ready")
        data = r.json()["data"]
        assert r.status_code == 200
        assert (data["status"], data["probe"]) == ("ready", "readiness")
        assert data["checks"]["database"]["status"] == "healthy"
        assert data["checks"]["application"]["status"] == "healthy"

    def test_startup(self) -> None:
        r = client.get("/api/v1/health/startup")
        data = r.json()["data"]
        assert r.status_code == 200
        assert (data["status"], data["probe"]) == ("started", "startup")
        assert data["checks"]["schema"]["details"] == {
            "tables_exist": True,
            "migrations_applied": True,
        }


@pytest.mark.usefixtures("unreachable_database")
class TestDatabaseUnreachable:
    def test_basic_is_503_envelope(self) -> None:
        r = client.get("/api/v1/health")
        assert r.status_code == 503
        body = r.json()
        assert body["success"] is False
        assert body["error"] == {
            "code": "SERVICE_UNHEALTHY",
            "message": "Service unhealthy: unhealthy",
        }
        assert body["request_id"] == r.headers["x-request-id"]

    def test_public_detailed_hides_error_text(self) -> None:
        r = client.get("/api/v1/health/detailed")
        assert r.status_code == 503
        database = r.json()["data"]["checks"]["database"]
        assert database == {
            "status": "unhealthy",
            "message": "Database connection failed",
            "details": None,
        }
        assert "127.0.0.1" not in r.text and "refused" not in r.text.lower()

    def test_ready_and_startup_are_503(self) -> None:
        ready = client.get("/api/v1/health/ready")
        assert ready.status_code == 503 and ready.json()["data"]["status"] == "not_ready"
        startup = client.get("/api/v1/health/startup")
        assert startup.status_code == 503 and startup.json()["data"]["status"] == "starting"

    def test_live_never_fails(self) -> None:
        assert client.get("/api/v1/health/live").status_code == 200


def test_database_stopped_then_recovers(database_url: str, pg_admin_url: str) -> None:
    """A connection the server killed: 503 once, then the next request reconnects."""
    import psycopg

    assert client.get("/api/v1/health").status_code == 200
    dbname = psycopg.conninfo.conninfo_to_dict(database_url)["dbname"]
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (dbname,)
        )
    statuses = [client.get("/api/v1/health").status_code for _ in range(2)]
    assert statuses[-1] == 200
    assert set(statuses) <= {200, 503}


def test_startup_reports_missing_schema(empty_database_url: str) -> None:
    r = client.get("/api/v1/health/startup")
    assert r.status_code == 503
    data = r.json()["data"]
    assert data["checks"]["database"]["status"] == "healthy"
    assert data["checks"]["schema"]["status"] == "unhealthy"
    assert (
        data["checks"]["schema"]["details"]["suggestion"]
        == "Ensure database migrations have been applied"
    )
