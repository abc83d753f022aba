"""Task lifecycle events (SPEC A2.13): every state change the task engine commits is reported to
monitoring, one call per batch (a worker batch, a sweep, a reconciled DLQ batch, an API call).

Recorded after the change commits and best effort: the task row is the truth, so an event that
cannot be written is logged and never fails, rolls back or redelivers the work it describes.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from shared.monitoring import service as monitoring
from shared.monitoring.service import TaskTransition
from shared.observability import logger

__all__ = ["TaskTransition", "record"]


def record(transitions: Sequence[TaskTransition]) -> None:
    if not transitions:
        return
    try:
        monitoring.record_task_events(transitions)
    except psycopg.Error:
        logger.exception("could not record task events", extra={"count": len(transitions)})
