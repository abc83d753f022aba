"""The worker through its real Lambda handler, fed by moto SQS."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import Configure
from tests.tasks import handlers
from tests.tasks.helpers import FAST, attempts, submit, task
from tests.tasks.sqs import Queues


def test_a_task_runs_once_and_keeps_its_result(tasks_db: str, queues: Queues, worker: Any) -> None:
    tid = submit(payload={}, metadata={"tag": "x"})
    queues.pump(worker)
    t = task(tid)
    assert t["status"] == "completed"
    assert t["result"] == {"attempt": 1}
    assert t["metadata"] == {"tag": "x", "handled_by": "test_task"}
    assert t["current_attempt"] == 1
    assert t["completed_at"] is not None and t["lease_expires_at"] is None
    assert [a["outcome"] for a in attempts(tid)] == ["success"]
    assert handlers.runs(tid) == 1


def test_permanent_failure_fails_after_one_attempt(
    tasks_db: str, queues: Queues, worker: Any
) -> None:
    tid = submit(payload={"permanent": True}, retry_strategy=FAST)
    queues.pump(worker)
    t = task(tid)
    assert t["status"] == "failed" and t["current_attempt"] == 1
    assert t["last_error"] == "Task execution error: told to fail permanently"
    assert [a["outcome"] for a in attempts(tid)] == ["permanent_error"]


def test_transient_twice_then_success_follows_the_jittered_strategy(
    tasks_db: str, queues: Queues, worker: Any
) -> None:
    from shared.tasks import retry

    strategy = {
        "type": "exponential",
        "base_delay_seconds": 0.4,
        "multiplier": 2,
        "max_delay_seconds": 10,
        "max_attempts": 5,
        "jitter": True,
    }
    tid = submit(payload={"transient_failures": 2}, retry_strategy=strategy)
    scheduled = [task(tid)["scheduled_at"]]
    for attempt in (1, 2, 3):
        # One attempt per loop. A delivery that arrives before scheduled_at (SQS delays are
        # whole seconds) is only delayed again, so pump until the attempt has happened.
        deadline = time.monotonic() + 30  # bounds a broken run only; not a timing assertion
        while task(tid)["current_attempt"] < attempt or task(tid)["status"] == "running":
            assert time.monotonic() < deadline, task(tid)
            queues.pump(worker, rounds=1, timeout=5)
        scheduled.append(task(tid)["scheduled_at"])
    t = task(tid)
    assert t["status"] == "completed" and t["current_attempt"] == 3
    rows = attempts(tid)
    assert [a["outcome"] for a in rows] == ["transient_error", "transient_error", "success"]
    assert rows[0]["error"] == "Task execution error: transient failure 1"
    parsed = retry.parse(strategy)
    for n in (1, 2):  # the gap after attempt n is measured from that attempt's end
        low, high = retry.delay_bounds(parsed, n)
        gap = (scheduled[n] - rows[n - 1]["finished_at"]).total_seconds()
        assert low - 0.01 <= gap <= high + 0.01, (n, gap, low, high)
    assert handlers.runs(tid) == 3


def test_a_longer_retry_after_replaces_the_strategy_delay(
    tasks_db: str, queues: Queues, worker: Any
) -> None:
    tid = submit(payload={"transient_failures": 1, "retry_after": 1200}, retry_strategy=FAST)
    queues.pump(worker, rounds=1)
    t = task(tid)
    assert t["status"] == "retrying" and t["enqueued_at"] is None  # beyond SQS: the sweeper's
    gap = (t["scheduled_at"] - attempts(tid)[0]["finished_at"]).total_seconds()
    assert 1199 <= gap <= 1201


def test_exhausted_task_fails_and_shows_in_the_dead_letter_view(
    tasks_db: str, queues: Queues, worker: Any
) -> None:
    from shared.identity.principal import Role
    from shared.tasks import service
    from tests.users import create_user

    mod, _ = create_user(Role.MODERATOR)
    tid = submit(payload={"transient_failures": 10}, retry_strategy=FAST)
    queues.pump(worker)
    t = task(tid)
    assert t["status"] == "failed" and t["current_attempt"] == 3
    assert t["last_error"] == "Task execution error: transient failure 3"
    assert [a["outcome"] for a in attempts(tid)] == ["transient_error"] * 3
    assert [t.id for t in service.dead_letter(mod, 10, 0)] == [tid]


def test_invalid_payload_is_a_permanent_error_naming_the_field(
    tasks_db: str, queues: Queues, worker: Any
) -> None:
    tid = submit("delay_task", {"delay_seconds": "soon"})
    queues.pump(worker)
    t = task(tid)
    assert t["status"] == "failed" and t["current_attempt"] == 1
    assert "delay_seconds" in t["last_error"] and "Invalid payload" in t["last_error"]


def test_task_type_without_handler_fails_permanently(
    tasks_db: str, queues: Queues, worker: Any
) -> None:
    from tests.tasks.helpers import sql

    sql("INSERT INTO task_types (task_type) VALUES ('orphan')")
    tid = submit("orphan", {})
    queues.pump(worker)
    t = task(tid)
    assert t["status"] == "failed"
    assert t["last_error"] == "Task execution error: No handler registered for task type: orphan"


def test_delay_task_result_per_spec(tasks_db: str, queues: Queues, worker: Any) -> None:
    tid = submit("delay_task", {"delay_seconds": 0, "task_id": "t-1", "test_scenario": "s"})
    late = submit(
        "delay_task", {"delay_seconds": 5, "task_id": "t-2", "deadline": "2000-01-01T00:00:00Z"}
    )
    queues.pump(worker)
    result = task(tid)["result"]
    assert {
        k: result[k] for k in ("task_id", "delay_seconds", "test_scenario", "attempt", "status")
    } == {
        "task_id": "t-1",
        "delay_seconds": 0,
        "test_scenario": "s",
        "attempt": 1,
        "status": "completed",
    }
    assert result["completed_at"].endswith("Z")
    assert task(late)["status"] == "failed"
    assert "Task t-2 missed deadline" in task(late)["last_error"]


def test_handler_is_cut_off_at_the_lambda_deadline(
    configure: Configure, tasks_db: str, queues: Queues, worker: Any, monkeypatch: Any
) -> None:
    from tools.lambda_events import FakeLambdaContext

    configure(WORKER_DEADLINE_MARGIN_SECONDS="0.5")
    tid = submit(payload={"sleep_seconds": 3}, retry_strategy=FAST)
    messages = queues.receive("TaskQueue")
    queues.deliver("TaskQueue", worker, messages, FakeLambdaContext(timeout_seconds=1.0))
    t = task(tid)
    assert t["status"] == "retrying" and t["current_attempt"] == 1
    assert t["last_error"].startswith("Task execution timed out after 0.")
    assert attempts(tid)[0]["outcome"] == "timeout"


def test_task_timeout_cuts_off_the_handler(tasks_db: str, queues: Queues, worker: Any) -> None:
    tid = submit(payload={"sleep_seconds": 3}, retry_strategy={"type": "none"}, timeout_seconds=1)
    queues.pump(worker, rounds=1)
    t = task(tid)
    assert t["status"] == "failed"
    assert t["last_error"].startswith("Task execution timed out after 1.")
