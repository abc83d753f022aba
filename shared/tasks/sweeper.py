"""The sweeper (EventBridge, every minute). Safe to run twice or concurrently: every row it acts on
is locked with SKIP LOCKED, and what it does is recorded in the same transaction.

1. `running` tasks whose lease expired (their worker died) → `retrying` per their strategy, or
   `failed` when their attempts are used up; the lost attempt gets its history row.
2. Tasks that should be queued but are not → sent: a send that failed, a task scheduled beyond
   SQS's 15-minute delay that is now within reach, a re-delay the worker could not send, and a
   due task sent over TASK_RESEND_AFTER_SECONDS ago whose message was lost.

The state changes of step 1 are reported to monitoring after the commit, in one call; sending
(step 2) changes no state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shared import db
from shared.settings import get_settings
from shared.tasks import lifecycle, outbox, queue, retry
from shared.tasks.claims import LEASE_LOST
from shared.tasks.states import WAITING, TaskStatus, sql_in, sql_literal

EXPIRED_SQL = f"""
SELECT id, task_type, current_attempt, max_attempts, retry_strategy
FROM tasks WHERE status = {sql_literal(TaskStatus.RUNNING)} AND lease_expires_at <= now()
ORDER BY lease_expires_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED
"""  # noqa: S608 - status literals from the state machine

RECOVER_SQL = f"""
WITH x AS (
    SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb) AS x(id uuid, status text, delay_ms bigint)
),
moved AS (
    UPDATE tasks t SET
        status = x.status,
        last_error = %(lease_lost)s,
        scheduled_at = CASE WHEN x.status = {sql_literal(TaskStatus.RETRYING)}
                            THEN now() + x.delay_ms * interval '1 millisecond'
                            ELSE t.scheduled_at END,
        completed_at = CASE WHEN x.status = {sql_literal(TaskStatus.FAILED)} THEN now() END,
        lease_expires_at = NULL,
        enqueued_at = NULL
    FROM x WHERE t.id = x.id AND t.status = {sql_literal(TaskStatus.RUNNING)}
    RETURNING t.id, t.current_attempt, t.started_at
)
INSERT INTO task_attempts (task_id, attempt, started_at, outcome, error)
SELECT id, current_attempt, started_at, 'lease_expired', %(lease_lost)s FROM moved
ON CONFLICT DO NOTHING
"""  # noqa: S608 - status literals from the state machine

UNSENT_SQL = f"""
SELECT id, priority, greatest(0, extract(epoch FROM scheduled_at - now())) AS delay
FROM tasks
WHERE status IN {sql_in(WAITING)}
  AND ((enqueued_at IS NULL
        AND scheduled_at <= now() + make_interval(secs => %(max_delay)s)
        AND (updated_at <= now() - make_interval(secs => %(grace)s)
             OR id = ANY(%(recovered)s::uuid[])))
       OR (enqueued_at <= now() - make_interval(secs => %(resend_after)s)
           AND scheduled_at <= now()))
ORDER BY scheduled_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED
"""  # noqa: S608 - status literals from the state machine


SEND_CHUNK = 100  # rows locked while their messages are sent


@dataclass(frozen=True, slots=True)
class SweepReport:
    recovered: int  # expired leases sent back to retrying
    failed: int  # expired leases with no attempts left
    sent: int  # messages handed to SQS

    def as_dict(self) -> dict[str, int]:
        return {"recovered": self.recovered, "failed": self.failed, "sent": self.sent}


def _next_state(row: dict[str, Any]) -> dict[str, Any]:
    delay = retry.next_delay(retry.parse(row["retry_strategy"]), row["current_attempt"])
    if delay is None or row["current_attempt"] >= row["max_attempts"]:
        return {"id": str(row["id"]), "status": TaskStatus.FAILED, "delay_ms": 0}
    return {"id": str(row["id"]), "status": TaskStatus.RETRYING, "delay_ms": round(delay * 1000)}


def sweep() -> SweepReport:
    s = get_settings()
    with db.transaction() as conn:
        expired = conn.execute(EXPIRED_SQL, {"limit": s.tasks.task_sweep_batch_size}).fetchall()
        moves = [_next_state(r) for r in expired]
        if moves:
            conn.execute(RECOVER_SQL, {"rows": json.dumps(moves), "lease_lost": LEASE_LOST})
    # Rows recovered just now changed a moment ago: the grace would hide them.
    recovered = [m["id"] for m in moves if m["status"] is TaskStatus.RETRYING]
    sent = _send_unsent(recovered, s.tasks.task_sweep_batch_size)
    lifecycle.record(
        [
            lifecycle.TaskTransition(
                r["id"],
                r["task_type"],
                m["status"],
                f"Task {m['status']}: {LEASE_LOST}",
                "lease_expired",
            )
            for r, m in zip(expired, moves, strict=True)
        ]
    )
    failed = sum(1 for m in moves if m["status"] is TaskStatus.FAILED)
    return SweepReport(recovered=len(moves) - failed, failed=failed, sent=sent)


def _send_unsent(recovered: list[str], limit: int) -> int:
    """Send what should be queued, SEND_CHUNK rows per transaction. A row stays locked from its
    selection until it is marked sent, so two sweepers never send it both; the chunks keep
    that lock short, because a worker claiming the task waits for it (a message can arrive
    before the sweeper commits)."""
    s = get_settings()
    total = 0
    while total < limit:
        with db.transaction() as conn:
            unsent = conn.execute(
                UNSENT_SQL,
                {
                    "max_delay": queue.MAX_DELAY_SECONDS,
                    "grace": s.tasks.task_enqueue_grace_seconds,
                    "resend_after": s.tasks.task_resend_after_seconds,
                    "recovered": recovered,
                    "limit": min(SEND_CHUNK, limit - total),
                },
            ).fetchall()
            sent = queue.send(
                queue.Outgoing(r["id"], r["priority"], float(r["delay"])) for r in unsent
            )
            if sent:
                outbox.mark_enqueued(conn, sent)
        total += len(sent)
        if len(unsent) < SEND_CHUNK or len(sent) < len(unsent):
            return total  # nothing more to send, or SQS refuses: the next sweep tries again
    return total
