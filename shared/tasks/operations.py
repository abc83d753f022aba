"""Operator queries behind the admin CLI: direct database access with no
viewer or ownership, which the CLI's operator does not have. State changes that the API also
makes go through service.py (service.retry_failed, service.submit)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from psycopg import sql

from shared import db
from shared.tasks.schemas import TaskOut
from shared.tasks.service import TASK_COLUMNS
from shared.tasks.states import TaskStatus, sql_literal


def recent(status: TaskStatus | None, task_type: str | None, limit: int) -> list[TaskOut]:
    """Newest first."""
    query = sql.SQL(
        """SELECT {} FROM tasks
           WHERE (%(status)s::text IS NULL OR status = %(status)s)
             AND (%(type)s::text IS NULL OR task_type = %(type)s)
           ORDER BY created_at DESC, id LIMIT %(limit)s"""
    ).format(TASK_COLUMNS)
    rows = db.connection().execute(query, {"status": status, "type": task_type, "limit": limit})
    return [TaskOut.model_validate(r) for r in rows]


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
