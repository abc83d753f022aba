"""/api/v1/transactions and /api/v1/balances through the real handler: integer money, currency
separation, settlements, filters, cursor pages and ownership."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.ledger.conftest import Ledger

API = "/api/v1/transactions"


def balances(client: Ledger) -> dict[tuple[str, str], int]:
    return {
        (b["contact_id"], b["currency"]): b["net"] for b in client.ok("GET", "/api/v1/balances")
    }


def test_balances_never_mix_currencies(alice: Ledger) -> None:
    ana, ben = alice.contact("Ana")["id"], alice.contact("Ben")["id"]
    alice.lend(ana, 1000)
    alice.ok(
        "POST",
        API,
        json_body={"contact_id": ana, "direction": "borrowed", "amount": 300, "currency": "EUR"},
    )
    alice.lend(ana, 500, "USD")
    alice.lend(ben, 7, "JPY")
    assert balances(alice) == {(ana, "EUR"): 700, (ana, "USD"): 500, (ben, "JPY"): 7}
    per_contact = alice.ok("GET", f"/api/v1/contacts/{ana}/balance")
    assert [(b["currency"], b["net"]) for b in per_contact] == [("EUR", 700), ("USD", 500)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", 10.5),
        ("amount", "100"),
        ("amount", 0),
        ("amount", -5),
        ("amount", 10**15 + 1),
        ("amount", True),
        ("currency", "eur"),
        ("currency", "EURO"),
        ("currency", "XXX"),  # well-formed, not a currency
        ("direction", "gave"),
        ("occurred_at", 1700000000),
        ("due_at", "tomorrow"),
    ],
)
def test_bad_money_is_refused(alice: Ledger, field: str, value: Any) -> None:
    ana = alice.contact()["id"]
    body = {"contact_id": ana, "direction": "lent", "amount": 100, "currency": "EUR"}
    response = alice.post(API, json_body=body | {field: value})
    assert response.status_code in (400, 422), response.text
    assert field in response.json()["error"]["message"]
    assert alice.ok("GET", API)["items"] == []


def test_partial_then_full_settlement(alice: Ledger) -> None:
    ana = alice.contact()["id"]
    debt = alice.lend(ana, 1000)
    first = alice.ok("POST", f"{API}/{debt['id']}/settlements", json_body={"amount": 400})
    assert (first["direction"], first["settles_id"], first["currency"]) == (
        "borrowed",
        debt["id"],
        "EUR",
    )
    after = alice.ok("GET", f"{API}/{debt['id']}")
    assert (after["settled_amount"], after["open_amount"], after["settled_at"]) == (400, 600, None)
    too_much = alice.post(f"{API}/{debt['id']}/settlements", json_body={"amount": 601})
    assert too_much.status_code == 400
    alice.ok("POST", f"{API}/{debt['id']}/settlements", json_body={"amount": 600})
    settled = alice.ok("GET", f"{API}/{debt['id']}")
    assert settled["open_amount"] == 0 and settled["settled_at"] is not None
    assert balances(alice) == {}  # settled up: nothing owed either way
    open_ids = [t["id"] for t in alice.ok("GET", API, params={"status": "open"})["items"]]
    assert open_ids == []
    nested = alice.post(f"{API}/{first['id']}/settlements", json_body={"amount": 1})
    assert nested.status_code == 409


def test_settlement_rules_on_update_and_delete(alice: Ledger) -> None:
    ana = alice.contact()["id"]
    debt = alice.lend(ana, 1000)
    part = alice.ok("POST", f"{API}/{debt['id']}/settlements", json_body={"amount": 400})
    assert alice.patch(f"{API}/{debt['id']}", json_body={"amount": 399}).status_code == 400
    assert alice.patch(f"{API}/{part['id']}", json_body={"amount": 1}).status_code == 409
    assert alice.delete(f"{API}/{debt['id']}").status_code == 409
    assert alice.delete(f"{API}/{part['id']}").status_code == 200
    assert alice.ok("GET", f"{API}/{debt['id']}")["settled_amount"] == 0
    assert balances(alice) == {(ana, "EUR"): 1000}
    assert alice.delete(f"{API}/{debt['id']}").status_code == 200
    assert balances(alice) == {}


def test_update_moves_the_balance_and_refuses_stale_versions(alice: Ledger) -> None:
    ana = alice.contact()["id"]
    debt = alice.lend(ana, 1000)
    changed = alice.ok("PATCH", f"{API}/{debt['id']}", json_body={"amount": 250, "version": 1})
    assert changed["version"] == 2
    assert balances(alice) == {(ana, "EUR"): 250}
    stale = alice.patch(f"{API}/{debt['id']}", json_body={"amount": 5, "version": 1})
    assert stale.status_code == 409
    assert alice.patch(f"{API}/{debt['id']}", json_body={"currency": "USD"}).status_code == 422


def test_filters_and_cursor_pages(alice: Ledger) -> None:
    ana, ben = alice.contact("Ana")["id"], alice.contact("Ben")["id"]
    made = [
        alice.lend(ana, 100 + i, occurred_at=f"2026-01-{i + 1:02d}T10:00:00Z") for i in range(5)
    ]
    alice.lend(ben, 9, "USD", due_at="2026-03-01T00:00:00Z", occurred_at="2026-02-01T00:00:00Z")
    only_ana = alice.ok("GET", API, params={"contact_id": ana, "limit": "200"})["items"]
    assert [t["id"] for t in only_ana] == [t["id"] for t in reversed(made)]
    usd = alice.ok("GET", API, params={"currency": "USD"})["items"]
    assert [t["amount"] for t in usd] == [9]
    due = alice.ok(
        "GET", API, params={"due_after": "2026-02-15T00:00:00Z", "due_before": "2026-03-02"}
    )
    assert [t["amount"] for t in due["items"]] == [9]
    seen, cursor = [], None
    while True:
        page = alice.ok("GET", API, params={"limit": "2"} | ({"cursor": cursor} if cursor else {}))
        seen += [t["id"] for t in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert len(seen) == len(set(seen)) == 6
    assert alice.get(API, params={"status": "closed"}).status_code in (400, 422)
    assert alice.get(API, params={"cursor": "bm9wZQ"}).status_code == 400


def test_deleted_contacts_take_no_new_transactions(alice: Ledger) -> None:
    ana = alice.contact()["id"]
    alice.lend(ana, 10)
    alice.ok("DELETE", f"/api/v1/contacts/{ana}")
    body = {"contact_id": ana, "direction": "lent", "amount": 1, "currency": "EUR"}
    assert alice.post(API, json_body=body).status_code == 409
    assert balances(alice) == {}  # hidden while deleted
    alice.ok("POST", f"/api/v1/contacts/{ana}/restore")
    assert balances(alice) == {(ana, "EUR"): 10}


def test_another_users_transactions_are_404(alice: Ledger, bob: Ledger) -> None:
    ana = alice.contact()["id"]
    debt = alice.lend(ana, 1000)
    path = f"{API}/{debt['id']}"
    assert bob.get(path).status_code == 404
    assert bob.patch(path, json_body={"amount": 1}).status_code == 404
    assert bob.delete(path).status_code == 404
    assert bob.post(f"{path}/settlements", json_body={"amount": 1}).status_code == 404
    body = {"contact_id": ana, "direction": "lent", "amount": 1, "currency": "EUR"}
    assert bob.post(API, json_body=body).status_code == 404  # her contact is not his
    assert bob.ok("GET", API)["items"] == [] and bob.ok("GET", "/api/v1/balances") == []
    assert alice.ok("GET", path)["amount"] == 1000
    assert alice.get(f"{API}/{uuid.uuid4()}").status_code == 404
