"""Health probes. One query per probe; a dead database answers within the connect timeout."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import psycopg

from shared import db, migrations, snapstart
from shared.settings import Settings, get_settings

PROCESS_STARTED = time.monotonic()


@snapstart.after_restore
def _restarted() -> None:
    """Uptime counts from the restore, not from the init the snapshot was taken after."""
    global PROCESS_STARTED
    PROCESS_STARTED = time.monotonic()


ComponentStatus = Literal["healthy", "unhealthy"]


@dataclass(frozen=True)
class Component:
    status: ComponentStatus
    message: str
    details: dict[str, Any] | None = None

    @property
    def healthy(self) -> bool:
        return self.status == "healthy"


@dataclass(frozen=True)
class Report:
    checks: dict[str, Component]
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def healthy(self) -> bool:
        return all(c.healthy for c in self.checks.values())


def uptime_seconds() -> float:
    return time.monotonic() - PROCESS_STARTED


def _database_failed(error: Exception, expose_errors: bool) -> Component:
    details = {"error": str(error).strip() or type(error).__name__} if expose_errors else None
    return Component("unhealthy", "Database connection failed", details)


def database(expose_errors: bool = False) -> Component:
    try:
        db.connection().execute("SELECT 1")
    except psycopg.Error as error:
        db.reset()
        return _database_failed(error, expose_errors)
    return Component("healthy", "Database connection successful")


def application(settings: Settings | None = None) -> Component:
    settings = settings or get_settings()
    configured = bool(settings.database.database_url or settings.database.database_secret_arn)
    if not configured:
        return Component(
            "unhealthy",
            "Application configuration is invalid",
            {"config_loaded": True, "database_configured": False},
        )
    return Component(
        "healthy",
        "Application configuration is valid",
        {"config_loaded": True, "auth_configured": True},
    )


def database_and_schema(expose_errors: bool = False) -> tuple[Component, Component]:
    """One query answers both: can we reach the database, and is every migration applied?"""
    try:
        row = (
            db.connection()
            .execute("SELECT max(version) AS version FROM schema_migrations")
            .fetchone()
        )
    except psycopg.errors.UndefinedTable as error:
        return database(), _schema_missing(error, expose_errors)
    except psycopg.Error as error:
        db.reset()
        return _database_failed(error, expose_errors), _schema_missing(error, expose_errors)
    applied = int(row["version"] or 0) if row else 0
    expected = migrations.latest_version()
    ok = Component("healthy", "Database connection successful")
    if applied < expected:
        detail = f"schema at version {applied}, code expects {expected}"
        return ok, _schema_missing(RuntimeError(detail), expose_errors=True)
    return ok, Component(
        "healthy",
        "Database schema is initialized",
        {"tables_exist": True, "migrations_applied": True},
    )


def _schema_missing(error: Exception, expose_errors: bool) -> Component:
    details: dict[str, Any] = {"suggestion": "Ensure database migrations have been applied"}
    if expose_errors:
        details["error"] = str(error).strip()
    return Component("unhealthy", "Database schema not initialized", details)


def detailed(expose_errors: bool = False) -> Report:
    return Report({"database": database(expose_errors)})


def readiness() -> Report:
    return Report({"database": database(), "application": application()})


def startup() -> Report:
    database_check, schema_check = database_and_schema()
    return Report({"database": database_check, "schema": schema_check})
