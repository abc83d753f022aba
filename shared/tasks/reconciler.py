"""The DLQ reconciler: drains TaskDeadLetterQueue into the database.

A message lands there only when the worker died on it `maxReceiveCount` times (a crash loop):
ordinary failures are retried by the task's strategy and never reach the DLQ. Its task is marked
`failed` with `delivery failed after N receives`, which is reported to monitoring as an
error-level lifecycle event; a malformed message is recorded as an error (error_log.py). A message
whose task already finished is dropped.
"""

from __future__ import annotations

from uuid import UUID

import psycopg
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shared import db
from shared.observability import logger
from shared.tasks import error_log, lifecycle
from shared.tasks.batch import WholeBatchProcessor
from shared.tasks.states import TaskEvent, sources, sql_in, sql_literal, target
from shared.tasks.worker import parse_task_id

FAIL_SQL = f"""
WITH m AS (SELECT * FROM unnest(%(ids)s::uuid[], %(receives)s::int[]) AS m(id, receives)),
failed AS (
    UPDATE tasks t SET status = {sql_literal(target(TaskEvent.DEAD_LETTER))},
           completed_at = now(), lease_expires_at = NULL,
           enqueued_at = NULL, last_error = 'delivery failed after ' || m.receives || ' receives'
    FROM m
    WHERE t.id = m.id AND t.status IN {sql_in(sources(TaskEvent.DEAD_LETTER))}
    RETURNING t.id, t.task_type, t.current_attempt, t.started_at, t.last_error
),
attempt AS (
    INSERT INTO task_attempts (task_id, attempt, started_at, outcome, error)
    SELECT id, current_attempt, COALESCE(started_at, now()), 'delivery_failed', last_error
    FROM failed WHERE current_attempt > 0
    ON CONFLICT DO NOTHING
)
SELECT id, task_type, last_error FROM failed
"""  # noqa: S608 - status literals from the state machine


def reconcile(records: list[SQSRecord], remaining_seconds: float) -> set[str]:  # noqa: ARG001
    """Returns the message ids to redeliver (only when the database is unreachable)."""
    receives: dict[UUID, int] = {}
    errors: list[error_log.TaskError] = []
    for r in records:
        task_id = parse_task_id(r.body)
        if task_id is None:
            errors.append(
                error_log.TaskError(
                    "dlq_reconciler",
                    "Malformed dead-letter message",
                    message_id=r.message_id,
                    body=r.body,
                )
            )
        else:
            # SQS carries the receive count over from the source queue; our receive adds one.
            count = max(1, int(r.attributes.approximate_receive_count) - 1)
            receives[task_id] = max(count, receives.get(task_id, 0))
    try:
        error_log.record(errors)  # first: a redelivery after FAIL_SQL would find nothing to fail
        failed = (
            db.connection()
            .execute(FAIL_SQL, {"ids": list(receives), "receives": list(receives.values())})
            .fetchall()
            if receives
            else []
        )
    except psycopg.Error:
        logger.exception("dead-letter reconciliation failed; the batch will be redelivered")
        return {r.message_id for r in records}
    lifecycle.record(
        [
            lifecycle.TaskTransition(
                row["id"],
                row["task_type"],
                target(TaskEvent.DEAD_LETTER),
                f"Task failed: {row['last_error']}",
                "delivery_failed",
            )
            for row in failed
        ]
    )
    return set()


processor = WholeBatchProcessor(reconcile)
record_handler = processor.record_handler
