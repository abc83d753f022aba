"""The ledger's sample events in events/ (for `sam local invoke`) work against the real
handlers, with a session token in place of the placeholder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from functions.contacts.handler import handler as contacts
from functions.devices.handler import handler as devices
from functions.ledger_cleanup.handler import handler as ledger_cleanup
from functions.reminder_dispatch.handler import handler as reminder_dispatch
from functions.reminders.handler import handler as reminders
from functions.sync.handler import handler as sync
from functions.transactions.handler import handler as transactions
from shared.tasks.service import sync_task_types
from tests.users import create_user
from tools.lambda_events import FakeLambdaContext
from tools.sam_test import PLACEHOLDER

EVENTS = Path(__file__).resolve().parents[2] / "events"
HTTP = {
    "contacts-list.json": contacts,
    "transactions-list.json": transactions,
    "reminders-list.json": reminders,
    "devices-list.json": devices,
    "sync-pull.json": sync,
}


def load(name: str, token: str = "") -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text().replace(PLACEHOLDER, token))
    return event


@pytest.mark.parametrize("name", sorted(HTTP))
def test_http_sample_events(name: str, database_url: str) -> None:
    token = create_user()[1]
    answer = HTTP[name](load(name, token), FakeLambdaContext())
    assert answer["statusCode"] == 200, answer
    assert HTTP[name](load(name), FakeLambdaContext())["statusCode"] == 401


def test_scheduled_sample_events(database_url: str) -> None:
    sync_task_types(database_url)
    summary = reminder_dispatch(load("reminder-dispatch.json"), FakeLambdaContext())
    assert summary["claimed"] == 0
    assert set(ledger_cleanup(load("ledger-cleanup.json"), FakeLambdaContext())) == {
        "contacts",
        "idempotency_keys",
        "sent_reminders",
    }
