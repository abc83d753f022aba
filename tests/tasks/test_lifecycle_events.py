"""Task lifecycle transitions become monitoring events, tagged with task_id and
task_type, one insert per batch; malformed and dead-lettered deliveries are error events; only
moderators and up can read them (`system-` sources)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from shared.identity.principal import AuthUser
from shared.monitoring import system_events as monitoring
from shared.tasks import claims
from tests.lambda_client import LambdaClient
from tests.tasks.helpers import FAST, sql, submit, task, task_events
from tests.tasks.sqs import Queues
from tools.lambda_events import FakeLambdaContext, scheduled_event, sqs_event, sqs_message

User = tuple[AuthUser, str]


def summary(task_id: uuid.UUID) -> list[tuple[str, str | None, str]]:
    """(status, reason, level) of a task's events, oldest first; checks the tags on the way."""
    rows = task_events(task_id)
    for r in rows:
        assert r["event_type"] == "log"
        assert r["tags"]["task_id"] == str(task_id)
        assert r["tags"]["task_type"] == task(task_id)["task_type"]
    return [(r["tags"]["status"], r["tags"].get("reason"), r["level"]) for r in rows]


def test_a_completed_task(api: LambdaClient, user: User, queues: Queues, worker: Any) -> None:
    response = api.with_token(user[1]).post(
        "/api/v1/tasks", json_body={"task_type": "delay_task", "payload": {"delay_seconds": 0}}
    )
    tid = uuid.UUID(response.json()["data"]["id"])
    queues.pump(worker)
    assert summary(tid) == [("pending", "created", "info"), ("completed", "success", "info")]
    assert task_events(tid)[-1]["message"] == "Task completed on attempt 1"


def test_a_retry_then_success(tasks_db: str, queues: Queues, worker: Any) -> None:
    tid = submit(payload={"transient_failures": 1}, retry_strategy=FAST)
    queues.pump(worker)
    assert summary(tid) == [
        ("pending", "created", "info"),
        ("retrying", "transient_error", "warning"),
        ("completed", "success", "info"),
    ]
    assert task_events(tid)[1]["message"] == (
        "Task retrying in 0.0s after attempt 1 of 3: Task execution error: transient failure 1"
    )


def test_a_permanent_failure(tasks_db: str, queues: Queues, worker: Any) -> None:
    tid = submit(payload={"permanent": True}, retry_strategy=FAST)
    queues.pump(worker)
    assert summary(tid)[-1] == ("failed", "permanent_error", "error")
    assert task_events(tid)[-1]["message"] == (
        "Task failed on attempt 1 of 3: Task execution error: told to fail permanently"
    )


def test_a_timeout(tasks_db: str, queues: Queues, worker: Any) -> None:
    tid = submit(payload={"sleep_seconds": 3}, retry_strategy={"type": "none"}, timeout_seconds=1)
    queues.pump(worker, rounds=1)
    assert summary(tid)[-1] == ("failed", "timeout", "error")


def test_a_deferral_by_the_open_circuit_breaker(tasks_db: str, queues: Queues, worker: Any) -> None:
    sql(
        "INSERT INTO task_circuit_breakers (task_type, state, opened_at, open_until) "
        "VALUES ('test_task', 'open', now(), now() + interval '1 minute')"
    )
    tid = submit(payload={}, retry_strategy=FAST)
    queues.pump(worker, rounds=1)
    assert task(tid)["status"] == "retrying"
    assert summary(tid)[-1] == ("retrying", "deferred", "warning")


def test_a_lease_lost_to_a_crash_recovered_by_the_sweeper(
    tasks_db: str, queues: Queues, sweeper: Any
) -> None:
    retried = submit(payload={}, retry_strategy=FAST)
    exhausted = submit(payload={}, retry_strategy={"type": "none"})
    claims.claim([retried, exhausted])  # the worker dies
    sql("UPDATE tasks SET lease_expires_at = now() - interval '1 second'")
    sweeper(scheduled_event("TaskSweeper"), FakeLambdaContext())
    assert summary(retried)[-1] == ("retrying", "lease_expired", "warning")
    assert summary(exhausted)[-1] == ("failed", "lease_expired", "error")
    assert task_events(exhausted)[-1]["message"] == f"Task failed: {claims.LEASE_LOST}"


def test_a_dlq_reconcile_and_malformed_messages(
    tasks_db: str, queues: Queues, worker: Any, reconciler: Any
) -> None:
    tid = submit(payload={})
    context = FakeLambdaContext()
    dead = sqs_message({"task_id": str(tid)}, receive_count=6)
    garbage = sqs_message("garbage")
    reconciler(sqs_event("TaskDeadLetterQueue", [dead, garbage]), context)
    assert summary(tid)[-1] == ("failed", "delivery_failed", "error")
    assert task_events(tid)[-1]["message"] == "Task failed: delivery failed after 5 receives"
    poison = sqs_message("not json")
    assert worker(sqs_event("TaskQueue", [poison]), context) == {"batchItemFailures": []}
    errors = [
        (e["message"], e["tags"], e["payload"])
        for e in task_events(level="error")
        if "component" in e["tags"]
    ]
    assert errors == [
        (
            "Malformed dead-letter message",
            {"component": "dlq_reconciler", "message_id": garbage.message_id},
            {"body": "garbage"},
        ),
        (
            "Malformed task message",
            {"component": "worker", "message_id": poison.message_id},
            {"body": "not json"},
        ),
    ]


