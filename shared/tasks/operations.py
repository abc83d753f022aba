"""Operator queries behind the admin CLI (SPEC B §12, §7.13): direct database access with no
viewer or ownership, which the CLI's operator does not have. State changes that the API also
makes go through service.py (service.retry_failed, service.submit)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from shared import db

LIST_COLUMNS = (
    "id, task_type, status, priority, current_attempt, max_attempts, last_error, created_at, "
    "updated_at, completed_at, created_by, metadata"
)


def recent(status: str | None, task_type: str | None, limit: int) -> list[dict[str, Any]]:
    """Newest first, as the reference's `admin list-tasks`."""
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


def tag_stats(tag: str | None) -> dict[str, Any]:
    """Counts by status and the mean completion time (updated_at - created_at of completed
    tasks), optionally only for tasks whose metadata tag is `tag`."""
    row = (
        db.connection()
        .execute(
            """WITH t AS (
               SELECT status, created_at, updated_at FROM tasks
               WHERE %(tag)s::text IS NULL OR metadata->>'tag' = %(tag)s
           )
           SELECT (SELECT COALESCE(json_object_agg(status, n), '{}')
                   FROM (SELECT status, count(*) AS n FROM t GROUP BY status) s) AS counts,
                  (SELECT avg(extract(epoch FROM updated_at - created_at))
                   FROM t WHERE status = 'completed') AS avg_seconds""",
            {"tag": tag},
        )
        .fetchone()
    )
    assert row is not None
    avg = row["avg_seconds"]
    return {"counts": row["counts"], "avg_completion_seconds": None if avg is None else float(avg)}


def _cutoff(older_than_days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=older_than_days)


def count_finished(statuses: Sequence[str], older_than_days: int) -> int:
    row = (
        db.connection()
        .execute(
            "SELECT count(*) AS n FROM tasks WHERE status = ANY(%s) AND updated_at < %s",
            (list(statuses), _cutoff(older_than_days)),
        )
        .fetchone()
    )
    return int(row["n"]) if row else 0


def delete_finished(
    statuses: Sequence[str], older_than_days: int, batch: int = 1000
) -> Iterator[int]:
    """Delete tasks in `statuses` last updated more than `older_than_days` ago, in batches
    (short locks); yields each batch's count, for a progress bar."""
    cutoff = _cutoff(older_than_days)
    while True:
        cur = db.connection().execute(
            """DELETE FROM tasks WHERE id IN (
                   SELECT id FROM tasks WHERE status = ANY(%s) AND updated_at < %s
                   LIMIT %s FOR UPDATE SKIP LOCKED)""",
            (list(statuses), cutoff, batch),
        )
        if cur.rowcount:
            yield cur.rowcount
        if cur.rowcount < batch:
            return


def failed_ids(task_type: str | None, since: datetime | None) -> list[UUID]:
    """Failed tasks, optionally of one type and failed at or after `since`, oldest first."""
    rows = (
        db.connection()
        .execute(
            """SELECT id FROM tasks
           WHERE status = 'failed'
             AND (%(type)s::text IS NULL OR task_type = %(type)s)
             AND (%(since)s::timestamptz IS NULL
                  OR COALESCE(completed_at, updated_at) >= %(since)s)
           ORDER BY COALESCE(completed_at, updated_at), id""",
            {"type": task_type, "since": since},
        )
        .fetchall()
    )
    return [r["id"] for r in rows]
