"""Errors that belong to no task attempt: malformed queue messages, dead-lettered deliveries.

They go to `task_errors` and the log. This is the hook for the monitoring group: once its events
table exists, `record` should also record an `error` event (SPEC A3, A2.13) through its service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from shared import db
from shared.observability import logger

MAX_BODY_CHARS = 4096


@dataclass(frozen=True, slots=True)
class TaskError:
    source: str  # "worker" | "dlq_reconciler"
    error: str
    task_id: UUID | None = None
    message_id: str | None = None
    body: str | None = None


def record(conn: db.Connection, errors: Sequence[TaskError]) -> None:
    if not errors:
        return
    for e in errors:
        logger.error("task error", extra={"source": e.source, "error": e.error,
                                          "task_id": str(e.task_id), "message_id": e.message_id})
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO task_errors (source, task_id, message_id, error, body) "
            "VALUES (%s, %s, %s, %s, %s)",
            [(e.source, e.task_id, e.message_id, e.error, (e.body or "")[:MAX_BODY_CHARS])
             for e in errors],
        )
