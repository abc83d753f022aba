"""Task business rules and the SQL the tasks group owns (the worker's batch statements are in
claims.py).

`submit()` is the one way to create a task: the API, the CLI and other groups call it. Each state
change made here (created, cancelled, retried) is reported to monitoring (lifecycle.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.rows import DictRow

from shared import db
from shared.errors import NotFound, ValidationFailed
from shared.identity.principal import AuthUser
from shared.settings import get_settings
from shared.tasks import lifecycle, outbox, queue, registry, retry, states
from shared.tasks.schemas import (
    StatusCounts,
    TaskDay,
    TaskDetail,
    TaskOut,
    TaskStats,
    TaskTypeOut,
)
from shared.tasks.states import (
    FINISHED,
    WAITING,
    TaskEvent,
    TaskStatus,
    refusal,
    sql_in,
    sql_literal,
)

PRIORITIES = ("low", "normal", "high", "critical")

MAX_PAYLOAD_BYTES = 1_048_576
MAX_METADATA_KEY_BYTES = 128
MAX_METADATA_VALUE_BYTES = 4096
MAX_METADATA_TOTAL_BYTES = 65_536
MAX_SCHEDULE_AHEAD = timedelta(days=365)
MAX_SCHEDULE_BEHIND = timedelta(hours=1)
DEFAULT_TIMEOUT_SECONDS = 300
MAX_TIMEOUT_SECONDS = 900

TASK_COLUMNS = sql.SQL(
    """id, task_type, status, priority, max_attempts, current_attempt, last_error, created_at,
       updated_at, scheduled_at, started_at, completed_at, created_by, metadata, result,
       retry_strategy, timeout_seconds"""
)
ORDER = sql.SQL("ORDER BY priority_rank DESC, created_at, id")


def compact_json(value: Any) -> str:
    """Sizes are UTF-8 bytes of compact JSON with non-ASCII kept as is.
    NaN and Infinity (which Python's parser lets through) are refused: they are not JSON."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise _request_error("Task payload and metadata must not contain NaN or Infinity") from None


def not_registered(task_type: str) -> ValidationFailed:
    return ValidationFailed(
        "task_type",
        f"Task type '{task_type}' is not registered. "
        "Workers must register task types before tasks can be created.",
    )


def _request_error(detail: str) -> ValidationFailed:
    return ValidationFailed("request", detail)


def _priority(value: Any) -> str:
    """One of PRIORITIES (default normal); anything else is refused with the allowed values."""
    if value is None:
        return "normal"
    if value not in PRIORITIES:
        raise ValidationFailed("priority", f"must be one of {', '.join(PRIORITIES)}")
    return str(value)


def _check_metadata(metadata: dict[str, Any]) -> None:
    total = 0
    for key, value in metadata.items():
        key_bytes = len(key.encode())
        if not 1 <= key_bytes <= MAX_METADATA_KEY_BYTES:
            raise _request_error("Metadata keys must be 1-128 characters long")
        if not all(c.isalnum() or c in "_-" for c in key):
            raise _request_error(
                "Metadata keys can only contain alphanumeric characters, underscores, and hyphens"
            )
        value_bytes = len(compact_json(value).encode())
        if value_bytes > MAX_METADATA_VALUE_BYTES:
            raise _request_error("Metadata values cannot exceed 4KB")
        total += key_bytes + value_bytes
    if total > MAX_METADATA_TOTAL_BYTES:
        raise _request_error("Total metadata size cannot exceed 64KB")


def _check_schedule(scheduled_at: datetime | None) -> datetime | None:
    if scheduled_at is None:
        return None
    if scheduled_at.tzinfo is None:
        scheduled_at = scheduled_at.replace(tzinfo=UTC)
    now = datetime.now(UTC)
    if scheduled_at > now + MAX_SCHEDULE_AHEAD:
        raise _request_error("Tasks cannot be scheduled more than 365 days in the future")
    if scheduled_at < now - MAX_SCHEDULE_BEHIND:
        raise _request_error("Tasks cannot be scheduled more than 1 hour(s) in the past")
    return scheduled_at


def _admit(task_type: str, payload: Any) -> None:
    """The handler's submit-time checks (e.g. a webhook URL must resolve to public addresses)."""
    handler = registry.get(task_type)
    if handler is None:
        return
    try:
        handler.admit(payload)
    except (registry.PermanentTaskError, registry.TransientTaskError) as error:
        raise ValidationFailed("payload", str(error)) from None


def _type_active(task_type: str) -> bool:
    row = (
        db.connection()
        .execute("SELECT 1 FROM task_types WHERE task_type = %s AND is_active", (task_type,))
        .fetchone()
    )
    return row is not None


def submit(
    task_type: str,
    payload: Any,
    *,
    priority: Any = None,
    scheduled_at: datetime | None = None,
    metadata: dict[str, Any] | None = None,
    retry_strategy: Any = None,
    timeout_seconds: int | None = None,
    created_by: UUID | None = None,
    send_now: bool = True,
) -> TaskOut:
    """Validate, commit the row as "to be enqueued", then send it.

    A failed send still returns the task: the sweeper enqueues it. Inside the caller's
    transaction, pass `send_now=False` and call `send()` once it commits: a message sent before
    the commit could reach the worker before the row exists.
    """
    if not registry.valid_name(task_type):  # such a name can never have been registered
        raise not_registered(task_type)
    try:
        payload_json = compact_json(payload)
        meta = dict(metadata or {})
        if len(payload_json.encode()) > MAX_PAYLOAD_BYTES:
            raise _request_error("Task payload cannot exceed 1MB")
        _check_metadata(meta)
        when = _check_schedule(scheduled_at)
        try:
            strategy = retry.parse(retry_strategy)
        except retry.InvalidStrategy as exc:
            raise ValidationFailed("retry_strategy", str(exc)) from None
        timeout = DEFAULT_TIMEOUT_SECONDS if timeout_seconds is None else timeout_seconds
        if not 1 <= timeout <= MAX_TIMEOUT_SECONDS:
            raise ValidationFailed("timeout_seconds", "must be between 1 and 900 seconds")
        level = _priority(priority)
        _admit(task_type, payload)
    except ValidationFailed:
        # The registration check comes first: one message for both faults.
        if not _type_active(task_type):
            raise not_registered(task_type) from None
        raise
    try:
        row = _insert(task_type, payload_json, level, strategy, timeout, when, created_by, meta)
    except psycopg.errors.UntranslatableCharacter:  # jsonb refuses \u0000
        raise _request_error("Task payload and metadata must not contain NUL characters") from None
    if row is None:
        raise not_registered(task_type)
    delay = (row["scheduled_at"] - row.pop("db_now")).total_seconds()
    if send_now:
        outbox.dispatch([queue.Outgoing(row["id"], row["priority"], max(0.0, delay))])
    lifecycle.record(
        [
            lifecycle.TaskTransition(
                row["id"], task_type, TaskStatus.PENDING, "Task created", "created"
            )
        ]
    )
    return TaskOut.model_validate(row)


def send(tasks: Sequence[TaskOut]) -> None:
    """Send tasks submitted with `send_now=False`, after their transaction committed (those
    not sent, the sweeper sends)."""
    now = datetime.now(UTC)
    outbox.dispatch(
        [
            queue.Outgoing(
                t.id, t.priority, max(0.0, ((t.scheduled_at or now) - now).total_seconds())
            )
            for t in tasks
        ]
    )


def _insert(
    task_type: str,
    payload_json: str,
    priority: Any,
    strategy: retry.Strategy,
    timeout: int,
    when: datetime | None,
    created_by: UUID | None,
    meta: dict[str, Any],
) -> dict[str, Any] | None:
    """The row, committed as "to be enqueued" (enqueued_at NULL); None if the type is inactive."""
    return (
        db.connection()
        .execute(
            sql.SQL(
                """INSERT INTO tasks (task_type, payload, priority, retry_strategy, max_attempts,
                                  timeout_seconds, scheduled_at, created_by, metadata)
               SELECT tt.task_type, %(payload)s::jsonb, %(priority)s, %(strategy)s::jsonb,
                      %(max_attempts)s, %(timeout)s, COALESCE(%(scheduled_at)s, now()),
                      %(created_by)s, %(metadata)s::jsonb
               FROM task_types tt WHERE tt.task_type = %(task_type)s AND tt.is_active
               RETURNING {}, now() AS db_now"""
            ).format(TASK_COLUMNS),
            {
                "task_type": task_type,
                "payload": payload_json,
                "priority": priority,
                "strategy": compact_json(retry.to_json(strategy)),
                "max_attempts": strategy.max_attempts,
                "timeout": timeout,
                "scheduled_at": when,
                "created_by": created_by,
                "metadata": compact_json(meta),
            },
        )
        .fetchone()
    )


# ---- reads -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskFilter:
    task_type: str | None = None
    status: TaskStatus | None = None
    priority: str | None = None
    created_by: UUID | None = None


def _owner(viewer: AuthUser) -> UUID | None:
    """Regular users see their own tasks only; moderators and admins see every task."""
    return None if viewer.is_moderator else viewer.id


def _where(viewer: AuthUser, f: TaskFilter) -> tuple[sql.Composable, dict[str, Any]]:
    conditions: list[sql.Composable] = [sql.SQL("TRUE")]
    params: dict[str, Any] = {}
    owner = _owner(viewer) or (f.created_by if viewer.is_moderator else None)
    if owner is not None:
        conditions.append(sql.SQL("created_by = %(owner)s"))
        params["owner"] = owner
    if f.task_type is not None:
        # A name no type can have matches nothing (and keeps NUL bytes away from PostgreSQL).
        if registry.valid_name(f.task_type):
            conditions.append(sql.SQL("task_type = %(task_type)s"))
            params["task_type"] = f.task_type
        else:
            conditions.append(sql.SQL("FALSE"))
    if f.status is not None:
        conditions.append(sql.SQL("status = %(status)s"))
        params["status"] = f.status
    if f.priority is not None:
        conditions.append(sql.SQL("priority = %(priority)s"))
        params["priority"] = f.priority
    return sql.SQL(" AND ").join(conditions), params


def list_tasks(viewer: AuthUser, f: TaskFilter, limit: int, offset: int) -> list[TaskOut]:
    where, params = _where(viewer, f)
    query = sql.SQL("SELECT {} FROM tasks WHERE {} {} LIMIT %(limit)s OFFSET %(offset)s").format(
        TASK_COLUMNS, where, ORDER
    )
    rows = db.connection().execute(query, {**params, "limit": limit, "offset": offset}).fetchall()
    return [TaskOut.model_validate(r) for r in rows]


def dead_letter(viewer: AuthUser, limit: int, offset: int) -> list[TaskOut]:
    """Failed tasks, filtered per user in SQL so every page is full."""
    return list_tasks(viewer, TaskFilter(status=TaskStatus.FAILED), limit, offset)


def get_task(viewer: AuthUser, task_id: UUID) -> TaskDetail:
    row = (
        db.connection()
        .execute(
            sql.SQL(
                """SELECT {}, payload,
                      COALESCE((SELECT json_agg(a ORDER BY a.attempt) FROM (
                          SELECT attempt, started_at, finished_at, outcome, error, duration_ms
                          FROM task_attempts WHERE task_id = t.id) a), '[]') AS attempts
               FROM tasks t
               WHERE id = %(id)s AND (%(owner)s::uuid IS NULL OR created_by = %(owner)s)"""
            ).format(TASK_COLUMNS),
            {"id": task_id, "owner": _owner(viewer)},
        )
        .fetchone()
    )
    if row is None:
        raise NotFound("Task not found")
    return TaskDetail.model_validate(row)


def _current_status(viewer: AuthUser, task_id: UUID) -> str:
    """After a guarded write changed nothing: 404 if invisible, else the status for the 409."""
    row = (
        db.connection()
        .execute(
            "SELECT status FROM tasks WHERE id = %(id)s "
            "AND (%(owner)s::uuid IS NULL OR created_by = %(owner)s)",
            {"id": task_id, "owner": _owner(viewer)},
        )
        .fetchone()
    )
    if row is None:
        raise NotFound("Task not found")
    return str(row["status"])


def _guarded_write(
    query: str, viewer: AuthUser, task_id: UUID, allowed: Iterable[TaskStatus], action: str
) -> DictRow:
    """A write to one task, guarded by owner and status in its WHERE clause. When it changes
    nothing: 404 if the viewer cannot see the task, else a 409 that names its status."""
    row = db.connection().execute(query, {"id": task_id, "owner": _owner(viewer)}).fetchone()
    if row is None:
        raise refusal(_current_status(viewer, task_id), allowed, action)
    return row


def cancel(viewer: AuthUser, task_id: UUID) -> None:
    row = _guarded_write(_CANCEL, viewer, task_id, states.sources(TaskEvent.CANCEL), "cancelled")
    lifecycle.record(
        [
            lifecycle.TaskTransition(
                row["id"], row["task_type"], TaskStatus.CANCELLED, "Task cancelled"
            )
        ]
    )


_CANCEL = f"""UPDATE tasks SET status = {sql_literal(states.target(TaskEvent.CANCEL))},
                  completed_at = now(), enqueued_at = NULL
           WHERE id = %(id)s AND (%(owner)s::uuid IS NULL OR created_by = %(owner)s)
             AND status IN {sql_in(states.sources(TaskEvent.CANCEL))}
           RETURNING id, task_type"""  # noqa: S608 - status literals from the state machine

# failed → pending with its attempts reset (history included); the caller enqueues it.
_RESET_FAILED = f"""UPDATE tasks SET status = {sql_literal(states.target(TaskEvent.MANUAL_RETRY))},
        current_attempt = 0, last_error = NULL, result = NULL, scheduled_at = now(),
        started_at = NULL, completed_at = NULL, enqueued_at = NULL, lease_expires_at = NULL
    WHERE status IN {sql_in(states.sources(TaskEvent.MANUAL_RETRY))} AND """  # noqa: S608


def retry_task(viewer: AuthUser, task_id: UUID) -> None:
    """failed → pending with its attempts reset (history included), enqueued at once."""
    with db.transaction() as conn:
        row = conn.execute(
            _RESET_FAILED
            + """id = %(id)s AND (%(owner)s::uuid IS NULL OR created_by = %(owner)s)
                  RETURNING id, priority, task_type""",
            {"id": task_id, "owner": _owner(viewer)},
        ).fetchone()
        if row is not None:
            conn.execute("DELETE FROM task_attempts WHERE task_id = %s", (task_id,))
    if row is None:
        status = _current_status(viewer, task_id)
        raise refusal(status, states.sources(TaskEvent.MANUAL_RETRY), "retried")
    outbox.dispatch([queue.Outgoing(row["id"], row["priority"])])
    lifecycle.record([_manual_retry(row)])


def _manual_retry(row: dict[str, Any]) -> lifecycle.TaskTransition:
    return lifecycle.TaskTransition(
        row["id"],
        row["task_type"],
        states.target(TaskEvent.MANUAL_RETRY),
        "Task retried manually: attempts reset",
        "manual_retry",
    )


def retry_failed(task_ids: list[UUID]) -> list[UUID]:
    """Operators (CLI `admin retry-failed`): retry_task for many tasks at once, without an
    ownership check. Tasks no longer failed are skipped; returns the ids re-enqueued."""
    with db.transaction() as conn:
        rows = conn.execute(
            _RESET_FAILED + "id = ANY(%(ids)s) RETURNING id, priority, task_type",
            {"ids": task_ids},
        ).fetchall()
        retried = [r["id"] for r in rows]
        conn.execute("DELETE FROM task_attempts WHERE task_id = ANY(%s)", (retried,))
    outbox.dispatch([queue.Outgoing(r["id"], r["priority"]) for r in rows])
    lifecycle.record([_manual_retry(r) for r in rows])
    return retried


_DELETE = f"""DELETE FROM tasks
    WHERE id = %(id)s AND (%(owner)s::uuid IS NULL OR created_by = %(owner)s)
      AND status IN {sql_in(FINISHED)}
    RETURNING id"""  # noqa: S608 - status literals from the state machine


def delete(viewer: AuthUser, task_id: UUID) -> None:
    _guarded_write(_DELETE, viewer, task_id, FINISHED, "deleted")


STATS_SQL = f"""
WITH counts AS (
    SELECT task_type, priority, status, count(*) AS n FROM tasks
    WHERE %(tag)s::text IS NULL OR metadata->>'tag' = %(tag)s
    GROUP BY 1, 2, 3
), done AS (
    SELECT extract(epoch FROM completed_at - started_at) * 1000 AS ms
    FROM tasks WHERE status = {sql_literal(TaskStatus.COMPLETED)} AND started_at IS NOT NULL
      AND (%(tag)s::text IS NULL OR metadata->>'tag' = %(tag)s)
)
SELECT
    (SELECT COALESCE(json_object_agg(status, n), '{{}}') FROM
        (SELECT status, sum(n) AS n FROM counts GROUP BY status) s) AS by_status,
    (SELECT COALESCE(json_object_agg(task_type, c), '{{}}') FROM
        (SELECT task_type, json_object_agg(status, n) AS c FROM
            (SELECT task_type, status, sum(n) AS n FROM counts GROUP BY 1, 2) x
         GROUP BY task_type) t) AS by_type,
    (SELECT COALESCE(json_object_agg(priority, c), '{{}}') FROM
        (SELECT priority, json_object_agg(status, n) AS c FROM
            (SELECT priority, status, sum(n) AS n FROM counts GROUP BY 1, 2) x
         GROUP BY priority) p) AS by_priority,
    (SELECT avg(ms) FROM done) AS avg_duration_ms,
    (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) FROM done) AS p95_duration_ms,
    (SELECT extract(epoch FROM now() - min(scheduled_at)) FROM tasks
      WHERE status IN {sql_in(WAITING)} AND scheduled_at <= now()
        AND (%(tag)s::text IS NULL OR metadata->>'tag' = %(tag)s)) AS queue_lag_seconds
"""  # noqa: S608 - status literals from the state machine


def _status_counts(by_status: dict[str, int]) -> dict[str, int]:
    counts = {s.value: int(by_status.get(s, 0)) for s in TaskStatus}
    return {"total": sum(counts.values()), **counts}


def stats(tag: str | None = None) -> TaskStats:
    """Counts by status, type and priority, durations and queue lag; the API's and the CLI's
    (optionally only the tasks whose metadata `tag` is `tag`)."""
    row = db.connection().execute(STATS_SQL, {"tag": tag}).fetchone()
    assert row is not None
    counts = _status_counts(row["by_status"])
    finished = counts[TaskStatus.COMPLETED] + counts[TaskStatus.FAILED]
    return TaskStats(
        **counts,
        by_type={k: StatusCounts(**_status_counts(v)) for k, v in sorted(row["by_type"].items())},
        by_priority={
            p: StatusCounts(**_status_counts(row["by_priority"].get(p, {})))
            for p in reversed(PRIORITIES)
        },
        success_rate=counts[TaskStatus.COMPLETED] / finished if finished else None,
        avg_duration_ms=_float(row["avg_duration_ms"]),
        p95_duration_ms=_float(row["p95_duration_ms"]),
        queue_lag_seconds=max(0.0, _float(row["queue_lag_seconds"]) or 0.0),
    )


DAILY_SQL = f"""
WITH days AS (
    SELECT d::date AS day FROM generate_series(
        (now() AT TIME ZONE 'UTC')::date - (%(days)s - 1), (now() AT TIME ZONE 'UTC')::date,
        interval '1 day') d
), created AS (
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM tasks
    WHERE created_at >= (SELECT min(day) FROM days) AT TIME ZONE 'UTC' GROUP BY 1
), finished AS (
    SELECT (completed_at AT TIME ZONE 'UTC')::date AS day,
           count(*) FILTER (WHERE status = {sql_literal(TaskStatus.COMPLETED)}) AS completed,
           count(*) FILTER (WHERE status = {sql_literal(TaskStatus.FAILED)}) AS failed
    FROM tasks WHERE completed_at >= (SELECT min(day) FROM days) AT TIME ZONE 'UTC' GROUP BY 1
)
SELECT days.day, COALESCE(created.n, 0) AS created,
       COALESCE(finished.completed, 0) AS completed, COALESCE(finished.failed, 0) AS failed
FROM days LEFT JOIN created USING (day) LEFT JOIN finished USING (day) ORDER BY days.day
"""  # noqa: S608 - status literals from the state machine


def daily(days: int) -> list[TaskDay]:
    """Tasks created, completed and failed per UTC day over the last `days` days, zero-filled."""
    rows = db.connection().execute(DAILY_SQL, {"days": days}).fetchall()
    return [TaskDay.model_validate(r) for r in rows]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# ---- task types --------------------------------------------------------------------------

TYPE_COLUMNS = "task_type, description, is_active, created_at, updated_at"


def list_types() -> list[TaskTypeOut]:
    rows = (
        db.connection()
        .execute(
            f"SELECT {TYPE_COLUMNS} FROM task_types WHERE is_active ORDER BY task_type"  # noqa: S608
        )
        .fetchall()
    )
    return [_type_out(r) for r in rows]


def _type_out(row: dict[str, Any]) -> TaskTypeOut:
    handler = registry.get(row["task_type"])
    return TaskTypeOut.model_validate({**row, "example_payload": handler and handler.example})


def upsert_type(task_type: str, description: str | None, is_active: bool | None) -> TaskTypeOut:
    """Admin: set a registered type's description or (de)activate it. Only types with a handler
    in the registry exist: a type nobody can run would only produce failed tasks."""
    handler = registry.get(task_type)
    if handler is None:
        raise ValidationFailed("task_type", f"No handler is registered for task type '{task_type}'")
    row = (
        db.connection()
        .execute(
            f"""INSERT INTO task_types (task_type, description, is_active)
            VALUES (%(t)s, COALESCE(%(d)s, %(default)s), COALESCE(%(a)s, true))
            ON CONFLICT (task_type) DO UPDATE SET
                description = COALESCE(%(d)s, task_types.description),
                is_active = COALESCE(%(a)s, task_types.is_active)
            RETURNING {TYPE_COLUMNS}""",  # noqa: S608 - constant column list
            {"t": task_type, "d": description, "a": is_active, "default": handler.description},
        )
        .fetchone()
    )
    assert row is not None
    return _type_out(row)


def sync_task_types(conninfo: str) -> list[str]:
    """Deploy/migrate step: the registry is the source of truth. New types are inserted active;
    existing rows keep an admin's description and activation; types whose handler is gone are
    deactivated (their rows stay: tasks reference them). Returns the registered names."""
    handlers = registry.handlers()
    names = [h.name for h in handlers]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            """WITH code AS (
                   SELECT * FROM unnest(%(names)s::text[], %(descriptions)s::text[]) AS c(t, d)
               ), added AS (
                   INSERT INTO task_types (task_type, description)
                   SELECT t, d FROM code ON CONFLICT (task_type) DO NOTHING
               )
               UPDATE task_types SET is_active = false
               WHERE is_active AND task_type <> ALL(%(names)s::text[])""",
            {"names": names, "descriptions": [h.description for h in handlers]},
        )
    return names


