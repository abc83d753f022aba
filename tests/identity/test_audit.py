"""The audit trail: one row per privileged action, with the reason; admins read it."""

from __future__ import annotations

from shared import db
from shared.identity.principal import Role
from tests.identity.conftest import PASSWORD, Api
from tests.users import create_user

AUDIT = "/api/v1/admin/audit"


def test_every_privileged_action_is_recorded_with_its_reason(api: Api) -> None:
    admin, admin_token = create_user(Role.ADMIN)
    mod, mod_token = create_user(Role.MODERATOR)
    as_admin, as_mod = api.as_(admin_token), api.as_(mod_token)
    created = as_admin.post(
        "/api/v1/users",
        json_body={
            "username": "audited",
            "email": "audited@example.com",
            "password": PASSWORD,
            "reason": "new hire",
        },
    ).json()["data"]
    base = f"/api/v1/users/{created['id']}"
    as_admin.put(f"{base}/profile", json_body={"email_verified": True, "reason": "verified"})
    as_mod.put(f"{base}/status", json_body={"is_active": False, "reason": "abuse"})
    as_mod.put(f"{base}/status", json_body={"is_active": True, "reason": "appeal"})
    as_mod.post(
        f"{base}/reset-password",
        json_body={"new_password": "ResetPass789!", "reason": "locked out"},
    )
    as_admin.put(f"{base}/role", json_body={"role": "moderator", "reason": "promotion"})
    as_admin.delete(base, json_body={"reason": "left", "hard_delete": True})

    entries = as_admin.get(AUDIT, params={"target_id": created["id"]}).json()["data"]
    assert [(e["action"], e["reason"], e["actor_username"]) for e in reversed(entries)] == [
        ("user.create", "new hire", admin.username),
        ("user.profile_update", "verified", admin.username),
        ("user.status", "abuse", mod.username),
        ("user.status", "appeal", mod.username),
        ("user.reset_password", "locked out", mod.username),
        ("user.role", "promotion", admin.username),
        ("user.delete", "left", admin.username),
    ]
    assert all(e["target_username"] == "audited" and e["created_at"].endswith("Z") for e in entries)
    assert entries[1]["details"] == {"from": "user", "to": "moderator"}


def test_refused_actions_leave_no_row(api: Api) -> None:
    _, mod = create_user(Role.MODERATOR)
    admin, _ = create_user(Role.ADMIN)
    api.as_(mod).put(f"/api/v1/users/{admin.id}/status", json_body={"is_active": False})
    row = db.connection().execute("SELECT count(*) AS n FROM audit_log").fetchone()
    assert row is not None and row["n"] == 0


def test_filters_and_pagination(api: Api) -> None:
    admin, token = create_user(Role.ADMIN)
    _, mod_token = create_user(Role.MODERATOR)
    targets = [create_user()[0] for _ in range(3)]
    for target in targets:
        api.as_(mod_token).put(
            f"/api/v1/users/{target.id}/status", json_body={"is_active": False, "reason": "r"}
        )
    api.as_(token).put(f"/api/v1/users/{targets[0].id}/role", json_body={"role": "moderator"})
    as_admin = api.as_(token)
    assert len(as_admin.get(AUDIT).json()["data"]) == 4
    assert len(as_admin.get(AUDIT, params={"action": "user.status"}).json()["data"]) == 3
    assert len(as_admin.get(AUDIT, params={"actor_id": str(admin.id)}).json()["data"]) == 1
    page = as_admin.get(AUDIT, params={"limit": 2, "offset": 3}).json()["data"]
    assert len(page) == 1
    assert as_admin.get(AUDIT, params={"since": "2999-01-01T00:00:00Z"}).json()["data"] == []
    assert len(as_admin.get(AUDIT, params={"until": "2999-01-01T00:00:00Z"}).json()["data"]) == 4
    assert as_admin.get(AUDIT, params={"action": "nope"}).status_code == 400
    assert as_admin.get(AUDIT, params={"since": "yesterday"}).status_code == 400
    assert as_admin.get(AUDIT, params={"limit": 1001}).status_code == 400
