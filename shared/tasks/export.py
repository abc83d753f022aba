"""Streaming read of tasks for reports (report_generation): a server-side cursor, so memory does
not grow with the number of rows. Payloads and results are left out: they may hold secrets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from shared import db

COLUMNS = (
    "id",
    "task_type",
    "status",
    "priority",
    "current_attempt",
    "max_attempts",
    "last_error",
    "created_by",
    "created_at",
    "updated_at",
    "scheduled_at",
    "started_at",
    "completed_at",
)


def rows(
    conn: db.Connection, start: datetime, end: datetime, owner: UUID | None
) -> Iterator[dict[str, Any]]:
    """Tasks created in [start, end), oldest first; only `owner`'s when given. `conn` must be
    in a transaction (see db.dedicated)."""
    return db.stream(
        conn,
        f"""SELECT {", ".join(COLUMNS)} FROM tasks
                WHERE created_at >= %(start)s AND created_at < %(end)s
                  AND (%(owner)s::uuid IS NULL OR created_by = %(owner)s)
                ORDER BY created_at, id""",  # noqa: S608 - constant column list
        {"start": start, "end": end, "owner": owner},
    )
