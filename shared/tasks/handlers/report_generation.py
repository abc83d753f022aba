"""`report_generation`: rows of the date range, read from Postgres with
a server-side cursor through the owning group's export module, streamed to the reports bucket
as CSV or a JSON array with a multipart upload. The result has the S3 key, the row count and a
presigned URL (REPORT_URL_EXPIRY_SECONDS).

Who may see what follows the API's rules, by the task's creator: `tasks` reports hold the
creator's own tasks unless they are a moderator or admin; `events` need a moderator or admin;
`users` an admin. A task without a creator was submitted by an operator (CLI): full access,
except `users`, which needs an admin creator.

Dates: `YYYY-MM-DD` or RFC 3339 (UTC when no offset). The range is [start, end); a date-only
end_date includes that whole day.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, field_validator, model_validator

from shared import db
from shared.identity.principal import Role
from shared.settings import get_settings
from shared.tasks.handlers.s3_upload import MultipartUpload, presigned_get
from shared.tasks.registry import PermanentTaskError, TaskContext, task_handler
from shared.tasks.states import TaskStatus
from shared.timestamps import format_timestamp

ReportType = Literal["tasks", "events", "users"]
Format = Literal["csv", "json"]
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
ENCODE_ROWS = 500  # rows turned into bytes at a time
REPORTS_PREFIX = "reports/"


def parse_bound(text: str, *, end: bool) -> datetime:
    """A date (midnight UTC; the next midnight for an end) or an RFC 3339 date-time."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), UTC)
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be YYYY-MM-DD or an RFC 3339 date-time") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


class ReportPayload(BaseModel):
    report_type: ReportType
    start_date: str
    end_date: str
    format: Format = "csv"

    @field_validator("start_date", "end_date")
    @classmethod
    def _date(cls, value: str) -> str:
        parse_bound(value, end=False)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start >= self.end:
            raise ValueError("start_date must be before end_date")
        return self

    @property
    def start(self) -> datetime:
        return parse_bound(self.start_date, end=False)

    @property
    def end(self) -> datetime:
        return parse_bound(self.end_date, end=True)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> Any:
    """A CSV cell; text a spreadsheet would run as a formula (user-written usernames, messages,
    errors) is prefixed with ' (OWASP CSV injection)."""
    cell = _cell(value)
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return value


def _json_value(value: Any) -> Any:
    return value if isinstance(value, dict | list) else _cell(value)


def _chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_rows(
    upload: MultipartUpload, rows: Iterator[dict[str, Any]], columns: tuple[str, ...], fmt: Format
) -> int:
    """Encode rows into the upload, a few hundred at a time; returns the row count."""
    count = 0
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(columns)
        for chunk in _chunks(rows, ENCODE_ROWS):
            writer.writerows([_csv_cell(r[c]) for c in columns] for r in chunk)
            upload.write(text.getvalue().encode())
            text.seek(0)
            text.truncate()
            count += len(chunk)
        upload.write(text.getvalue().encode())  # the header of an empty report
        return count
    upload.write(b"[")
    for chunk in _chunks(rows, ENCODE_ROWS):
        lines = (
            json.dumps({c: _json_value(r[c]) for c in columns}, ensure_ascii=False) for r in chunk
        )
        upload.write((("," if count else "") + "\n" + ",\n".join(lines)).encode())
        count += len(chunk)
    upload.write(b"\n]\n")
    return count


def _source(
    conn: db.Connection, payload: ReportPayload, creator: UUID | None
) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """The columns and rows the creator may see, or a permanent refusal."""
    from shared.identity import export as users_export

    role = users_export.active_role(creator) if creator is not None else None
    privileged = creator is None or (role is not None and role.at_least(Role.MODERATOR))
    start, end = payload.start, payload.end
    if payload.report_type == "users":
        if role is not Role.ADMIN:
            raise PermanentTaskError("Users reports are only generated for tasks an admin created")
        return users_export.COLUMNS, users_export.rows(conn, start, end)
    if payload.report_type == "events":
        if not privileged:
            raise PermanentTaskError("Events reports require a moderator or admin")
        from shared.monitoring import export as events_export

        return events_export.COLUMNS, events_export.rows(conn, start, end)
    from shared.tasks import export as tasks_export

    return tasks_export.COLUMNS, tasks_export.rows(
        conn, start, end, None if privileged else creator
    )


def report_key(payload: ReportPayload, task_id: UUID) -> str:
    """One key per task: a retried attempt overwrites its own earlier upload."""
    span = f"{payload.start:%Y%m%d}-{payload.end:%Y%m%d}"
    return f"{REPORTS_PREFIX}{payload.report_type}/{span}/{task_id}.{payload.format}"


@task_handler(
    "report_generation",
    "Builds a tasks/events/users report into S3",
    ReportPayload,
    example={"report_type": "tasks", "start_date": "2026-01-01", "end_date": "2026-01-31"},
)
def report_generation(payload: ReportPayload, ctx: TaskContext) -> dict[str, Any]:
    settings = get_settings()
    bucket = settings.handlers.reports_bucket
    if not bucket:
        raise PermanentTaskError("REPORTS_BUCKET is not configured")
    key = report_key(payload, ctx.task_id)
    upload = MultipartUpload(
        bucket, key, CONTENT_TYPES[payload.format], settings.handlers.report_part_size_bytes
    )
    with db.dedicated() as conn:
        # A large range sorts before its first row: allow the task's time, not one request's.
        budget_ms = max(
            settings.database.db_statement_timeout_ms, int(ctx.remaining_seconds() * 1000)
        )
        conn.execute("SELECT set_config('statement_timeout', %s, true)", (str(budget_ms),))
        columns, rows = _source(conn, payload, ctx.created_by)
        with upload:
            count = write_rows(upload, rows, columns, payload.format)
    expires = settings.handlers.report_url_expiry_seconds
    now = datetime.now(UTC)
    return {
        "report_type": payload.report_type,
        "start_date": payload.start_date,
        "end_date": payload.end_date,
        "format": payload.format,
        "bucket": bucket,
        "s3_key": key,
        "row_count": count,
        "size_bytes": upload.size,
        "report_url": presigned_get(bucket, key, expires),
        "url_expires_at": format_timestamp(now + timedelta(seconds=expires)),
        "generated_at": format_timestamp(now),
        "status": TaskStatus.COMPLETED,
    }
