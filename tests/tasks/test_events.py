"""The sample events in events/ for the task functions (`sam local invoke`) work through the real
handlers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

from tests.tasks.helpers import sql, task
from tests.tasks.sqs import Queues
from tools.lambda_events import FakeLambdaContext

EVENTS = Path(__file__).resolve().parents[2] / "events"
SAMPLE_TASK = UUID("00000000-0000-4000-8000-000000000001")


def context() -> Any:
    return FakeLambdaContext()


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


def test_tasks_types_event(tasks_db: str) -> None:
    from functions.tasks.handler import handler

    response = handler(event("tasks-types.json"), context())
    assert response["statusCode"] == 200
    assert "delay_task" in {t["task_type"] for t in json.loads(response["body"])["data"]}


def test_worker_event_runs_the_sample_task(tasks_db: str, queues: Queues, worker: Any) -> None:
    sql(
        "INSERT INTO tasks (id, task_type, payload) VALUES (%s, 'delay_task', "
        "'{\"delay_seconds\": 0}')",
        SAMPLE_TASK,
    )
    assert worker(event("worker-sqs.json"), context()) == {"batchItemFailures": []}
    assert task(SAMPLE_TASK)["status"] == "completed"


def test_sweeper_event(tasks_db: str, queues: Queues, sweeper: Any) -> None:
    assert sweeper(event("sweeper.json"), context()) == {"recovered": 0, "failed": 0, "sent": 0}


def test_dlq_event_fails_the_sample_task(tasks_db: str, reconciler: Any) -> None:
    sql("INSERT INTO tasks (id, task_type, payload) VALUES (%s, 'delay_task', '{}')", SAMPLE_TASK)
    assert reconciler(event("dlq-reconciler.json"), context()) == {"batchItemFailures": []}
    assert task(SAMPLE_TASK)["last_error"] == "delivery failed after 5 receives"


def test_cleanup_runs_the_task_retention_step(tasks_db: str) -> None:
    from functions.cleanup.handler import handler

    sql(
        "INSERT INTO tasks (task_type, status, completed_at) "
        "VALUES ('delay_task', 'completed', now() - interval '400 days')"
    )
    result = handler(event("cleanup.json"), context())
    assert result["finished_tasks"] == 1
