"""Errors that belong to no task: malformed queue messages (worker or DLQ reconciler).

Each becomes an `error`-level monitoring event from `system-tasks`, tagged with
the component and the SQS message id and carrying the start of the body, and a log line. A
dead-lettered delivery of a real task is a lifecycle transition instead (`failed`, reason
`delivery_failed`, level error; see lifecycle.py), so it is counted once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.monitoring import system_events as monitoring
from shared.observability import logger
from shared.tasks import lifecycle

MAX_BODY_CHARS = 4096


@dataclass(frozen=True, slots=True)
class TaskError:
    component: str  # "worker" | "dlq_reconciler"
    error: str
    message_id: str
    body: str


def record(errors: Sequence[TaskError]) -> None:
    """One round trip for all of a batch's errors. Raises psycopg.Error: the caller has the
    batch redelivered, as it must when the database is unreachable."""
    if not errors:
        return
    for e in errors:
        logger.error(
            "task error",
            extra={"component": e.component, "error": e.error, "message_id": e.message_id},
        )
    monitoring.record_events(
        [
            monitoring.SystemEvent(
                "log",
                lifecycle.SOURCE,
                e.error,
                "error",
                {"component": e.component, "message_id": e.message_id},
                {"body": e.body[:MAX_BODY_CHARS]},
            )
            for e in errors
        ]
    )
