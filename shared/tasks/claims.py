"""The worker's two statements per batch: claim every task at once, then record every outcome.

Claim (one round trip): for the batch's task ids, atomically
- `pending|retrying` and due, or `running` with an expired lease and attempts left → `running`,
  `current_attempt + 1`, `started_at`, lease = timeout + margin (a lost lease gets its attempt row);
- due but its type's breaker is open → `retrying` at the end of the open period, no attempt used;
- not yet due → flagged unsent, to be delayed again;
- anything else (finished, cancelled, validly leased, claimed concurrently) is left alone.
Row locks make two racing claims of one task yield one winner.

Complete (one round trip): the final writes, fenced on the task still running its attempt n,
the attempt rows and the breaker updates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared import db
from shared.settings import get_settings
from shared.tasks.states import (
    FINISHED,
    WAITING,
    TaskEvent,
    TaskStatus,
    sources,
    sql_in,
    sql_literal,
    target,
)

_RUNNING = sql_literal(TaskStatus.RUNNING)
_COMPLETED = sql_literal(TaskStatus.COMPLETED)
_RETRYING = sql_literal(TaskStatus.RETRYING)
_OUTCOMES = sql_in(target(e) for e in (TaskEvent.SUCCEED, TaskEvent.RETRY, TaskEvent.FAIL))

LEASE_LOST = "Worker lease expired before the attempt finished"

CLAIM_SQL = f"""
WITH msg AS (SELECT DISTINCT unnest(%(ids)s::uuid[]) AS id),
cur AS (
    SELECT t.id, t.status, t.started_at, cb.open_until AS breaker_until
    FROM tasks t JOIN msg USING (id)
    LEFT JOIN task_circuit_breakers cb
           ON cb.task_type = t.task_type AND cb.state = 'open' AND cb.open_until > now()
),
claimed AS (
    UPDATE tasks t SET status = {_RUNNING}, started_at = now(),
           current_attempt = t.current_attempt + 1, enqueued_at = NULL,
           lease_expires_at = now() + make_interval(secs => t.timeout_seconds + %(margin)s)
    FROM cur
    WHERE t.id = cur.id AND cur.breaker_until IS NULL
      AND ((t.status IN {sql_in(sources(TaskEvent.CLAIM))} AND t.scheduled_at <= now())
           OR (t.status IN {sql_in(sources(TaskEvent.RECLAIM))} AND t.lease_expires_at <= now()
               AND t.current_attempt < t.max_attempts))
    RETURNING t.id, t.task_type, t.payload, t.current_attempt, t.max_attempts, t.retry_strategy,
              t.timeout_seconds, t.priority, t.started_at, t.created_by,
              cur.status AS previous_status,
              cur.started_at AS previous_started_at
),
lost AS (
    INSERT INTO task_attempts (task_id, attempt, started_at, outcome, error)
    SELECT id, current_attempt - 1, previous_started_at, 'lease_expired', %(lease_lost)s
    FROM claimed WHERE previous_status = {_RUNNING}
    ON CONFLICT DO NOTHING
),
deferred AS (
    UPDATE tasks t SET status = {sql_literal(target(TaskEvent.DEFER))},
           scheduled_at = cur.breaker_until, enqueued_at = NULL,
           last_error = 'Circuit breaker open for task type ' || t.task_type
                        || ': deferred without using an attempt'
    FROM cur
    WHERE t.id = cur.id AND cur.breaker_until IS NOT NULL
      AND t.status IN {sql_in(sources(TaskEvent.DEFER))} AND t.scheduled_at <= now()
    RETURNING t.id, t.task_type, t.scheduled_at, t.priority
),
early AS (
    UPDATE tasks t SET enqueued_at = NULL
    FROM cur
    WHERE t.id = cur.id AND t.status IN {sql_in(WAITING)} AND t.scheduled_at > now()
    RETURNING t.id, t.scheduled_at, t.priority
)
SELECT m.id, c.task_type, c.payload, c.current_attempt, c.max_attempts, c.retry_strategy,
       c.timeout_seconds, c.priority, c.started_at, c.created_by,
       COALESCE(d.scheduled_at, e.scheduled_at) AS resend_at,
       COALESCE(d.priority, e.priority) AS resend_priority, d.task_type AS deferred_type,
       cur.status AS seen_status, now() AS db_now
FROM msg m
LEFT JOIN claimed c USING (id)
LEFT JOIN deferred d USING (id)
LEFT JOIN early e USING (id)
LEFT JOIN cur USING (id)
"""  # noqa: S608 - status literals from the state machine

COMPLETE_SQL = f"""
WITH o AS (
    SELECT * FROM jsonb_to_recordset(%(outcomes)s::jsonb) AS x(
        id uuid, attempt int, status text, result jsonb, metadata jsonb, error text,
        delay_ms bigint, outcome text, duration_ms int, started_at timestamptz)
),
done AS (
    UPDATE tasks t SET
        status = o.status,
        result = CASE WHEN o.status = {_COMPLETED} THEN o.result ELSE t.result END,
        metadata = t.metadata || COALESCE(o.metadata, '{{}}'::jsonb),
        last_error = CASE WHEN o.status = {_COMPLETED} THEN t.last_error ELSE o.error END,
        completed_at = CASE WHEN o.status IN {sql_in(FINISHED)} THEN now() END,
        scheduled_at = CASE WHEN o.status = {_RETRYING}
                            THEN now() + o.delay_ms * interval '1 millisecond'
                            ELSE t.scheduled_at END,
        lease_expires_at = NULL,
        enqueued_at = NULL
    FROM o
    WHERE t.id = o.id AND t.status = {_RUNNING} AND t.current_attempt = o.attempt
      AND o.status IN {_OUTCOMES}
    RETURNING t.id, t.status, t.scheduled_at, t.priority
),
attempts AS (
    INSERT INTO task_attempts (task_id, attempt, started_at, outcome, error, duration_ms)
    SELECT o.id, o.attempt, o.started_at, o.outcome, o.error, o.duration_ms
    FROM o JOIN done USING (id)
    ON CONFLICT DO NOTHING
),
breakers AS MATERIALIZED (
    SELECT task_breaker_record(task_type, failures, successes, trailing_failures,
                               %(failure_threshold)s, %(success_threshold)s, %(open_seconds)s)
    FROM (SELECT * FROM jsonb_to_recordset(%(breakers)s::jsonb)
          AS x(task_type text, failures int, successes int, trailing_failures int)
          ORDER BY task_type) b  -- one lock order for every worker
)
SELECT d.id, d.status, d.scheduled_at, d.priority, now() AS db_now,
       (SELECT count(*) FROM breakers) AS breakers_updated
