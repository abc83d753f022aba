"""Task lifecycle events: every state change the task engine commits is reported to
monitoring, one call per batch (a worker batch, a sweep, a reconciled DLQ batch, an API call).

Recorded after the change commits and best effort: the task row is the truth, so an event that
cannot be written is logged and never fails, rolls back or redelivers the work it describes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import psycopg
from aws_lambda_powertools.metrics import MetricUnit

from shared.monitoring import system_events as monitoring
from shared.observability import logger, metrics
from shared.tasks.states import TaskStatus

# The task engine's events. A `system-` source: only moderators and up can read them.
SOURCE = "system-tasks"
LEVELS = {TaskStatus.FAILED: "error", TaskStatus.RETRYING: "warning"}  # any other: info


@dataclass(frozen=True, slots=True)
class TaskTransition:
    """A task lifecycle transition: the task's new status and, when the status alone does
    not say it, why (the attempt's outcome, `deferred`, `lease_expired`, `delivery_failed`...)."""

    task_id: UUID | str
    task_type: str
    status: TaskStatus
    message: str | None = None
    reason: str | None = None

    def as_event(self) -> monitoring.SystemEvent:
        """Tagged so alert rules can count by task, type, status or reason."""
        tags = {"task_id": str(self.task_id), "task_type": self.task_type, "status": self.status}
        if self.reason is not None:
            tags["reason"] = self.reason
        level = LEVELS.get(self.status, "info")
        message = self.message or f"Task {self.status}"
        return monitoring.SystemEvent("log", SOURCE, message, level, tags)


# EMF metrics per transition batch: the FailedTasksAlarm of template.yaml watches TasksFailed.
METRICS = {
    TaskStatus.COMPLETED: "TasksCompleted",
    TaskStatus.RETRYING: "TasksRetried",
    TaskStatus.FAILED: "TasksFailed",
}


def record(transitions: Sequence[TaskTransition]) -> None:
    if not transitions:
        return
    counts = Counter(t.status for t in transitions)
    for status, name in METRICS.items():
        if counts[status]:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=counts[status])
    try:
        monitoring.record_events([t.as_event() for t in transitions])
    except psycopg.Error:
        logger.exception("could not record task events", extra={"count": len(transitions)})
