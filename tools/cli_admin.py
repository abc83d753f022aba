"""The operator commands of `starter`: task administration, health-check and
`tasks submit`. Registered on the CLI's groups by tools/cli.py. Each command prints a table for
people or, with --json, one JSON document for machines; bulk operations show a progress bar on
stderr. Bad input or an unreachable database end with a clear message and a non-zero exit."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from shared.tasks.states import TaskStatus
from tools.cli_common import JsonOption, database, database_url, emit_json, fail, progress, table

tasks_app = typer.Typer(no_args_is_help=True, help="Submit tasks (operators).")

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"]
BATCH = 500


class Priority(StrEnum):  # shared.tasks.service.PRIORITIES
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


# ---- admin ---------------------------------------------------------------------------------


def list_tasks(
    status: Annotated[TaskStatus | None, typer.Option(help="Only tasks in this status.")] = None,
    task_type: Annotated[str | None, typer.Option(help="Only tasks of this type.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More columns.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List tasks, newest first."""
    from shared.tasks import operations

    with database():
        tasks = operations.recent(status, task_type, limit)
    if as_json:
        emit_json([t.model_dump(mode="json") for t in tasks])
        return
    if not tasks:
        typer.echo("No tasks found")
        return
    rows = [t.model_dump() for t in tasks]
    columns = ["id", "task_type", "status", "created_at"]
    if verbose:
        columns += ["priority", "current_attempt", "updated_at", "last_error", "metadata"]
    typer.echo(f"Found {len(rows)} tasks:")
    typer.echo(table(rows, columns))


def task_stats(
    tag: Annotated[str | None, typer.Option(help="Only tasks whose metadata tag is this.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Task counts by status and the average run time of completed tasks."""
    from shared.tasks import service

    with database():
        stats = service.stats(tag)
    all_counts = stats.model_dump()
    counts = {s.value: all_counts[s.value] for s in TaskStatus if all_counts[s.value]}
    total = stats.total
    avg = None if stats.avg_duration_ms is None else stats.avg_duration_ms / 1000
    if as_json:
        emit_json({"tag": tag, "counts": counts, "total": total, "avg_completion_seconds": avg})
        return
    for status in TaskStatus:
        if status.value in counts:
            typer.echo(f"{status.value}: {counts[status.value]}")
    typer.echo(f"Total: {total}")
    typer.echo(f"Average completion time: {avg or 0.0:.2f}s")


def clear_completed(
    older_than_days: Annotated[
        int, typer.Option(min=0, help="Only tasks finished more than this many days ago.")
    ] = 7,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count only.")] = False,
    include_failed: Annotated[bool, typer.Option("--include-failed")] = False,
    include_cancelled: Annotated[bool, typer.Option("--include-cancelled")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete completed (and optionally failed/cancelled) tasks."""
    from shared.tasks import service

    statuses = [TaskStatus.COMPLETED]
    statuses += [TaskStatus.FAILED] if include_failed else []
    statuses += [TaskStatus.CANCELLED] if include_cancelled else []
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    with database():
        count = service.count_finished(statuses, cutoff)
        deleted = 0
        if not dry_run and count:
            with progress(count, "Deleting tasks") as bar:
                for n in service.delete_finished(statuses, cutoff, BATCH):
                    deleted += n
                    bar.update(n)
    if as_json:
        emit_json(
            {
                "dry_run": dry_run,
                "statuses": statuses,
                "older_than_days": older_than_days,
                "matched": count,
                "deleted": deleted,
            }
        )
    elif dry_run:
        typer.echo(
            f"Would delete {count} tasks ({', '.join(statuses)}, older than {older_than_days} days)"
        )
    else:
        typer.echo(f"Deleted {deleted} tasks")


def retry_failed(
    task_type: Annotated[str | None, typer.Option(help="Only tasks of this type.")] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="Only tasks failed since.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List only.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Re-enqueue failed tasks (attempts reset), in batches, through the task service."""
    from shared.tasks import operations, service

    with database():
        ids = operations.failed_ids(task_type, since)
        retried: list[Any] = []
        if not dry_run and ids:
            with progress(len(ids), "Retrying tasks") as bar:
                for start in range(0, len(ids), BATCH):
                    batch = ids[start : start + BATCH]
                    retried += service.retry_failed(batch)
                    bar.update(len(batch))
    if as_json:
        emit_json(
            {
                "dry_run": dry_run,
                "matched": [str(i) for i in ids],
                "retried": [str(i) for i in retried],
            }
        )
    elif dry_run:
        typer.echo(f"Would retry {len(ids)} failed tasks")
        for task_id in ids:
            typer.echo(f"  {task_id}")
    else:
        typer.echo(f"Retried {len(retried)} of {len(ids)} failed tasks")


ADMIN_COMMANDS: dict[str, Callable[..., None]] = {
    "list-tasks": list_tasks,
    "task-stats": task_stats,
    "clear-completed": clear_completed,
    "retry-failed": retry_failed,
}


# ---- health and tasks ----------------------------------------------------------------------


def health_check(as_json: JsonOption = False) -> None:
    """Check the database and its schema; exit 0 when healthy, 1 otherwise."""
    from shared import db
    from shared.health import service
    from shared.settings import get_settings

    try:
        url = database_url()
    except Exception as error:  # the local database could not be started
        raise fail(f"no database: {error}") from None
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    db.reset()
    report = service.startup()
    checks = {
        name: {"status": c.status, "message": c.message, "details": c.details}
        for name, c in report.checks.items()
    }
    status = "healthy" if report.healthy else "unhealthy"
    if as_json:
        emit_json({"status": status, "checks": checks})
    else:
        for name, c in report.checks.items():
            typer.echo(f"{name}: {c.status} - {c.message}")
        typer.echo(f"status: {status}")
    raise typer.Exit(0 if report.healthy else 1)


def _payload(value: str) -> Any:
    """`@path` reads a JSON file; anything else is JSON text."""
    try:
        text = Path(value[1:]).read_text() if value.startswith("@") else value
    except OSError as error:
        raise typer.BadParameter(f"cannot read {value[1:]}: {error.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as error:
        raise typer.BadParameter(f"not valid JSON: {error}") from None


@tasks_app.command("submit")
def submit(
    task_type: Annotated[str, typer.Argument(help="A registered task type.")],
    payload: Annotated[
        str, typer.Option(help="JSON text, or @file.json to read it from a file.")
    ] = "{}",
    priority: Annotated[Priority, typer.Option()] = Priority.NORMAL,
    as_json: JsonOption = False,
) -> None:
    """Submit a task, as the API would, with no creator (an operator task)."""
    data = _payload(payload)
    from shared.tasks import service

    with database():
        task = service.submit(task_type, data, priority=priority.value)
    if as_json:
        emit_json(task.model_dump(mode="json"))
    else:
        typer.echo(f"submitted {task.id} ({task.task_type}, {task.status})")