# ---- retention ---------------------------------------------------------------------------


def purge_finished() -> int:
    """Hourly cleanup step: finished tasks older than TASK_RETENTION_DAYS."""
    days = get_settings().tasks.task_retention_days
    return sum(delete_finished(FINISHED, datetime.now(UTC) - timedelta(days=days)))


# The one retention rule: a task is as old as its finish (completed_at), whoever deletes it.
_COUNT_FINISHED = (
    "SELECT count(*) AS n FROM tasks WHERE status = ANY(%(statuses)s) AND completed_at < %(cutoff)s"
)
_DELETE_FINISHED = """DELETE FROM tasks WHERE id IN (
    SELECT id FROM tasks WHERE status = ANY(%(statuses)s) AND completed_at < %(cutoff)s
    LIMIT %(batch)s FOR UPDATE SKIP LOCKED)"""


def _finished(statuses: Iterable[TaskStatus]) -> list[str]:
    chosen = [s.value for s in statuses]
    if not set(chosen) <= FINISHED:
        raise ValueError(f"only finished tasks can be deleted, not {chosen}")
    return chosen


def count_finished(statuses: Iterable[TaskStatus], cutoff: datetime) -> int:
    row = (
        db.connection()
        .execute(
            _COUNT_FINISHED,
            {"statuses": _finished(statuses), "cutoff": cutoff},
        )
        .fetchone()
    )
    return int(row["n"]) if row else 0


def delete_finished(
    statuses: Iterable[TaskStatus], cutoff: datetime, batch: int = 5000
) -> Iterator[int]:
    """Hard-delete tasks in `statuses` (finished ones only) that finished before `cutoff`, in
    batches (short locks); yields each batch's count, for a progress bar."""
    params: dict[str, Any] = {"statuses": _finished(statuses), "cutoff": cutoff, "batch": batch}
    while True:
        cur = db.connection().execute(_DELETE_FINISHED, params)
        if cur.rowcount:
            yield cur.rowcount
        if cur.rowcount < batch:
            return
