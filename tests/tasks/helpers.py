"""Shortcuts shared by the task tests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from shared import db
from shared.tasks import service

FAST = {"type": "fixed", "interval_seconds": 0, "max_attempts": 3, "jitter": False}


def submit(task_type: str = "test_task", payload: Any = None, **kwargs: Any) -> UUID:
    return service.submit(task_type, payload if payload is not None else {}, **kwargs).id


def task(task_id: UUID) -> dict[str, Any]:
    row = db.connection().execute("SELECT * FROM tasks WHERE id = %s", (task_id,)).fetchone()
    assert row is not None
    return row


def attempts(task_id: UUID) -> list[dict[str, Any]]:
    return (
        db.connection()
        .execute("SELECT * FROM task_attempts WHERE task_id = %s ORDER BY attempt", (task_id,))
        .fetchall()
    )


def sql(query: str, *params: Any) -> None:
    db.connection().execute(query, params)


def task_events(task_id: UUID | None = None, level: str | None = None) -> list[dict[str, Any]]:
    """The task engine's monitoring events, oldest first."""
    return (
        db.connection()
        .execute(
            """SELECT * FROM events WHERE source = 'system-tasks'
             AND (%(task_id)s::text IS NULL OR tags->>'task_id' = %(task_id)s)
             AND (%(level)s::text IS NULL OR level = %(level)s)
           ORDER BY created_at, recorded_at""",
            {"task_id": None if task_id is None else str(task_id), "level": level},
        )
        .fetchall()
    )
