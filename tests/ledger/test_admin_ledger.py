"""Admins read a user's ledger only through /admin/users/{id}/ledger, with a reason that lands
in the audit trail; nobody else reads it at all."""

from __future__ import annotations

import uuid

from functions.admin.handler import handler as admin_handler
from shared.identity.principal import Role
from tests.lambda_client import LambdaClient
from tests.ledger.conftest import Ledger
from tests.users import create_user


def test_an_admin_read_is_audited_with_its_reason(database_url: str) -> None:
    owner, owner_token = create_user()
    alice = Ledger(owner_token)
    ana = alice.contact("Ana")["id"]
    alice.lend(ana, 1500, "EUR")
    admin, admin_token = create_user(Role.ADMIN)
    api = LambdaClient(admin_handler, token=admin_token)
    path = f"/api/v1/admin/users/{owner.id}/ledger"
    assert api.get(path).status_code in (400, 422)  # no reason, no read
    assert api.get(path, params={"reason": "  "}).status_code in (400, 422)
    view = api.get(path, params={"reason": "support ticket 4411"})
    assert view.status_code == 200, view.text
    data = view.json()["data"]
    assert [c["name"] for c in data["contacts"]["items"]] == ["Ana"]
    assert data["balances"] == [{"contact_id": ana, "currency": "EUR", "net": 1500}]
    trail = api.get("/api/v1/admin/audit", params={"action": "ledger.read"}).json()["data"]
    assert [(e["actor_id"], e["target_id"], e["reason"]) for e in trail] == [
        (str(admin.id), str(owner.id), "support ticket 4411")
    ]
    missing = api.get(f"/api/v1/admin/users/{uuid.uuid4()}/ledger", params={"reason": "x y z"})
    assert missing.status_code == 404


def test_moderators_and_users_cannot_read_a_ledger(database_url: str) -> None:
    owner, _ = create_user()
    for role in (Role.USER, Role.MODERATOR):
        api = LambdaClient(admin_handler, token=create_user(role)[1])
        response = api.get(f"/api/v1/admin/users/{owner.id}/ledger", params={"reason": "curious"})
        assert response.status_code == 403
