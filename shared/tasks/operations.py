"""Operator queries behind the admin CLI: direct database access with no
viewer or ownership, which the CLI's operator does not have. State changes that the API also
makes go through service.py (service.retry_failed, service.submit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from shared import db
from shared.tasks.states import TaskStatus, sql_literal

LIST_COLUMNS = (
    "id, task_type, status, priority, current_attempt, max_attempts, last_error, created_at, "
    "updated_at, completed_at, created_by, metadata"
)


def recent(status: str | None, task_type: str | None, limit: int) -> list[dict[str, Any]]:
    """Newest first."""
    return (
        db.connection()
        .execute(
            f"""SELECT {LIST_COLUMNS} FROM tasks
            WHERE (%(status)s::text IS NULL OR status = %(status)s)
              AND (%(type)s::text IS NULL OR task_type = %(type)s)
            ORDER BY created_at DESC, id LIMIT %(limit)s""",  # noqa: S608 - constant columns
            {"status": status, "type": task_type, "limit": limit},
        )
        .fetchall()
    )


def failed_ids(task_type: str | None, since: datetime | None) -> list[UUID]:
    """Failed tasks, optionally of one type and failed at or after `since`, oldest first."""
    rows = (
        db.connection()
        .execute(
            f"""SELECT id FROM tasks
           WHERE status = {sql_literal(TaskStatus.FAILED)}
             AND (%(type)s::text IS NULL OR task_type = %(type)s)
             AND (%(since)s::timestamptz IS NULL
                  OR COALESCE(completed_at, updated_at) >= %(since)s)
           ORDER BY COALESCE(completed_at, updated_at), id""",  # noqa: S608 - state machine literal
            {"type": task_type, "since": since},
        )
        .fetchall()
    )
    return [r["id"] for r in rows]
