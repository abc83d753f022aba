"""The handlers through the real worker Lambda handler (an SQS event): the creator reaches the
handler, and results, metadata and permanent failures land on the task row."""

from __future__ import annotations

import csv
import io
import urllib.request
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from shared import db
from shared.errors import ValidationFailed
from shared.identity.principal import Role
from shared.tasks import service
from tests.conftest import Configure
from tests.handlers.fake_http import fake_server
from tests.users import create_user
from tools.lambda_events import FakeLambdaContext, sqs_event, sqs_message


@pytest.fixture
def tasks_db(database_url: str) -> str:
    service.sync_task_types(database_url)
    return database_url


def work(task_id: UUID) -> dict[str, Any]:
    from functions.worker.handler import handler

    event = sqs_event("TaskQueue", [sqs_message({"task_id": str(task_id)})])
    assert handler(event, FakeLambdaContext()) == {"batchItemFailures": []}
    row = (
        db.connection()
        .execute("SELECT status, result, metadata, last_error FROM tasks WHERE id = %s", (task_id,))
        .fetchone()
    )
    assert row is not None
    return row


def test_an_admin_users_report_and_a_refused_one(tasks_db: str, bucket: str) -> None:
    admin, _ = create_user(Role.ADMIN)
    user, _ = create_user(Role.USER)
    today = datetime.now(UTC).date().isoformat()
    payload = {"report_type": "users", "start_date": today, "end_date": today}
    done = work(service.submit("report_generation", payload, created_by=admin.id).id)
    assert done["status"] == "completed", done["last_error"]
    assert done["result"]["row_count"] == 2
    with urllib.request.urlopen(done["result"]["report_url"], timeout=10) as r:
        names = {row["username"] for row in csv.DictReader(io.StringIO(r.read().decode()))}
    assert names == {admin.username, user.username}
    refused = work(service.submit("report_generation", payload, created_by=user.id).id)
    assert refused["status"] == "failed"
    assert "admin" in refused["last_error"]


def test_an_email_task_records_the_message_id(tasks_db: str, ses: Any) -> None:
    row = work(service.submit("email", {"to": "a@example.com", "subject": "s", "body": "b"}).id)
    assert row["status"] == "completed", row["last_error"]
    assert row["result"]["message_id"]
    assert row["metadata"]["email_sent"] is True


def test_an_invalid_payload_fails_at_once(tasks_db: str) -> None:
    row = work(service.submit("report_generation", {"format": "csv"}).id)
    assert row["status"] == "failed"
    assert "Invalid payload: report_type" in row["last_error"]


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://x", "must be an absolute http or https URL"),
        ("http://127.0.0.1:9/hook", "non-public address"),
        ("http://169.254.169.254/latest/meta-data", "non-public address"),
        ("http://[::ffff:10.0.0.1]/hook", "non-public address"),
        ("https://no-such-host.invalid/hook", "could not be resolved"),
    ],
)
def test_a_webhook_url_is_checked_when_the_task_is_submitted(
    tasks_db: str, url: str, reason: str
) -> None:
    with pytest.raises(ValidationFailed, match=reason):
        service.submit("webhook", {"url": url})


@pytest.mark.parametrize(("retry_after", "expected"), [(1200, 1200), (5, 300)])
def test_retry_after_counts_only_when_longer_than_the_backoff(
    tasks_db: str, configure: Configure, retry_after: int, expected: int
) -> None:
    configure(WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32")
    strategy = {"type": "fixed", "interval_seconds": 300, "max_attempts": 3, "jitter": False}
    with fake_server() as server:
        url = server.url(f"/status/503?retry-after={retry_after}")
        task = service.submit("webhook", {"url": url}, retry_strategy=strategy)
        row = work(task.id)
    assert row["status"] == "retrying"
    delay = (
        db.connection()
        .execute(
            "SELECT extract(epoch FROM scheduled_at - now()) AS s FROM tasks WHERE id = %s",
            (task.id,),
        )
        .fetchone()
    )
    assert delay is not None and expected - 30 < float(delay["s"]) <= expected
