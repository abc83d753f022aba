"""Reminders: the API (ownership, validation) and the 5-minute run: exactly once under
overlapping runs, recurrence, retirement of settled debts, and notifications that go through the
task engine (a failing one retries without holding up the others)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from functions.reminder_dispatch.handler import handler as dispatch
from shared import db
from shared.tasks import service as tasks
from tests.conftest import Configure
from tests.ledger.conftest import Ledger
from tests.tasks.sqs import Queues
from tools.lambda_events import FakeLambdaContext, scheduled_event, sqs_event, sqs_message

API = "/api/v1/reminders"


@pytest.fixture
def engine(database_url: str, queues: Queues) -> Queues:
    tasks.sync_task_types(database_url)
    return queues


def debt(client: Ledger, **fields: Any) -> dict[str, Any]:
    return client.lend(client.contact()["id"], 1250, **fields)  # type: ignore[no-any-return]


def remind(client: Ledger, transaction_id: str, **fields: Any) -> dict[str, Any]:
    body = {"transaction_id": transaction_id, "channels": ["email"]} | fields
    created: dict[str, Any] = client.ok("POST", API, json_body=body)
    return created


def run() -> dict[str, int]:
    result: dict[str, int] = dispatch(scheduled_event("reminders"), FakeLambdaContext())
    return result


def notifications(kind: str | None = None) -> list[dict[str, Any]]:
    rows = db.connection().execute(
        """SELECT id, task_type, payload, metadata, status FROM tasks
           WHERE metadata ? 'reminder_id' AND (%s::text IS NULL OR task_type = %s)
           ORDER BY created_at""",
        (kind, kind),
    )
    return rows.fetchall()


def due_now(*reminder_ids: str) -> None:
    db.connection().execute(
        "UPDATE reminders SET next_run_at = now() - interval '1 minute' WHERE id = ANY(%s::uuid[])",
        (list(reminder_ids),),
    )


# ---- the API -------------------------------------------------------------------------------


def test_a_reminder_defaults_to_the_due_date(alice: Ledger) -> None:
    made = debt(alice, due_at="2027-01-15T09:00:00Z")
    reminder = remind(alice, made["id"], channels=["push", "email"])
    assert reminder["next_run_at"] == "2027-01-15T09:00:00.000000Z"
    assert reminder["channels"] == ["email", "push"] and reminder["active"] is True
    no_due = debt(alice)
    response = alice.post(API, json_body={"transaction_id": no_due["id"], "channels": ["email"]})
    assert response.status_code == 400 and "due date" in response.json()["error"]["message"]
    part = alice.ok(
        "POST", f"/api/v1/transactions/{made['id']}/settlements", json_body={"amount": 1250}
    )
    for settled in (made, part):  # nothing is due on either
        body = {"transaction_id": settled["id"], "channels": ["email"], "at": "2027-01-01"}
        refused = alice.post(API, json_body=body)
        assert refused.status_code == 400 and "settle" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    "fields",
    [
        {"channels": []},
        {"channels": ["sms"]},
        {"recurrence": "hourly"},
        {"at": "soon"},
        {"message": "x" * 501},
        {"extra": 1},
    ],
)
def test_bad_reminders_are_refused(alice: Ledger, fields: dict[str, Any]) -> None:
    made = debt(alice, due_at="2027-01-15T09:00:00Z")
    body = {"transaction_id": made["id"], "channels": ["email"]} | fields
    assert alice.post(API, json_body=body).status_code in (400, 422)


def test_update_and_null_fields(alice: Ledger) -> None:
    reminder = remind(alice, debt(alice)["id"], at="2027-02-01T00:00:00Z")
    path = f"{API}/{reminder['id']}"
    paused = alice.ok("PATCH", path, json_body={"active": False})
    assert paused["active"] is False and paused["next_run_at"] is None
    assert alice.patch(path, json_body={"active": True}).status_code == 400  # when?
    again = alice.ok(
        "PATCH", path, json_body={"at": "2027-03-01T00:00:00Z", "recurrence": "weekly"}
    )
    assert again["active"] is True and again["recurrence"] == "weekly"
    assert alice.patch(path, json_body={"channels": None}).status_code == 400


def test_another_users_reminders_and_transactions_are_404(alice: Ledger, bob: Ledger) -> None:
    made = debt(alice, due_at="2027-01-15T09:00:00Z")
    reminder = remind(alice, made["id"])
    path = f"{API}/{reminder['id']}"
    assert bob.get(path).status_code == 404
    assert bob.patch(path, json_body={"message": "x"}).status_code == 404
    assert bob.delete(path).status_code == 404
    body = {"transaction_id": made["id"], "channels": ["email"]}
    assert bob.post(API, json_body=body).status_code == 404
    assert bob.ok("GET", API)["items"] == []
    assert alice.ok("GET", path)["message"] == ""
    assert alice.delete(path).status_code == 200 and alice.get(path).status_code == 404


def test_list_pages(alice: Ledger) -> None:
    made = debt(alice, due_at="2027-01-15T09:00:00Z")
    ids = [remind(alice, made["id"])["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = alice.ok("GET", API, params={"limit": "2"} | ({"cursor": cursor} if cursor else {}))
        seen += [r["id"] for r in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == ids


# ---- the schedule --------------------------------------------------------------------------


def test_a_due_reminder_is_sent_once_and_retired(alice: Ledger, engine: Queues) -> None:
    made = debt(alice, due_at="2027-01-15T09:00:00Z", description="Dinner")
    reminder = remind(alice, made["id"])
    assert run()["claimed"] == 0  # not due yet
    due_now(reminder["id"])
    assert run() == {"claimed": 1, "sent": 1, "notifications": 1, "failed": 0, "retired": 0}
    [email] = notifications("email")
    assert email["payload"]["body"] == "Ana owes you 12.50 EUR (due 2027-01-15). Dinner."
    assert engine.count("TaskQueue") == 1  # sent to the queue after the commit
    after = alice.ok("GET", f"{API}/{reminder['id']}")
    assert (after["active"], after["next_run_at"], after["sent_count"]) == (False, None, 1)
    assert run()["claimed"] == 0 and len(notifications()) == 1


def test_overlapping_runs_send_each_reminder_exactly_once(alice: Ledger, engine: Queues) -> None:
    made = debt(alice, due_at="2027-01-15T09:00:00Z")
    ids = [remind(alice, made["id"])["id"] for _ in range(30)]
    due_now(*ids)
    # A run that has claimed the first ten and not yet committed...
    with psycopg.connect(db.conninfo(db.get_settings()), autocommit=False) as holder:
        held = holder.execute(
            """SELECT id FROM reminders WHERE id = ANY(%s::uuid[]) ORDER BY next_run_at, id
               LIMIT 10 FOR UPDATE""",
            (ids,),
        ).fetchall()
        # ...while two more runs start at once.
        results: list[dict[str, int]] = []

        def overlapping() -> None:
            db.current_slot.set(db.ConnectionSlot())
            asyncio.set_event_loop(asyncio.new_event_loop())
            results.append(run())

        threads = [threading.Thread(target=overlapping) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(r["sent"] for r in results) == 20
        holder.rollback()  # the first run dies: its reminders stay due
    assert len(held) == 10
    assert run()["sent"] == 10
    sent = [n["metadata"]["reminder_id"] for n in notifications()]
    assert sorted(sent) == sorted(ids)  # every reminder once, none twice


def test_recurrence_moves_to_the_next_future_occurrence(alice: Ledger, engine: Queues) -> None:
    made = debt(alice)
    daily = remind(alice, made["id"], at="2026-01-01T08:00:00Z", recurrence="daily")
    weekly = remind(alice, made["id"], at="2026-01-05T08:00:00Z", recurrence="weekly")
    assert run()["sent"] == 2  # both long overdue: one notification each, not a burst
    now = datetime.now(UTC)
    for reminder, step in ((daily, timedelta(days=1)), (weekly, timedelta(days=7))):
        after = alice.ok("GET", f"{API}/{reminder['id']}")
        following = datetime.fromisoformat(after["next_run_at"])
        assert now < following <= now + step
        assert following.time() == datetime(2026, 1, 1, 8, tzinfo=UTC).time()
        assert (after["active"], after["sent_count"]) == (True, 1)
    assert run()["claimed"] == 0 and len(notifications()) == 2


def test_settled_or_deleted_debts_retire_their_reminders(alice: Ledger, engine: Queues) -> None:
    settled, deleted = debt(alice), debt(alice)
    first = remind(alice, settled["id"], at="2026-01-01T00:00:00Z", recurrence="daily")
    second = remind(alice, deleted["id"], at="2026-01-01T00:00:00Z")
    alice.ok(
        "POST", f"/api/v1/transactions/{settled['id']}/settlements", json_body={"amount": 1250}
    )
    alice.ok("DELETE", f"/api/v1/transactions/{deleted['id']}")
    assert run() == {"claimed": 2, "sent": 0, "notifications": 0, "failed": 0, "retired": 2}
    for reminder in (first, second):
        assert alice.ok("GET", f"{API}/{reminder['id']}")["active"] is False
    assert notifications() == []


def test_push_goes_to_every_device_and_nowhere_is_a_failure(alice: Ledger, engine: Queues) -> None:
    made = debt(alice)
    lonely = remind(alice, made["id"], at="2026-01-01T00:00:00Z", channels=["push"])
    assert run() == {"claimed": 1, "sent": 0, "notifications": 0, "failed": 1, "retired": 0}
    assert alice.ok("GET", f"{API}/{lonely['id']}")["sent_count"] == 0
    for device in ("phone", "tablet"):
        alice.ok(
            "POST",
            "/api/v1/devices",
            json_body={"device_id": device, "platform": "fcm", "token": f"token-{device}-123"},
        )
    remind(alice, made["id"], at="2026-01-01T00:00:00Z", channels=["push", "email"])
    assert run()["notifications"] == 3
    pushes = notifications("push")
    assert {p["payload"]["endpoint"].rsplit("/", 1)[1] for p in pushes} == {"phone", "tablet"}


def work(task_id: Any) -> dict[str, Any]:
    from functions.worker.handler import handler

    event = sqs_event("TaskQueue", [sqs_message({"task_id": str(task_id)})])
    handler(event, FakeLambdaContext())
    row = (
        db.connection()
        .execute("SELECT status, current_attempt, last_error FROM tasks WHERE id = %s", (task_id,))
        .fetchone()
    )
    assert row is not None
    return row


def test_a_failed_push_retries_without_blocking_other_reminders(
    alice: Ledger, bob: Ledger, engine: Queues, configure: Configure
) -> None:
    alice.ok(
        "POST",
        "/api/v1/devices",
        json_body={"device_id": "p", "platform": "fcm", "token": "alice-token-1"},
    )
    bob.ok(
        "POST",
        "/api/v1/devices",
        json_body={"device_id": "p", "platform": "fcm", "token": "bob-token-12"},
    )
    remind(alice, debt(alice)["id"], at="2026-01-01T00:00:00Z", channels=["push"])
    remind(bob, debt(bob)["id"], at="2026-01-01T00:00:00Z", channels=["push"])
    run()
    alices, bobs = notifications("push")
    # Alice's endpoint is a real SNS one that cannot be reached right now; Bob's is local.
    db.connection().execute(
        "UPDATE tasks SET payload = jsonb_set(payload, '{endpoint}', %s) WHERE id = %s",
        ('"arn:aws:sns:us-east-1:123456789012:endpoint/GCM/app/1"', alices["id"]),
    )
    configure(AWS_ENDPOINT_URL="http://127.0.0.1:9", TASK_LEASE_MARGIN_SECONDS="1")
    from shared import aws

    aws.reset()
    try:
        failed = work(alices["id"])
        assert failed["status"] == "retrying", failed
        assert "SNS Publish failed" in failed["last_error"]
        assert work(bobs["id"])["status"] == "completed"
    finally:
        aws.reset()
