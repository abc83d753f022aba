"""Clients for the ledger's groups: one object per user that sends each request through the
Lambda handler the gateway would route it to."""

from __future__ import annotations

from typing import Any

import pytest

from functions.contacts.handler import handler as contacts_handler
from functions.devices.handler import handler as devices_handler
from functions.reminders.handler import handler as reminders_handler
from functions.sync.handler import handler as sync_handler
from functions.transactions.handler import handler as transactions_handler
from tests.lambda_client import LambdaClient, LambdaResponse, RequestVerbs
from tests.users import create_user

HANDLERS = {
    "contacts": contacts_handler,
    "transactions": transactions_handler,
    "balances": transactions_handler,
    "sync": sync_handler,
    "reminders": reminders_handler,
    "devices": devices_handler,
}


class Ledger(RequestVerbs):
    def __init__(self, token: str) -> None:
        self.token = token

    def request(self, method: str, path: str, **kwargs: Any) -> LambdaResponse:
        group = path.removeprefix("/api/v1/").split("/")[0]
        return LambdaClient(HANDLERS[group], token=self.token).request(method, path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def contact(self, name: str = "Ana", **fields: Any) -> dict[str, Any]:
        created: dict[str, Any] = self.ok(
            "POST", "/api/v1/contacts", json_body={"name": name, **fields}
        )
        return created

    def lend(self, contact_id: str, amount: int, currency: str = "EUR", **f: Any) -> Any:
        body = {
            "contact_id": contact_id,
            "direction": "lent",
            "amount": amount,
            "currency": currency,
        }
        return self.ok("POST", "/api/v1/transactions", json_body=body | f)


@pytest.fixture
def alice(database_url: str) -> Ledger:
    return Ledger(create_user()[1])


@pytest.fixture
def bob(database_url: str) -> Ledger:
    return Ledger(create_user()[1])
