"""report_generation: rows of the range from Postgres, streamed to S3 (moto), fetched back
through the presigned URL; who may see what; payload validation."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from shared import aws, db
from shared.identity.principal import Role
from shared.tasks import service
from shared.tasks.registry import PermanentTaskError
from tests.conftest import Configure
from tests.handlers.conftest import Run, context
from tests.users import create_user

DAY = datetime(2026, 3, 10, tzinfo=UTC)


@pytest.fixture
def tasks_db(database_url: str) -> str:
    service.sync_task_types(database_url)
    return database_url


def add_tasks(times: list[datetime], created_by: UUID | None = None) -> list[str]:
    rows = (
        db.connection()
        .execute(
            """INSERT INTO tasks (task_type, created_at, created_by, metadata)
           SELECT 'delay_task', t, %s, '{"tag": "r"}' FROM unnest(%s::timestamptz[]) AS t
           RETURNING id""",
            (created_by, times),
        )
        .fetchall()
    )
    return [str(r["id"]) for r in rows]


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())


def report(run: Run, payload: dict[str, Any], created_by: UUID | None = None) -> dict[str, Any]:
    result: dict[str, Any] = run("report_generation", payload, context(created_by)).result
    return result


def test_a_csv_report_holds_exactly_the_rows_in_range(tasks_db: str, bucket: str, run: Run) -> None:
    before = add_tasks([DAY - timedelta(seconds=1)])
    inside = add_tasks([DAY, DAY + timedelta(hours=5), DAY + timedelta(days=1, hours=23)])
    after = add_tasks([DAY + timedelta(days=2)])
    result = report(
        run,
        {
            "report_type": "tasks",
            "start_date": "2026-03-10",
            "end_date": "2026-03-11",
            "format": "csv",
        },
    )
    assert result["row_count"] == 3
    assert result["s3_key"].startswith("reports/tasks/20260310-20260312/")
    body = fetch(result["report_url"]).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(r["id"] for r in rows) == sorted(inside)
    assert not {r["id"] for r in rows} & set(before + after)
    assert rows[0]["created_at"] == "2026-03-10T00:00:00.000000Z"
    assert "payload" not in rows[0]
    stored = aws.s3().get_object(Bucket=bucket, Key=result["s3_key"])
    assert stored["ContentType"].startswith("text/csv")


def test_csv_cells_cannot_run_as_spreadsheet_formulas(tasks_db: str, bucket: str, run: Run) -> None:
    [task_id] = add_tasks([DAY])
    db.connection().execute(
        "UPDATE tasks SET last_error = '=HYPERLINK(\"http://evil\")' WHERE id = %s", (task_id,)
    )
    result = report(
        run, {"report_type": "tasks", "start_date": "2026-03-10", "end_date": "2026-03-10"}
    )
    [row] = csv.DictReader(io.StringIO(fetch(result["report_url"]).decode()))
    assert row["last_error"] == '\'=HYPERLINK("http://evil")'


def test_a_json_report_with_date_times(tasks_db: str, bucket: str, run: Run) -> None:
    ids = add_tasks([DAY + timedelta(hours=h) for h in range(6)])
    result = report(
        run,
        {
            "report_type": "tasks",
            "start_date": "2026-03-10T01:00:00Z",
            "end_date": "2026-03-10T04:00:00Z",
            "format": "json",
        },
    )
    rows = json.loads(fetch(result["report_url"]))
    assert [r["id"] for r in rows] == ids[1:4]
    assert result["row_count"] == 3 and result["format"] == "json"


def test_an_empty_range_gives_an_empty_report(tasks_db: str, bucket: str, run: Run) -> None:
    for fmt, expected in (("csv", "id,task_type"), ("json", "[")):
        result = report(
            run,
            {
                "report_type": "tasks",
                "start_date": "2020-01-01",
                "end_date": "2020-01-02",
                "format": fmt,
            },
        )
        assert result["row_count"] == 0
        assert fetch(result["report_url"]).decode().startswith(expected)
    assert json.loads(fetch(result["report_url"])) == []


def test_a_large_report_is_uploaded_in_several_parts(
    tasks_db: str, bucket: str, run: Run, configure: Configure
) -> None:
    db.connection().execute(
        """INSERT INTO tasks (task_type, created_at, last_error)
           SELECT 'delay_task', %s + g * interval '1 second', repeat('e', 300)
           FROM generate_series(1, 20000) g""",
        (DAY,),
    )
    configure(REPORT_PART_SIZE_BYTES=str(5 * 1024 * 1024))
    result = report(
        run,
        {
            "report_type": "tasks",
            "start_date": "2026-03-10",
            "end_date": "2026-03-10",
            "format": "csv",
        },
    )
    assert result["row_count"] == 20000
    head = aws.s3().head_object(Bucket=bucket, Key=result["s3_key"], PartNumber=1)
    assert head["PartsCount"] >= 2
    lines = fetch(result["report_url"]).decode().splitlines()
    assert len(lines) == 20001


def test_a_regular_user_reports_only_their_own_tasks(tasks_db: str, bucket: str, run: Run) -> None:
    user, _ = create_user(Role.USER)
    other, _ = create_user(Role.USER)
    mine = add_tasks([DAY], user.id)
    add_tasks([DAY], other.id)
    add_tasks([DAY])
    result = report(
        run, {"report_type": "tasks", "start_date": "2026-03-10", "end_date": "2026-03-10"}, user.id
    )
    rows = list(csv.DictReader(io.StringIO(fetch(result["report_url"]).decode())))
    assert [r["id"] for r in rows] == mine


def test_a_moderator_reports_every_task_and_events(tasks_db: str, bucket: str, run: Run) -> None:
    moderator, _ = create_user(Role.MODERATOR)
    add_tasks([DAY, DAY])
    payload = {"report_type": "tasks", "start_date": "2026-03-10", "end_date": "2026-03-10"}
    assert report(run, payload, moderator.id)["row_count"] == 2
    db.connection().execute(
        """INSERT INTO events (event_type, source, message, recorded_at)
           VALUES ('log', 'app', 'in', %s), ('log', 'app', 'out', %s)""",
        (DAY, DAY - timedelta(days=3)),
    )
    result = report(run, {**payload, "report_type": "events", "format": "json"}, moderator.id)
    rows = json.loads(fetch(result["report_url"]))
    assert [r["message"] for r in rows] == ["in"]
    assert rows[0]["tags"] == {}


def test_users_reports_only_for_tasks_an_admin_created(
    tasks_db: str, bucket: str, run: Run
) -> None:
    admin, _ = create_user(Role.ADMIN)
    moderator, _ = create_user(Role.MODERATOR)
    today = datetime.now(UTC).date().isoformat()
    payload = {"report_type": "users", "start_date": today, "end_date": today}
    rows = list(
        csv.DictReader(io.StringIO(fetch(report(run, payload, admin.id)["report_url"]).decode()))
    )
    assert {r["username"] for r in rows} == {admin.username, moderator.username}
    assert "password_hash" not in rows[0]
    for creator in (moderator.id, None):
        with pytest.raises(PermanentTaskError, match="admin"):
            report(run, payload, creator)


def test_events_reports_are_refused_to_regular_users(tasks_db: str, bucket: str, run: Run) -> None:
    user, _ = create_user(Role.USER)
    payload = {"report_type": "events", "start_date": "2026-03-10", "end_date": "2026-03-11"}
    with pytest.raises(PermanentTaskError, match="moderator or admin"):
        report(run, payload, user.id)


def test_the_presigned_url_expiry_is_configurable(
    tasks_db: str, bucket: str, run: Run, configure: Configure
) -> None:
    configure(REPORT_URL_EXPIRY_SECONDS="120")
    result = report(
        run, {"report_type": "tasks", "start_date": "2026-03-10", "end_date": "2026-03-11"}
    )
    assert "X-Amz-Expires=120" in result["report_url"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"start_date": "2026-01-01", "end_date": "2026-01-02"}, "report_type"),
        (
            {"report_type": "sales", "start_date": "2026-01-01", "end_date": "2026-01-02"},
            "report_type",
        ),
        ({"report_type": "tasks", "end_date": "2026-01-02"}, "start_date"),
        (
            {"report_type": "tasks", "start_date": "yesterday", "end_date": "2026-01-02"},
            "start_date",
        ),
        (
            {
                "report_type": "tasks",
                "start_date": "2026-01-01",
                "end_date": "2026-01-02",
                "format": "pdf",
            },
            "format",
        ),
        (
            {"report_type": "tasks", "start_date": "2026-01-05", "end_date": "2026-01-02"},
            "start_date must be before end_date",
        ),
    ],
)
def test_invalid_payloads_fail_permanently(run: Run, payload: dict[str, Any], field: str) -> None:
    with pytest.raises(PermanentTaskError, match=f"Invalid payload.*{field}"):
        run("report_generation", payload)


def test_without_a_bucket_the_task_fails_permanently(
    tasks_db: str, aws_env: str, run: Run, configure: Configure, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = {"report_type": "tasks", "start_date": "2026-03-10", "end_date": "2026-03-11"}
    configure(REPORTS_BUCKET=None)
    with pytest.raises(PermanentTaskError, match="REPORTS_BUCKET"):
        run("report_generation", payload)
    configure(REPORTS_BUCKET="no-such-bucket-here")
    with pytest.raises(PermanentTaskError, match="NoSuchBucket"):
        run("report_generation", payload)