def test_cancel_and_manual_retry(api: LambdaClient, user: User, tasks_db: str) -> None:
    client = api.with_token(user[1])
    cancelled = submit(payload={}, created_by=user[0].id)
    assert client.post(f"/api/v1/tasks/{cancelled}/cancel").status_code == 200
    assert summary(cancelled)[-1] == ("cancelled", None, "info")
    failed = submit(payload={}, created_by=user[0].id)
    sql("UPDATE tasks SET status = 'failed', completed_at = now() WHERE id = %s", failed)
    assert client.post(f"/api/v1/tasks/{failed}/retry").status_code == 200
    assert summary(failed)[-1] == ("pending", "manual_retry", "info")
    refused = client.post(f"/api/v1/tasks/{cancelled}/cancel")  # a 409 changes nothing
    assert refused.status_code == 409 and len(summary(cancelled)) == 2


def test_only_moderators_read_task_events(
    tasks_db: str, queues: Queues, worker: Any, user: User, moderator: User
) -> None:
    from functions.monitoring.handler import handler

    tid = submit(payload={}, created_by=user[0].id)  # even the task's own creator
    queues.pump(worker)
    query = {"source": "system-tasks", "tags": f"task_id:{tid}"}
    as_user = LambdaClient(handler, token=user[1]).get("/api/v1/monitoring/events", params=query)
    assert as_user.status_code == 200 and as_user.json()["data"] == []
    as_mod = LambdaClient(handler, token=moderator[1]).get(
        "/api/v1/monitoring/events", params=query
    )
    assert {e["tags"]["status"] for e in as_mod.json()["data"]} == {"pending", "completed"}
    event_id = as_mod.json()["data"][0]["id"]
    hidden = LambdaClient(handler, token=user[1]).get(f"/api/v1/monitoring/events/{event_id}")
    assert hidden.status_code == 404


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements sent (each execute or pipelined executemany is one round trip)."""
    sent: list[str] = []
    execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany

    def spy(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query).split()[0])
        return execute(self, query, *args, **kwargs)

    def spy_many(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query).split()[0])
        return executemany(self, query, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(psycopg.Cursor, "execute", spy)
        mp.setattr(psycopg.Cursor, "executemany", spy_many)
        yield sent


def test_one_event_insert_per_batch_not_per_task(tasks_db: str, worker: Any) -> None:
    ids = [submit("noop_task", {}) for _ in range(10)]
    event = sqs_event("TaskQueue", [sqs_message({"task_id": str(i)}) for i in ids])
    with statements() as sent:
        assert worker(event, FakeLambdaContext()) == {"batchItemFailures": []}
    assert len(sent) == 3  # claim, complete, the batch's events
    assert {task(i)["status"] for i in ids} == {"completed"}
    assert sum(len(task_events(i)) for i in ids) == 20  # created + completed


def test_events_that_cannot_be_written_never_fail_the_work(
    tasks_db: str, queues: Queues, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(events: Any) -> None:
        raise psycopg.OperationalError("events unavailable")

    monkeypatch.setattr(monitoring, "record_events", broken)
    tid = submit(payload={})
    messages = queues.receive("TaskQueue")
    assert queues.deliver("TaskQueue", worker, messages) == set()  # acknowledged
    assert task(tid)["status"] == "completed" and task_events(tid) == []


def test_transitions_are_counted_as_emf_metrics(tasks_db: str) -> None:
    """The FailedTasksAlarm of template.yaml watches TasksFailed."""
    from shared.observability import metrics
    from shared.tasks import lifecycle
    from shared.tasks.states import TaskStatus

    metrics.clear_metrics()
    lifecycle.record(
        [
            lifecycle.TaskTransition(uuid.uuid4(), "email", TaskStatus.FAILED),
            lifecycle.TaskTransition(uuid.uuid4(), "email", TaskStatus.COMPLETED),
            lifecycle.TaskTransition(uuid.uuid4(), "webhook", TaskStatus.FAILED),
            lifecycle.TaskTransition(uuid.uuid4(), "webhook", TaskStatus.CANCELLED),
        ]
    )
    counted = {name: m["Value"] for name, m in metrics.metric_set.items()}
    metrics.clear_metrics()
    assert counted == {"TasksFailed": [2.0], "TasksCompleted": [1.0]}
