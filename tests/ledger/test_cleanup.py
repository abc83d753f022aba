"""The ledger's daily clean-up through its Lambda handler: what it purges, what it keeps, the
log's integrity after a purge, and its counts as metrics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from functions.ledger_cleanup.handler import handler
from shared import db
from tests.ledger.conftest import Ledger
from tests.ledger.test_rebuild import snapshot
from tests.ledger.test_sync import change, push
from tools.lambda_events import FakeLambdaContext

EVENT = json.loads((Path(__file__).parents[2] / "events" / "ledger-cleanup.json").read_text())


def clean() -> dict[str, int]:
    result: dict[str, int] = handler(EVENT, FakeLambdaContext())
    return result


def sql(query: str, *params: Any) -> None:
    db.connection().execute(query, params)


def test_purges_old_deleted_contacts_from_projections_and_log(alice: Ledger) -> None:
    old, recent, kept = alice.contact("Old"), alice.contact("Recent"), alice.contact("Kept")
    debt = alice.lend(old["id"], 100)
    alice.lend(kept["id"], 5)
    alice.ok("POST", f"/api/v1/transactions/{debt['id']}/settlements", json_body={"amount": 40})
    for contact in (old, recent):
        alice.ok("DELETE", f"/api/v1/contacts/{contact['id']}")
    sql("UPDATE contacts SET deleted_at = now() - interval '31 days' WHERE id = %s", old["id"])
    assert clean() == {"contacts": 1, "idempotency_keys": 0, "sent_reminders": 0}
    assert alice.get(f"/api/v1/contacts/{old['id']}").status_code == 404
    assert alice.get(f"/api/v1/transactions/{debt['id']}").status_code == 404
    assert alice.ok("GET", f"/api/v1/contacts/{recent['id']}")["deleted_at"] is not None
    log = alice.ok("POST", "/api/v1/sync/pull", json_body={"cursor": 0})["changes"]
    about_old = [e for e in log if e["entity_id"] in (old["id"], debt["id"])]
    assert [e["type"] for e in about_old] == ["contact.purged"]  # the history is gone
    assert log[-1]["type"] == "contact.purged" and log[-1]["version"] == 3
    live = snapshot()
    assert clean()["contacts"] == 0  # idempotent
    from typer.testing import CliRunner

    from tools.cli import app

    assert CliRunner().invoke(app, ["ledger", "rebuild"]).exit_code == 0
    assert snapshot() == live  # the log still folds to the projections


def test_purges_expired_idempotency_keys_and_old_sent_one_off_reminders(alice: Ledger) -> None:
    import uuid

    push(alice, "phone", change("contact", str(uuid.uuid4()), "create", 0, name="A"))
    push(alice, "phone", change("contact", str(uuid.uuid4()), "create", 0, name="B"))
    sql(
        """UPDATE ledger_idempotency SET created_at = now() - interval '8 days'
           WHERE created_at = (SELECT min(created_at) FROM ledger_idempotency)"""
    )
    debt = alice.lend(alice.contact()["id"], 10)
    body = {"transaction_id": debt["id"], "channels": ["email"], "at": "2026-01-01T00:00:00Z"}
    old_once, fresh_once, daily = (
        alice.ok("POST", "/api/v1/reminders", json_body=body)["id"],
        alice.ok("POST", "/api/v1/reminders", json_body=body)["id"],
        alice.ok("POST", "/api/v1/reminders", json_body=body | {"recurrence": "daily"})["id"],
    )
    sql(
        """UPDATE reminders SET active = FALSE, next_run_at = NULL, sent_count = 1,
                  last_sent_at = now() - interval '91 days' WHERE id = ANY(%s::uuid[])""",
        [old_once, daily],
    )
    sql("UPDATE reminders SET recurrence = 'daily' WHERE id = %s", daily)
    sql(
        """UPDATE reminders SET active = FALSE, next_run_at = NULL, sent_count = 1,
                  last_sent_at = now() - interval '89 days' WHERE id = %s""",
        fresh_once,
    )
    assert clean() == {"contacts": 0, "idempotency_keys": 1, "sent_reminders": 1}
    left = {r["id"] for r in alice.ok("GET", "/api/v1/reminders")["items"]}
    assert left == {fresh_once, daily}
    metrics = (
        db.connection()
        .execute(
            """SELECT name, value FROM metrics WHERE name LIKE 'ledger_cleanup_%%'
           ORDER BY recorded_at DESC, name LIMIT 3"""
        )
        .fetchall()
    )
    assert {(m["name"], m["value"]) for m in metrics} == {
        ("ledger_cleanup_contacts_removed", 0.0),
        ("ledger_cleanup_idempotency_keys_removed", 1.0),
        ("ledger_cleanup_sent_reminders_removed", 1.0),
    }
