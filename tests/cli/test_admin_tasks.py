"""admin list-tasks / task-stats / clear-completed / retry-failed."""

from __future__ import annotations

import re

from shared import db
from shared.tasks import service
from tests.cli.conftest import Invoke, add_task, parse, statuses
from tools.cli_admin import Priority


def test_the_cli_priorities_match_the_task_service() -> None:
    assert tuple(p.value for p in Priority) == service.PRIORITIES


# ---- list-tasks --------------------------------------------------------------------------


def test_list_tasks_newest_first_with_filters(tasks_db: str, cli: Invoke) -> None:
    oldest = add_task("completed", age_days=3)
    add_task("failed", "email", age_days=2)
    newest = add_task("completed", age_days=1)
    rows = parse(cli("admin", "list-tasks", "--json"))
    assert rows[0]["id"] == str(newest) and len(rows) == 3
    assert len(parse(cli("admin", "list-tasks", "--limit", "2", "--json"))) == 2
    done = parse(cli("admin", "list-tasks", "--status", "completed", "--json"))
    assert [r["id"] for r in done] == [str(newest), str(oldest)]
    assert {
        r["task_type"] for r in parse(cli("admin", "list-tasks", "--task-type", "email", "--json"))
    } == {"email"}
    both = parse(
        cli("admin", "list-tasks", "--status", "failed", "--task-type", "delay_task", "--json")
    )
    assert both == []


def test_list_tasks_table(tasks_db: str, cli: Invoke) -> None:
    task_id = add_task("pending", tag="x")
    result = cli("admin", "list-tasks")
    assert result.exit_code == 0
    assert "Found 1 tasks:" in result.stdout and str(task_id) in result.stdout
    verbose = cli("admin", "list-tasks", "--verbose").stdout
    assert "PRIORITY" in verbose and '{"tag":"x"}' in verbose


def test_list_tasks_with_none(tasks_db: str, cli: Invoke) -> None:
    assert cli("admin", "list-tasks").stdout.strip() == "No tasks found"


def test_list_tasks_rejects_an_unknown_status_and_a_bad_limit(tasks_db: str, cli: Invoke) -> None:
    result = cli("admin", "list-tasks", "--status", "done")
    assert result.exit_code == 2
    assert "Invalid value for '--status'" in result.output
    assert cli("admin", "list-tasks", "--limit", "0").exit_code == 2


# ---- task-stats --------------------------------------------------------------------------


def test_task_stats(tasks_db: str, cli: Invoke) -> None:
    add_task("completed", run_seconds=2, tag="batch")
    add_task("completed", run_seconds=4, tag="batch")
    add_task("failed", tag="other")
    add_task("pending")
    stats = parse(cli("admin", "task-stats", "--json"))
    assert stats["total"] == 4
    assert stats["counts"] == {"completed": 2, "failed": 1, "pending": 1}
    assert abs(stats["avg_completion_seconds"] - 3.0) < 0.01
    tagged = parse(cli("admin", "task-stats", "--tag", "batch", "--json"))
    assert tagged["total"] == 2 and tagged["counts"] == {"completed": 2}
    text = cli("admin", "task-stats").stdout
    assert "completed: 2" in text and "Total: 4" in text
    assert "Average completion time: 3.00s" in text


# ---- clear-completed ---------------------------------------------------------------------


def test_clear_completed_dry_run_changes_nothing(tasks_db: str, cli: Invoke) -> None:
    add_task("completed", age_days=10)
    add_task("completed", age_days=1)
    before = statuses()
    result = parse(cli("admin", "clear-completed", "--dry-run", "--json"))
    assert result["matched"] == 1 and result["deleted"] == 0 and result["older_than_days"] == 7
    assert statuses() == before
    assert "Would delete 1 tasks" in cli("admin", "clear-completed", "--dry-run").stdout


