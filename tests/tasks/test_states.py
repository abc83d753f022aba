"""The task state machine: the table itself, then every (status, event) pair walked through the
real code path that performs the event. A legal transition lands on the table's target; an
illegal one leaves the task as it was (or answers 409 where the API performs it)."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shared import db
from shared.errors import Conflict
from shared.identity.principal import AuthUser, Role
from shared.tasks import claims, reconciler, service, states
from shared.tasks.states import FINISHED, TRANSITIONS, WAITING, TaskEvent, TaskStatus
from tools.lambda_events import sqs_event, sqs_message

PAIRS = list(itertools.product(TaskStatus, TaskEvent))


@pytest.mark.parametrize(("status", "event"), PAIRS, ids=lambda v: str(v))
def test_apply_follows_the_table(status: TaskStatus, event: TaskEvent) -> None:
    if (status, event) in TRANSITIONS:
        assert states.apply(status, event) is TRANSITIONS[status, event]
    else:
        with pytest.raises(Conflict, match=f"its status is '{status}'"):
            states.apply(status, event)


def test_every_event_has_one_target_and_finished_statuses_only_leave_by_manual_retry() -> None:
    for event in TaskEvent:
        assert states.sources(event)
        assert states.target(event) in TaskStatus
    leaving_finished = {e for (s, e) in TRANSITIONS if s in FINISHED}
    assert leaving_finished == {TaskEvent.MANUAL_RETRY}
    assert states.sources(TaskEvent.CLAIM) == WAITING


def test_sql_fragments_list_statuses_in_declaration_order() -> None:
    assert states.sql_in([TaskStatus.RETRYING, TaskStatus.PENDING]) == "('pending', 'retrying')"
    assert states.sql_literal(TaskStatus.FAILED) == "'failed'"


# ---- the same table, through the SQL that performs each event ----------------------------


def _task(status: TaskStatus, *, lease_expired: bool = False) -> UUID:
    """A due `delay_task` in `status`, one attempt used of three (running: with its lease)."""
    lease = datetime.now(UTC) + (timedelta(minutes=-1) if lease_expired else timedelta(hours=1))
    row = (
        db.connection()
        .execute(
            """INSERT INTO tasks (task_type, status, payload, current_attempt, max_attempts,
                                  scheduled_at, started_at, lease_expires_at, completed_at)
               VALUES ('delay_task', %(s)s, '{}', 1, 3, now() - interval '1 second', now(),
                       CASE WHEN %(s)s = 'running' THEN %(lease)s END,
                       CASE WHEN %(s)s IN ('completed', 'failed', 'cancelled') THEN now() END)
               RETURNING id""",
            {"s": status.value, "lease": lease},
        )
        .fetchone()
    )
    assert row is not None
    return UUID(str(row["id"]))


def _status(task_id: UUID) -> TaskStatus:
    row = db.connection().execute("SELECT status FROM tasks WHERE id = %s", (task_id,)).fetchone()
    assert row is not None
    return TaskStatus(row["status"])


def _complete(target: TaskStatus) -> Callable[[UUID], None]:
    def run(task_id: UUID) -> None:
        claim = claims.Claim(task_id, "delay_task", {}, 1, 3, {}, 60, "normal", datetime.now(UTC))
        claims.complete([claims.Outcome(claim, target, "success", 1, delay_seconds=5)])

    return run


def _open_breaker_then_claim(task_id: UUID) -> None:
    db.connection().execute(
        """INSERT INTO task_circuit_breakers (task_type, state, open_until)
           VALUES ('delay_task', 'open', now() + interval '1 minute')
           ON CONFLICT (task_type) DO UPDATE SET state = 'open', open_until = EXCLUDED.open_until"""
    )
    claims.claim([task_id])


def _dead_letter(task_id: UUID) -> None:
    event = sqs_event("TaskDeadLetterQueue", [sqs_message({"task_id": str(task_id)}, 6)])
    reconciler.reconcile([SQSRecord(r) for r in event["Records"]], 30.0)


def _cancel_as_admin(task_id: UUID) -> None:
    admin = AuthUser(id=UUID(int=1), username="admin", email="a@example.com", role=Role.ADMIN)
    with contextlib.suppress(Conflict):  # the API's answer to an illegal cancel: 409
        service.cancel(admin, task_id)


def _manual_retry(task_id: UUID) -> None:
    service.retry_failed([task_id])


PERFORM: dict[TaskEvent, Callable[[UUID], None]] = {
    TaskEvent.CLAIM: lambda task_id: claims.claim([task_id]),
    TaskEvent.RECLAIM: lambda task_id: claims.claim([task_id]),
    TaskEvent.DEFER: _open_breaker_then_claim,
    TaskEvent.SUCCEED: _complete(TaskStatus.COMPLETED),
    TaskEvent.RETRY: _complete(TaskStatus.RETRYING),
    TaskEvent.FAIL: _complete(TaskStatus.FAILED),
    TaskEvent.CANCEL: _cancel_as_admin,
    TaskEvent.DEAD_LETTER: _dead_letter,
    TaskEvent.MANUAL_RETRY: _manual_retry,
}


# One statement claims and reclaims: for a waiting task it performs CLAIM (walked above).
WALKED = [(s, e) for s, e in PAIRS if not (e is TaskEvent.RECLAIM and s in WAITING)]


@pytest.mark.parametrize(("status", "event"), WALKED, ids=lambda v: str(v))
def test_each_transition_through_its_sql(
    tasks_db: str, status: TaskStatus, event: TaskEvent
) -> None:
    task_id = _task(status, lease_expired=event is TaskEvent.RECLAIM)
    PERFORM[event](task_id)
    assert _status(task_id) is TRANSITIONS.get((status, event), status)


def test_results_and_history_survive_the_walk(tasks_db: str) -> None:
    """A task walked pending → running → retrying → running → completed keeps one attempt row
    per finished attempt and its result."""
    task_id = _task(TaskStatus.PENDING)
    claims.claim([task_id])
    claim = claims.Claim(task_id, "delay_task", {}, 2, 3, {}, 60, "normal", datetime.now(UTC))
    claims.complete([claims.Outcome(claim, TaskStatus.RETRYING, "transient_error", 1, error="x")])
    db.connection().execute("UPDATE tasks SET scheduled_at = now() WHERE id = %s", (task_id,))
    claims.claim([task_id])
    claim = claims.Claim(task_id, "delay_task", {}, 3, 3, {}, 60, "normal", datetime.now(UTC))
    claims.complete([claims.Outcome(claim, TaskStatus.COMPLETED, "success", 1, result={"ok": 1})])
    row = (
        db.connection()
        .execute(
            "SELECT status, result, (SELECT count(*) FROM task_attempts WHERE task_id = t.id) AS n"
            " FROM tasks t WHERE id = %s",
            (task_id,),
        )
        .fetchone()
    )
    assert row is not None
    assert (row["status"], row["result"], row["n"]) == ("completed", {"ok": 1}, 2)
    assert json.dumps(row["result"]) == '{"ok": 1}'
