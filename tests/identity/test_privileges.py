"""Privilege escalation paths are closed: moderators, last admin, self-service limits."""

from __future__ import annotations

import pytest

from shared import db
from shared.identity.principal import Role
from tests.identity.conftest import Api, error
from tests.users import create_user

MODERATORS_ONLY_USERS = (403, "FORBIDDEN", "Moderators can only manage users with the user role")


@pytest.mark.parametrize("target_role", [Role.ADMIN, Role.MODERATOR])
def test_moderator_cannot_touch_admins_or_moderators(api: Api, target_role: Role) -> None:
    _, mod = create_user(Role.MODERATOR)
    target, target_token = create_user(target_role)
    base = f"/api/v1/users/{target.id}"
    as_mod = api.as_(mod)
    assert (
        error(as_mod.post(f"{base}/reset-password", json_body={"new_password": "Takeover123!"}))
        == MODERATORS_ONLY_USERS
    )
    assert error(as_mod.put(f"{base}/status", json_body={"is_active": False})) == (
        MODERATORS_ONLY_USERS
    )
    assert error(as_mod.get(base)) == (404, "NOT_FOUND", "User not found")
    # Nothing changed: the target still logs in with the old password and its session works.
    assert api.as_(target_token).get("/api/v1/auth/me").status_code == 200
    assert api.login(target.username).status_code == 200


def test_moderator_can_view_themself(api: Api) -> None:
    mod, token = create_user(Role.MODERATOR)
    assert api.as_(token).get(f"/api/v1/users/{mod.id}").status_code == 200


def test_moderator_cannot_use_admin_routes(api: Api) -> None:
    _, mod = create_user(Role.MODERATOR)
    target, _ = create_user()
    as_mod = api.as_(mod)
    assert error(as_mod.put(f"/api/v1/users/{target.id}/role", json_body={"role": "admin"})) == (
        403,
        "FORBIDDEN",
        "Admin access required",
    )
    assert (
        as_mod.post(
            "/api/v1/users",
            json_body={
                "username": "x1",
                "email": "x1@example.com",
                "password": "SecurePass123!",
                "role": "admin",
            },
        ).status_code
        == 403
    )


def test_last_admin_cannot_be_demoted_deactivated_or_deleted(api: Api) -> None:
    admin, token = create_user(Role.ADMIN)
    as_admin = api.as_(token)
    base = f"/api/v1/users/{admin.id}"
    assert error(as_admin.put(f"{base}/role", json_body={"role": "user"})) == (
        409,
        "CONFLICT",
        "Cannot demote the last active admin",
    )
    assert error(as_admin.put(f"{base}/status", json_body={"is_active": False})) == (
        409,
        "CONFLICT",
        "Cannot deactivate the last active admin",
    )
    assert error(
        as_admin.delete(
            "/api/v1/users/me", json_body={"password": "SecurePass123!", "confirmation": "DELETE"}
        )
    ) == (409, "CONFLICT", "Cannot delete the last active admin")
    assert as_admin.get("/api/v1/auth/me").json()["data"]["role"] == "admin"


def test_an_inactive_admin_does_not_count(api: Api) -> None:
    admin, token = create_user(Role.ADMIN)
    other, _ = create_user(Role.ADMIN)
    db.connection().execute("UPDATE users SET is_active = false WHERE id = %s", (other.id,))
    assert (
        api.as_(token).put(f"/api/v1/users/{admin.id}/role", json_body={"role": "user"}).status_code
        == 409
    )


def test_with_two_admins_one_may_step_down(api: Api) -> None:
    admin, token = create_user(Role.ADMIN)
    other, _ = create_user(Role.ADMIN)
    assert (
        api.as_(token)
        .put(f"/api/v1/users/{admin.id}/role", json_body={"role": "moderator"})
        .status_code
        == 200
    )
    # Now `other` is the last one; the former admin has no power left to remove them.
    assert (
        api.as_(token).put(f"/api/v1/users/{other.id}/role", json_body={"role": "user"}).status_code
        == 403
    )


def test_registration_cannot_pick_a_role(api: Api) -> None:
    api.post(
        "/api/v1/auth/register",
        json_body={
            "username": "climber",
            "email": "c@example.com",
            "password": "SecurePass123!",
            "role": "admin",
        },
    )
    token = api.token_for("climber")
    assert api.as_(token).get("/api/v1/auth/me").json()["data"]["role"] == "user"
    assert (
        api.as_(token)
        .put("/api/v1/users/me/profile", json_body={"role": "admin"})
        .json()["data"]["role"]
        == "user"
    )