FROM done d
RIGHT JOIN (SELECT 1) one ON true
"""  # noqa: S608 - status literals from the state machine


@dataclass(frozen=True, slots=True)
class Claim:
    """A task this worker now owns, for one attempt."""

    id: UUID
    task_type: str
    payload: Any
    attempt: int
    max_attempts: int
    retry_strategy: dict[str, Any]
    timeout_seconds: int
    priority: str
    started_at: datetime
    created_by: UUID | None = None


@dataclass(frozen=True, slots=True)
class ClaimResult:
    claims: list[Claim]
    # (task id, priority, seconds from now) for tasks to be delayed again
    resend: list[tuple[UUID, str, float]]
    # (task id, task type) of tasks the open circuit breaker sent back to `retrying`
    deferred: list[tuple[UUID, str]]


def claim(task_ids: Sequence[UUID]) -> ClaimResult:
    rows = (
        db.connection()
        .execute(
            CLAIM_SQL,
            {
                "ids": list(task_ids),
                "margin": get_settings().tasks.task_lease_margin_seconds,
                "lease_lost": LEASE_LOST,
            },
        )
        .fetchall()
    )
    claims: list[Claim] = []
    resend: list[tuple[UUID, str, float]] = []
    deferred: list[tuple[UUID, str]] = []
    for r in rows:
        if r["task_type"] is not None:
            claims.append(
                Claim(
                    r["id"],
                    r["task_type"],
                    r["payload"],
                    r["current_attempt"],
                    r["max_attempts"],
                    r["retry_strategy"],
                    r["timeout_seconds"],
                    r["priority"],
                    r["started_at"],
                    r["created_by"],
                )
            )
        elif r["resend_at"] is not None:
            delay = (r["resend_at"] - r["db_now"]).total_seconds()
            resend.append((r["id"], r["resend_priority"], max(0.0, delay)))
            if r["deferred_type"] is not None:
                deferred.append((r["id"], r["deferred_type"]))
    return ClaimResult(claims, resend, deferred)


@dataclass(frozen=True, slots=True)
class Outcome:
    claim: Claim
    status: TaskStatus  # the target of succeed, retry or fail
    outcome: str  # the attempt row's outcome
    duration_ms: int
    result: Any = None
    metadata: dict[str, Any] | None = None
    error: str | None = None
    delay_seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.claim.id),
            "attempt": self.claim.attempt,
            "status": self.status,
            "result": self.result,
            "metadata": self.metadata,
            "error": self.error,
            "delay_ms": round(self.delay_seconds * 1000),
            "outcome": self.outcome,
            "duration_ms": self.duration_ms,
            "started_at": self.claim.started_at.isoformat(),
        }


BREAKER_FAILURES = frozenset({"transient_error", "timeout"})


def breaker_counts(outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    """Per task type: failures, successes, and failures after the last success (in order)."""
    counts: dict[str, dict[str, Any]] = {}
    for o in outcomes:
        c = counts.setdefault(
            o.claim.task_type,
            {"task_type": o.claim.task_type, "failures": 0, "successes": 0, "trailing_failures": 0},
        )
        if o.outcome == "success":
            c["successes"] += 1
            c["trailing_failures"] = 0
        elif o.outcome in BREAKER_FAILURES:
            c["failures"] += 1
            c["trailing_failures"] += 1
    return [c for c in counts.values() if c["failures"] or c["successes"]]


@dataclass(frozen=True, slots=True)
class Completion:
    applied: list[Outcome]  # the outcomes written: not those whose lease was lost meanwhile
    retries: list[tuple[UUID, str, float]]  # (id, priority, delay seconds) to re-enqueue


def complete(outcomes: Sequence[Outcome]) -> Completion:
    """Record outcomes (one round trip)."""
    if not outcomes:
        return Completion([], [])
    s = get_settings()
    rows = (
        db.connection()
        .execute(
            COMPLETE_SQL,
            {
                "outcomes": json.dumps([o.as_json() for o in outcomes]),
                "breakers": json.dumps(breaker_counts(outcomes)),
                "failure_threshold": s.tasks.task_breaker_failure_threshold,
                "success_threshold": s.tasks.task_breaker_success_threshold,
                "open_seconds": s.tasks.task_breaker_open_seconds,
            },
        )
        .fetchall()
    )
    written = {r["id"] for r in rows}
    return Completion(
        [o for o in outcomes if o.claim.id in written],
        [
            (r["id"], r["priority"], max(0.0, (r["scheduled_at"] - r["db_now"]).total_seconds()))
            for r in rows
            if r["status"] == TaskStatus.RETRYING
        ],
    )
