"""/api/v1/contacts through the real handler: CRUD, search, soft delete and restore, optimistic
versions, validation, and ownership (another user's contact is 404 on every route)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared import db
from shared.identity.principal import Role
from tests.ledger.conftest import Ledger
from tests.users import create_user

API = "/api/v1/contacts"


def test_create_get_update(alice: Ledger) -> None:
    created = alice.contact("Ana", email="ana@example.com", phone="+351 912 345 678")
    assert created["version"] == 1 and created["deleted_at"] is None
    assert alice.ok("GET", f"{API}/{created['id']}") == created
    changed = alice.ok("PATCH", f"{API}/{created['id']}", json_body={"note": "n", "email": None})
    assert (changed["note"], changed["email"], changed["version"]) == ("n", None, 2)
    same = alice.ok("PATCH", f"{API}/{created['id']}", json_body={"note": "n"})
    assert same["version"] == 2  # nothing changed: no event, no new version


def test_stale_version_is_refused(alice: Ledger) -> None:
    contact = alice.contact()
    alice.ok("PATCH", f"{API}/{contact['id']}", json_body={"name": "B", "version": 1})
    stale = alice.patch(f"{API}/{contact['id']}", json_body={"name": "C", "version": 1})
    assert stale.status_code == 409
    assert alice.ok("GET", f"{API}/{contact['id']}")["name"] == "B"


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 201},
        {"name": "A", "email": "not-an-email"},
        {"name": "A", "phone": "call me"},
        {"name": "A", "note": "nul\u0000"},
        {"name": 5},
        {},
    ],
)
def test_bad_input_is_refused_in_the_envelope(alice: Ledger, body: dict[str, Any]) -> None:
    response = alice.post(API, json_body=body)
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["code"] == "VALIDATION_FAILED"
    assert alice.ok("GET", API)["items"] == []


def test_name_cannot_be_cleared(alice: Ledger) -> None:
    contact = alice.contact()
    response = alice.patch(f"{API}/{contact['id']}", json_body={"name": None})
    assert response.status_code == 400, response.text
    assert "name" in response.json()["error"]["message"]


def test_soft_delete_and_restore(alice: Ledger) -> None:
    contact = alice.contact()
    deleted = alice.ok("DELETE", f"{API}/{contact['id']}")
    assert deleted["deleted_at"] is not None
    assert alice.ok("GET", API)["items"] == []
    assert [c["id"] for c in alice.ok("GET", API, params={"deleted": "true"})["items"]] == [
        contact["id"]
    ]
    assert alice.delete(f"{API}/{contact['id']}").status_code == 409
    assert alice.patch(f"{API}/{contact['id']}", json_body={"name": "x"}).status_code == 409
    restored = alice.ok("POST", f"{API}/{contact['id']}/restore")
    assert restored["deleted_at"] is None and restored["version"] == 3
    assert alice.post(f"{API}/{contact['id']}/restore").status_code == 409


def test_restore_window_is_30_days(alice: Ledger) -> None:
    contact = alice.contact()
    alice.ok("DELETE", f"{API}/{contact['id']}")
    db.connection().execute(
        "UPDATE contacts SET deleted_at = now() - interval '31 days' WHERE id = %s",
        (contact["id"],),
    )
    response = alice.post(f"{API}/{contact['id']}/restore")
    assert response.status_code == 409
    assert "30 days" in response.json()["error"]["message"]


def test_search_and_cursor_pages(alice: Ledger) -> None:
    names = [f"Person {i:02d}" for i in range(7)] + ["50%_off", "Zed"]
    for name in names:
        alice.contact(name, note="friend" if name == "Zed" else None)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "3"} | ({"cursor": cursor} if cursor else {})
        page = alice.ok("GET", API, params=params)
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(names, key=str.lower)
    assert [c["name"] for c in alice.ok("GET", API, params={"search": "%_"})["items"]] == [
        "50%_off"
    ]
    assert [c["name"] for c in alice.ok("GET", API, params={"search": "FRIEND"})["items"]] == [
        "Zed"
    ]


@pytest.mark.parametrize("cursor", ["garbage", "WyJ0cmFuc2FjdGlvbnMiLCJ4IiwieSJd", "W10"])
def test_bad_cursor_is_400(alice: Ledger, cursor: str) -> None:
    assert alice.get(API, params={"cursor": cursor}).status_code == 400


def test_another_users_contact_is_404_on_every_route(alice: Ledger, bob: Ledger) -> None:
    contact = alice.contact()
    path = f"{API}/{contact['id']}"
    admin = Ledger(create_user(Role.ADMIN)[1])
    for intruder in (bob, admin):
        assert intruder.get(path).status_code == 404
        assert intruder.patch(path, json_body={"name": "x"}).status_code == 404
        assert intruder.delete(path).status_code == 404
        assert intruder.post(f"{path}/restore").status_code == 404
        assert intruder.get(f"{path}/balance").status_code == 404
        assert intruder.ok("GET", API)["items"] == []
    assert alice.ok("GET", path)["name"] == "Ana"  # untouched


def test_missing_contact_is_404_and_anonymous_is_401(alice: Ledger) -> None:
    assert alice.get(f"{API}/{uuid.uuid4()}").status_code == 404
    assert alice.get(f"{API}/not-a-uuid").status_code == 400
    assert Ledger("").get(API).status_code == 401
