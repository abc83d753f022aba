"""Nothing lost, nothing run twice: duplicates, races, crashes, outbox failures, database outages,
poison messages, the DLQ, the circuit breaker, priority and scheduling."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from shared import db
from shared.tasks import claims, service
from tests.conftest import Configure
from tests.tasks import handlers
from tests.tasks.helpers import FAST, attempts, sql, submit, task, task_events
from tests.tasks.sqs import Queues
from tools.lambda_events import FakeLambdaContext, scheduled_event


def sweep(sweeper: Any) -> dict[str, int]:
    from tools.lambda_events import FakeLambdaContext

    result: dict[str, int] = sweeper(scheduled_event("TaskSweeper"), FakeLambdaContext())
    return result


def test_the_same_message_twice_runs_once(tasks_db: str, queues: Queues, worker: Any) -> None:
    tid = submit(payload={})
    body = f'{{"task_id": "{tid}"}}'
    queues.send_raw("TaskQueue", body)
    messages = queues.receive("TaskQueue")
    assert len(messages) == 2
    assert queues.deliver("TaskQueue", worker, messages) == set()  # both in one batch
    queues.send_raw("TaskQueue", body)
    queues.pump(worker)  # and again later
    assert handlers.runs(tid) == 1
    assert task(tid)["status"] == "completed" and task(tid)["current_attempt"] == 1


def test_two_racing_claims_have_one_winner(tasks_db: str) -> None:
    """Two workers on their own connections claim the same task at the same moment."""
    tid = submit(payload={})
    barrier = threading.Barrier(2)
    won: list[int] = []

    def worker_claim() -> None:
        with psycopg.connect(tasks_db, autocommit=True, row_factory=dict_row) as conn:
            barrier.wait()
            rows = conn.execute(
                claims.CLAIM_SQL, {"ids": [tid], "margin": 30, "lease_lost": "x"}
            ).fetchall()
            won.extend(1 for r in rows if r["task_type"] is not None)

    threads = [threading.Thread(target=worker_claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(won) == 1
    assert task(tid)["current_attempt"] == 1


def test_a_held_claim_makes_the_racing_worker_acknowledge(
    tasks_db: str, queues: Queues, worker: Any
) -> None:
    tid = submit(payload={})
    messages = queues.receive("TaskQueue")
    result: dict[str, Any] = {}
    with psycopg.connect(tasks_db, row_factory=dict_row) as other:  # worker A, mid-claim
        other.execute(claims.CLAIM_SQL, {"ids": [tid], "margin": 30, "lease_lost": "x"})
        runner = threading.Thread(
            target=lambda: result.update(failed=queues.deliver("TaskQueue", worker, messages))
        )
        runner.start()  # worker B blocks on the row lock
        time.sleep(0.3)
        other.commit()
        runner.join()
    assert result["failed"] == set()  # acknowledged: A owns the lease
    assert handlers.runs(tid) == 0 and task(tid)["status"] == "running"


def test_crash_recovery_through_lease_expiry_and_the_sweeper(
    tasks_db: str, queues: Queues, worker: Any, sweeper: Any
) -> None:
    tid = submit(payload={}, retry_strategy=FAST)
    messages = queues.receive("TaskQueue")
    claims.claim([tid])  # a worker claims the task, then dies before finishing
    queues.deliver(
        "TaskQueue",
        lambda e, c: {"batchItemFailures": [{"itemIdentifier": m.message_id} for m in messages]},
        messages,
    )  # it never acked
    queues.pump(worker)  # redelivered while the lease is valid: acknowledged, not run
    assert handlers.runs(tid) == 0 and task(tid)["status"] == "running"
    sql("UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = %s", tid)
    assert sweep(sweeper) == {"recovered": 1, "failed": 0, "sent": 1}
    assert task(tid)["status"] == "retrying"
    queues.pump(worker)
    t = task(tid)
    assert t["status"] == "completed" and t["current_attempt"] == 2
    assert [a["outcome"] for a in attempts(tid)] == ["lease_expired", "success"]
    assert handlers.runs(tid) == 1


def test_a_redelivered_message_reclaims_an_expired_lease(
    tasks_db: str, queues: Queues, worker: Any
) -> None:
    tid = submit(payload={}, retry_strategy=FAST)
    claims.claim([tid])
    sql("UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = %s", tid)
    queues.pump(worker)
    assert task(tid)["status"] == "completed" and task(tid)["current_attempt"] == 2
    assert [a["outcome"] for a in attempts(tid)] == ["lease_expired", "success"]


def test_expired_lease_without_attempts_left_fails(
    tasks_db: str, queues: Queues, sweeper: Any
) -> None:
    tid = submit(payload={}, retry_strategy={"type": "none"})
    claims.claim([tid])
    sql("UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = %s", tid)
    assert sweep(sweeper)["failed"] == 1
    t = task(tid)
    assert t["status"] == "failed" and t["last_error"] == claims.LEASE_LOST


def test_outbox_send_failure_still_answers_and_the_sweeper_enqueues(
    tasks_db: str, queues: Queues, worker: Any, sweeper: Any, configure: Configure
) -> None:
    from functions.tasks.handler import handler
    from tests.lambda_client import LambdaClient
    from tests.users import create_user

    _, token = create_user()
    configure(TASK_QUEUE_URL=queues.urls["TaskQueue"] + "-missing")
    response = LambdaClient(handler, token=token).post(
        "/api/v1/tasks", json_body={"task_type": "test_task", "payload": {}}
    )
    assert response.status_code == 200
    tid = uuid.UUID(response.json()["data"]["id"])
    assert task(tid)["enqueued_at"] is None and queues.count("TaskQueue") == 0
    configure(TASK_QUEUE_URL=queues.urls["TaskQueue"])
    assert sweep(sweeper)["sent"] == 1
    assert sweep(sweeper)["sent"] == 0  # twice is harmless
    queues.pump(worker)
    assert task(tid)["status"] == "completed" and handlers.runs(tid) == 1


@pytest.fixture
def database_outage(tasks_db: str, configure: Configure) -> Iterator[Any]:
    """`down()` points the worker at a port where nothing listens; `up()` restores it."""
    from tools import pg

    def down() -> None:
        configure(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{pg.free_port()}/x")
        db.reset()

    def up() -> None:
        configure(DATABASE_URL=tasks_db)
        db.reset()

    yield down, up
    up()


def test_database_down_before_the_claim(
    tasks_db: str, queues: Queues, worker: Any, database_outage: Any
) -> None:
    down, up = database_outage
    ids = [submit(payload={}) for _ in range(4)]
    messages = queues.receive("TaskQueue")
    down()
    failed = queues.deliver("TaskQueue", worker, messages)
    assert failed == {m.message_id for m in messages}  # every record reported, none lost
    up()
    assert queues.count("TaskQueue") == 4  # the messages came back
    queues.pump(worker)
    assert {task(t)["status"] for t in ids} == {"completed"}
    assert handlers.runs() == 4


def test_database_down_mid_batch(
    tasks_db: str, queues: Queues, worker: Any, sweeper: Any, database_outage: Any
) -> None:
    down, up = database_outage
    ids = [submit(payload={}, retry_strategy=FAST) for _ in range(3)]
    ids.append(submit(payload={"call_hook": True, "sleep_seconds": 0.2}, retry_strategy=FAST))
    handlers.hook = down  # the database goes away while the batch runs
    try:
        messages = queues.receive("TaskQueue")
        failed = queues.deliver("TaskQueue", worker, messages)
    finally:
        handlers.hook = None
    assert failed == {m.message_id for m in messages}
    up()
    queues.pump(worker)  # redelivered: the tasks are leased, so acknowledged
    assert {task(t)["status"] for t in ids} == {"running"}
    sql("UPDATE tasks SET lease_expires_at = now() - interval '1 second'")
    sweep(sweeper)
    queues.pump(worker)
    assert {task(t)["status"] for t in ids} == {"completed"}  # none lost


def test_poison_messages_are_acknowledged_and_recorded(
    tasks_db: str, queues: Queues, worker: Any
) -> None:
    for body in ("not json", '{"task_id": "nope"}', "[]", '{"other": 1}'):
        queues.send_raw("TaskQueue", body)
    tid = submit(payload={})
    queues.pump(worker)
    assert queues.count("TaskQueue") == 0  # nothing comes back
    rows = task_events(level="error")
    assert len(rows) == 4 and {r["tags"]["component"] for r in rows} == {"worker"}
    assert {r["message"] for r in rows} == {"Malformed task message"}
    assert "not json" in {r["payload"]["body"] for r in rows}
    assert task(tid)["status"] == "completed"


def test_unknown_task_id_is_acknowledged(tasks_db: str, queues: Queues, worker: Any) -> None:
    queues.send_raw("TaskQueue", f'{{"task_id": "{uuid.uuid4()}"}}')
    queues.pump(worker)
    assert queues.count("TaskQueue") == 0


def test_dlq_reconciler_marks_the_task_failed(
    tasks_db: str, queues: Queues, reconciler: Any
) -> None:
    tid = submit(payload={})
    done = submit(payload={})
    sql("UPDATE tasks SET status = 'completed' WHERE id = %s", done)
    queues.send_raw("TaskQueue", f'{{"task_id": "{done}"}}')
    for _ in range(5):  # the worker died on each delivery
        for m in queues.receive("TaskQueue"):
            queues.client.change_message_visibility(
                QueueUrl=queues.urls["TaskQueue"],
                ReceiptHandle=m.receipt_handle,
                VisibilityTimeout=0,
            )
    assert queues.receive("TaskQueue") == []  # moved by the redrive policy
    queues.send_raw("TaskDeadLetterQueue", "garbage")
    dead = queues.receive("TaskDeadLetterQueue")
    assert len(dead) == 4  # two for tid and done at submit, the stray one, the garbage
    assert queues.deliver("TaskDeadLetterQueue", reconciler, dead) == set()
    t = task(tid)
    assert t["status"] == "failed" and t["completed_at"] is not None
    assert t["last_error"] == "delivery failed after 5 receives"  # maxReceiveCount
    assert task(done)["status"] == "completed"  # already finished: dropped
    errors = task_events(level="error")
    assert {(e["tags"].get("component"), e["tags"].get("task_id")) for e in errors} == {
        ("dlq_reconciler", None),
        (None, str(tid)),
    }


def test_priority_queue_is_drained_first(tasks_db: str, queues: Queues, worker: Any) -> None:
    normal = [submit(payload={}) for _ in range(12)]
    critical = submit(payload={}, priority="critical")
    queues.pump(worker)
    started = {t: task(t)["started_at"] for t in [*normal, critical]}
    assert min(started, key=lambda t: started[t]) == critical


def test_a_task_20_minutes_ahead_runs_only_once_due(
    tasks_db: str, queues: Queues, worker: Any, sweeper: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    tid = submit(payload={}, scheduled_at=datetime.now(UTC) + timedelta(minutes=20))
    assert queues.count("TaskQueue") == 0 and task(tid)["enqueued_at"] is None
    assert sweep(sweeper)["sent"] == 0
    queues.send_raw("TaskQueue", f'{{"task_id": "{tid}"}}')  # a stray early message
    queues.pump(worker)
    assert task(tid)["status"] == "pending" and handlers.runs(tid) == 0
    sql("UPDATE tasks SET scheduled_at = now() - interval '1 second' WHERE id = %s", tid)
    assert sweep(sweeper)["sent"] == 1
    queues.pump(worker)
    assert task(tid)["status"] == "completed" and handlers.runs(tid) == 1


def test_an_early_message_is_delayed_again(tasks_db: str, queues: Queues, worker: Any) -> None:
    from datetime import UTC, datetime, timedelta

    tid = submit(payload={}, scheduled_at=datetime.now(UTC) + timedelta(seconds=1.5))
    queues.send_raw("TaskQueue", f'{{"task_id": "{tid}"}}')  # arrives at once
    queues.pump(worker, until_empty_for=0.1, timeout=10)
    assert task(tid)["status"] == "completed" and handlers.runs(tid) == 1


def test_sweeper_skips_rows_another_sweeper_holds(
    tasks_db: str, queues: Queues, sweeper: Any
) -> None:
    tid = submit(payload={})
    sql("UPDATE tasks SET enqueued_at = NULL WHERE id = %s", tid)
    with psycopg.connect(tasks_db) as other:
        other.execute("SELECT 1 FROM tasks WHERE id = %s FOR UPDATE", (tid,))
        assert sweep(sweeper)["sent"] == 0
    assert sweep(sweeper)["sent"] == 1
    assert sweep(sweeper)["sent"] == 0


def test_the_sweeper_sends_a_backlog_in_short_transactions(
    tasks_db: str, queues: Queues, sweeper: Any, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """250 unsent tasks go out in chunks of 100, each committed before the next is locked: a
    worker claiming a task of the first chunk does not wait for the whole backlog."""
    from shared.tasks import queue
    from shared.tasks.sweeper import SEND_CHUNK

    ids = [submit(payload={}) for _ in range(250)]
    sql("UPDATE tasks SET enqueued_at = NULL, updated_at = now() - interval '1 hour'")
    seen_committed: list[int] = []
    original = queue.send

    def send_and_look(messages: Any) -> list[uuid.UUID]:
        sent = original(messages)
        with psycopg.connect(tasks_db) as other:  # what another session sees mid-sweep
            row = other.execute("SELECT count(enqueued_at) FROM tasks").fetchone()
            seen_committed.append(row[0] if row else -1)
        return sent

    monkeypatch.setattr(queue, "send", send_and_look)
    assert sweep(sweeper)["sent"] == 250
    monkeypatch.undo()
    assert seen_committed == [0, SEND_CHUNK, 2 * SEND_CHUNK]
    queues.pump(worker)
    assert {task(t)["status"] for t in ids} == {"completed"}


def _breaker() -> dict[str, Any]:
    row = (
        db.connection()
        .execute("SELECT * FROM task_circuit_breakers WHERE task_type = 'test_task'")
        .fetchone()
    )
    assert row is not None
    return row


def test_circuit_breaker_opens_defers_half_opens_and_closes(
    tasks_db: str, queues: Queues, worker: Any, configure: Configure
) -> None:
    configure(TASK_BREAKER_OPEN_SECONDS="1.5")
    failing = [
        submit(payload={"transient_failures": 9}, retry_strategy={"type": "none"}) for _ in range(5)
    ]
    queues.pump(worker)
    assert {task(t)["status"] for t in failing} == {"failed"}
    assert _breaker()["state"] == "open"
    deferred = [submit(payload={}, retry_strategy=FAST) for _ in range(3)]
    queues.pump(worker, rounds=1)
    for t in map(task, deferred):
        assert t["status"] == "retrying" and t["current_attempt"] == 0  # no attempt used
        assert "Circuit breaker open" in t["last_error"]
        assert t["scheduled_at"] == _breaker()["open_until"]
    assert handlers.runs() == 5
    queues.pump(worker, until_empty_for=0.2, timeout=10)  # after the open period: half-open
    assert {task(t)["status"] for t in deferred} == {"completed"}
    assert {task(t)["current_attempt"] for t in deferred} == {1}
    b = _breaker()
    assert b["state"] == "closed" and b["total_successes"] == 3 and b["total_failures"] == 5


def test_a_failure_while_half_open_reopens(tasks_db: str, queues: Queues, worker: Any) -> None:
    sql(
        "INSERT INTO task_circuit_breakers (task_type, state, opened_at, open_until) "
        "VALUES ('test_task', 'open', now() - interval '2 minutes', now() - interval '1 minute')"
    )
    submit(payload={"transient_failures": 1}, retry_strategy={"type": "none"})
    queues.pump(worker)
    b = _breaker()
    assert b["state"] == "open" and b["open_until"] > b["opened_at"]


def test_successes_reset_the_failure_count(tasks_db: str, queues: Queues, worker: Any) -> None:
    for _ in range(4):
        submit(payload={"transient_failures": 1}, retry_strategy={"type": "none"})
    queues.pump(worker)
    submit(payload={})
    queues.pump(worker)
    for _ in range(4):
        submit(payload={"transient_failures": 1}, retry_strategy={"type": "none"})
    queues.pump(worker)
    assert _breaker()["state"] == "closed" and _breaker()["failure_count"] == 4


def test_retention_deletes_old_finished_tasks(tasks_db: str) -> None:
    from datetime import UTC, datetime, timedelta

    from shared.tasks.states import FINISHED

    old_done, old_pending, recent = (submit(payload={}) for _ in range(3))
    sql(
        "UPDATE tasks SET status = 'completed', completed_at = now() - interval '40 days' "
        "WHERE id = %s",
        old_done,
    )
    sql("UPDATE tasks SET created_at = now() - interval '40 days' WHERE id = %s", old_pending)
    sql("UPDATE tasks SET status = 'failed', completed_at = now() WHERE id = %s", recent)
    cutoff = datetime.now(UTC) - timedelta(days=30)
    deleted = sum(service.delete_finished(FINISHED, cutoff))
    assert deleted == 1
    remaining = {r["id"] for r in db.connection().execute("SELECT id FROM tasks").fetchall()}
    assert remaining == {old_pending, recent}


# ---- stranded tasks ------------------------------------------------------------------------


def test_a_failed_claim_makes_the_batch_visible_again_soon(
    tasks_db: str, queues: Queues, worker: Any, database_outage: Any, configure: Configure
) -> None:
    """Without the shortened redelivery the messages would wait out the queue's 90 minutes."""
    from tools.lambda_events import sqs_event

    configure(TASK_REDELIVERY_BASE_SECONDS="0")  # "soon" is now: no waiting in a test
    down, up = database_outage
    ids = [submit(payload={}) for _ in range(3)]
    messages = queues.receive("TaskQueue")
    assert queues.receive("TaskQueue") == []  # in flight: invisible for the visibility timeout
    down()
    response = worker(sqs_event("TaskQueue", messages), FakeLambdaContext())
    assert len(response["batchItemFailures"]) == 3
    up()
    again = queues.receive("TaskQueue")
    assert {m.body for m in again} == {m.body for m in messages}
    queues.deliver("TaskQueue", worker, again)
    assert {task(t)["status"] for t in ids} == {"completed"}


