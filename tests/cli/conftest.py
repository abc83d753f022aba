"""Fixtures for the operator CLI: the real Typer app through CliRunner, against a fresh
database (DATABASE_URL from the `database_url` fixture)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner, Result

from shared import db
from shared.tasks import service
from tools.cli import app

Invoke = Callable[..., Result]


@pytest.fixture
def cli() -> Invoke:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args))

    return invoke


@pytest.fixture
def tasks_db(database_url: str) -> str:
    service.sync_task_types(database_url)
    return database_url


def add_task(
    status: str = "pending",
    task_type: str = "delay_task",
    *,
    age_days: float = 0,
    tag: str | None = None,
    run_seconds: float = 0,
) -> UUID:
    created = datetime.now(UTC) - timedelta(days=age_days, seconds=run_seconds)
    row = (
        db.connection()
        .execute(
            """INSERT INTO tasks (task_type, status, created_at, started_at, updated_at,
                              completed_at, metadata, current_attempt)
           VALUES (%s, %s, %s, %s, %s, CASE WHEN %s IN ('completed', 'failed', 'cancelled')
                                            THEN %s END, %s, 1)
           RETURNING id""",
            (
                task_type,
                status,
                created,
                created,
                created + timedelta(seconds=run_seconds),
                status,
                created + timedelta(seconds=run_seconds),
                json.dumps({"tag": tag} if tag else {}),
            ),
        )
        .fetchone()
    )
    assert row is not None
    return UUID(str(row["id"]))


def statuses() -> dict[str, int]:
    rows = (
        db.connection()
        .execute("SELECT status, count(*) AS n FROM tasks GROUP BY status")
        .fetchall()
    )
    return {r["status"]: r["n"] for r in rows}


def parse(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
