"""health-check (exit 0/1) and `tasks submit`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from shared import db
from tests.cli.conftest import Invoke, parse
from tests.conftest import Configure
from tests.tasks.sqs import Queues


def test_health_check_healthy(tasks_db: str, cli: Invoke) -> None:
    result = cli("health-check")
    assert result.exit_code == 0
    assert "database: healthy" in result.stdout and "status: healthy" in result.stdout
    report = parse(cli("health-check", "--json"))
    assert report["status"] == "healthy"
    assert report["checks"]["schema"]["status"] == "healthy"


def test_health_check_unreachable(unreachable_database: str, cli: Invoke) -> None:
    result = cli("health-check", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["checks"]["database"]["status"] == "unhealthy"


def test_health_check_without_schema(empty_database_url: str, cli: Invoke) -> None:
    result = cli("health-check")
    assert result.exit_code == 1
    assert "schema: unhealthy" in result.stdout


def test_submit_from_a_file(tasks_db: str, cli: Invoke, tmp_path: Path) -> None:
    payload = tmp_path / "payload.json"
    payload.write_text(json.dumps({"data": [1, 2, 3], "operation": "sum"}))
    row = parse(
        cli(
            "tasks",
            "submit",
            "data_processing",
            "--payload",
            f"@{payload}",
            "--priority",
            "high",
            "--json",
        )
    )
    stored = (
        db.connection()
        .execute(
            "SELECT task_type, payload, priority, created_by FROM tasks WHERE id = %s", (row["id"],)
        )
        .fetchone()
    )
    assert stored == {
        "task_type": "data_processing",
        "payload": {"data": [1, 2, 3], "operation": "sum"},
        "priority": "high",
        "created_by": None,
    }


def test_submit_inline_json(tasks_db: str, cli: Invoke) -> None:
    result = cli("tasks", "submit", "delay_task", "--payload", '{"delay_seconds": 0}')
    assert result.exit_code == 0 and result.stdout.startswith("submitted ")


def test_submit_bad_input(tasks_db: str, cli: Invoke, tmp_path: Path) -> None:
    bad = cli("tasks", "submit", "delay_task", "--payload", "{not json")
    assert bad.exit_code == 2 and "not valid JSON" in bad.output
    missing = cli("tasks", "submit", "delay_task", "--payload", f"@{tmp_path}/nope.json")
    assert missing.exit_code == 2 and "cannot read" in missing.output
    unknown = cli("tasks", "submit", "no_such_type")
    assert unknown.exit_code == 1 and "is not registered" in unknown.stderr
    priority = cli("tasks", "submit", "delay_task", "--priority", "urgent")
    assert priority.exit_code == 2
    assert db.connection().execute("SELECT count(*) AS n FROM tasks").fetchone() == {"n": 0}


def test_export_openapi_and_migrate_status(tasks_db: str, cli: Invoke, tmp_path: Path) -> None:
    target = tmp_path / "docs" / "openapi.json"
    assert cli("export-openapi", "--output", str(target)).exit_code == 0
    assert json.loads(target.read_text())["openapi"].startswith("3.")
    status = cli("migrate", "status")
    assert status.exit_code == 0 and "0001_foundation" in status.stdout


def test_submit_json_is_the_only_thing_on_stdout(tasks_db: str, cli: Invoke) -> None:
    """No queue is configured here, so the send logs a warning: on stderr, not in the JSON."""
    result = cli("tasks", "submit", "delay_task", "--payload", '{"delay_seconds": 0}', "--json")
    assert json.loads(result.stdout)["task_type"] == "delay_task"
    assert "task queue URL not configured" in result.stderr


def test_submit_sends_to_a_running_stacks_queue(
    tasks_db: str,
    queues: Queues,
    cli: Invoke,
    configure: Configure,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without DATABASE_URL, the CLI uses a running local stack's database and queues, so the
    task is on the stack's queue at once (not after the next sweep)."""
    from tools.devstack import stack

    state = tmp_path / "stack.json"
    environment = {
        "DATABASE_URL": tasks_db,
        "TASK_QUEUE_URL": queues.urls["TaskQueue"],
        "PRIORITY_TASK_QUEUE_URL": queues.urls["PriorityTaskQueue"],
    }
    state.write_text(json.dumps({"pid": os.getpid(), "api": "-", "environment": environment}))
    monkeypatch.setattr(stack, "STATE_FILE", state)
    configure(DATABASE_URL=None, TASK_QUEUE_URL=None, PRIORITY_TASK_QUEUE_URL=None)
    row = parse(cli("tasks", "submit", "delay_task", "--payload", "{}", "--json"))
    [message] = queues.receive("TaskQueue")
    assert json.loads(message.body) == {"task_id": row["id"]}