def test_the_sweeper_resends_a_due_task_whose_message_was_lost(
    tasks_db: str, queues: Queues, worker: Any, sweeper: Any
) -> None:
    lost, recent = submit(payload={}), submit(payload={})
    for m in queues.receive("TaskQueue"):  # the queue loses both messages
        queues.client.delete_message(
            QueueUrl=queues.urls["TaskQueue"], ReceiptHandle=m.receipt_handle
        )
    sql("UPDATE tasks SET enqueued_at = now() - interval '11 minutes' WHERE id = %s", lost)
    sweeper(scheduled_event("sweeper"), FakeLambdaContext())
    sweeper(scheduled_event("sweeper"), FakeLambdaContext())  # a second run sends nothing more
    resent = queues.receive("TaskQueue")
    assert [m.body for m in resent] == [json.dumps({"task_id": str(lost)})]
    assert task(lost)["enqueued_at"] > task(recent)["enqueued_at"]  # refreshed
    queues.deliver("TaskQueue", worker, resent)
    assert task(lost)["status"] == "completed" and task(recent)["status"] == "pending"


def test_a_restarted_local_stack_sends_waiting_tasks_again(tasks_db: str, queues: Queues) -> None:
    from shared.tasks import outbox

    waiting, running = submit(payload={}), submit(payload={})
    sql("UPDATE tasks SET status = 'running' WHERE id = %s", running)
    assert outbox.forget_sent(tasks_db) == 1
    assert task(waiting)["enqueued_at"] is None and task(running)["enqueued_at"] is not None