def test_clear_completed_deletes_old_completed_only_by_default(tasks_db: str, cli: Invoke) -> None:
    add_task("completed", age_days=10)
    add_task("completed", age_days=1)
    add_task("failed", age_days=10)
    add_task("cancelled", age_days=10)
    add_task("pending", age_days=10)
    result = cli("admin", "clear-completed")
    assert result.exit_code == 0 and "Deleted 1 tasks" in result.stdout
    assert statuses() == {"completed": 1, "failed": 1, "cancelled": 1, "pending": 1}
    done = parse(
        cli(
            "admin",
            "clear-completed",
            "--include-failed",
            "--include-cancelled",
            "--older-than-days",
            "0",
            "--json",
        )
    )
    assert done["deleted"] == 3
    assert statuses() == {"pending": 1}


def test_clear_completed_in_batches(tasks_db: str, cli: Invoke) -> None:
    db.connection().execute(
        """INSERT INTO tasks (task_type, status, completed_at)
           SELECT 'delay_task', 'completed', now() - interval '30 days'
           FROM generate_series(1, 1234)"""
    )
    assert parse(cli("admin", "clear-completed", "--json"))["deleted"] == 1234


def test_clear_completed_rejects_negative_days(tasks_db: str, cli: Invoke) -> None:
    assert cli("admin", "clear-completed", "--older-than-days", "-1").exit_code == 2


# ---- retry-failed ------------------------------------------------------------------------


def test_retry_failed_dry_run_changes_nothing(tasks_db: str, cli: Invoke) -> None:
    failed = add_task("failed")
    result = parse(cli("admin", "retry-failed", "--dry-run", "--json"))
    assert result["matched"] == [str(failed)] and result["retried"] == []
    assert statuses() == {"failed": 1}
    assert "Would retry 1 failed tasks" in cli("admin", "retry-failed", "--dry-run").stdout


def test_retry_failed_re_enqueues_with_attempts_reset(tasks_db: str, cli: Invoke) -> None:
    email = add_task("failed", "email")
    delay = add_task("failed", "delay_task", age_days=3)
    add_task("completed")
    db.connection().execute(
        """INSERT INTO task_attempts (task_id, attempt, started_at, outcome)
           VALUES (%s, 1, now(), 'permanent_error')""",
        (email,),
    )
    result = parse(cli("admin", "retry-failed", "--task-type", "email", "--json"))
    assert result["retried"] == [str(email)]
    row = (
        db.connection()
        .execute("SELECT status, current_attempt, last_error FROM tasks WHERE id = %s", (email,))
        .fetchone()
    )
    assert row == {"status": "pending", "current_attempt": 0, "last_error": None}
    attempts = (
        db.connection()
        .execute("SELECT count(*) AS n FROM task_attempts WHERE task_id = %s", (email,))
        .fetchone()
    )
    assert attempts == {"n": 0}
    since = cli("admin", "retry-failed", "--since", "2999-01-01", "--json")
    assert parse(since)["matched"] == []
    text = cli("admin", "retry-failed")
    assert "Retried 1 of 1 failed tasks" in text.stdout
    assert statuses()["pending"] == 2
    row = db.connection().execute("SELECT status FROM tasks WHERE id = %s", (delay,)).fetchone()
    assert row == {"status": "pending"}


def test_retry_failed_rejects_a_bad_date(tasks_db: str, cli: Invoke) -> None:
    result = cli("admin", "retry-failed", "--since", "last tuesday")
    assert result.exit_code == 2 and "--since" in result.output


# ---- no database -------------------------------------------------------------------------


def test_an_unreachable_database_is_a_clear_error(unreachable_database: str, cli: Invoke) -> None:
    for command in (
        ["admin", "list-tasks"],
        ["admin", "task-stats"],
        ["admin", "clear-completed", "--dry-run"],
        ["admin", "retry-failed"],
    ):
        result = cli(*command)
        assert result.exit_code == 1
        assert "error: cannot reach the database" in result.stderr


def test_a_database_without_schema_is_a_clear_error(empty_database_url: str, cli: Invoke) -> None:
    result = cli("admin", "list-tasks")
    assert result.exit_code == 1
    assert "starter migrate up" in result.stderr


def test_tables_show_iso_8601_timestamps(tasks_db: str, cli: Invoke) -> None:
    add_task("pending")
    line = cli("admin", "list-tasks").stdout.splitlines()[-1]
    assert re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z", line), line
