"""Users group: own account, management of others, and the session effects of each."""

from __future__ import annotations

import uuid

import pytest

from shared import db
from shared.identity.principal import Role
from tests.identity.conftest import PASSWORD, Api, error
from tests.users import create_user

ME = "/api/v1/auth/me"
MISSING = str(uuid.uuid4())


def test_moderator_lists_users_and_user_is_refused(api: Api) -> None:
    _, mod = create_user(Role.MODERATOR)
    admin, _ = create_user(Role.ADMIN)
    _, user = create_user()
    listed = api.as_(mod).get("/api/v1/users")
    assert listed.status_code == 200
    assert str(admin.id) in {u["id"] for u in listed.json()["data"]}  # includes admins
    for method, path in (
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/users"),
        ("GET", "/api/v1/admin/users/stats"),
    ):
        response = api.as_(user).request(method, path, json_body={} if method == "POST" else None)
        assert response.status_code == 403


def test_list_pagination(api: Api) -> None:
    _, mod = create_user(Role.MODERATOR)
    for _ in range(3):
        create_user()
    page = api.as_(mod).get("/api/v1/users", params={"limit": 2, "offset": 1}).json()["data"]
    assert len(page) == 2
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "abc"}):
        assert api.as_(mod).get("/api/v1/users", params=bad).status_code == 400


def test_get_user_by_id(api: Api) -> None:
    _, admin = create_user(Role.ADMIN)
    target, target_token = create_user()
    other, _ = create_user()
    assert api.as_(admin).get(f"/api/v1/users/{target.id}").json()["data"]["id"] == str(target.id)
    assert api.as_(target_token).get(f"/api/v1/users/{target.id}").status_code == 200
    for caller in (target_token, admin):
        assert error(api.as_(caller).get(f"/api/v1/users/{MISSING}")) == (
            404,
            "NOT_FOUND",
            "User not found",
        )
    assert error(api.as_(target_token).get(f"/api/v1/users/{other.id}")) == (
        404,
        "NOT_FOUND",
        "User not found",
    )
    assert api.as_(admin).get("/api/v1/users/not-a-uuid").status_code == 400
    assert api.as_(admin).get("/api/v1/users/me").status_code == 405


def test_own_profile(api: Api) -> None:
    user, token = create_user()
    me = api.as_(token)
    assert me.get("/api/v1/users/me/profile").json()["data"]["username"] == user.username
    db.connection().execute("UPDATE users SET email_verified = true WHERE id = %s", (user.id,))
    updated = me.put("/api/v1/users/me/profile", json_body={"email": "new@example.com"})
    assert updated.status_code == 200
    data = updated.json()["data"]
    assert (data["email"], data["email_verified"], data["username"]) == (
        "new@example.com",
        False,
        user.username,
    )
    renamed = me.put("/api/v1/users/me/profile", json_body={"username": "renamed"})
    assert renamed.json()["data"]["username"] == "renamed"
    assert error(me.put("/api/v1/users/me/profile", json_body={"email": "bad"}))[0] == 400
    assert error(me.put("/api/v1/users/me/profile", json_body={"username": "root"}))[0] == 400


def test_password_change_ends_other_sessions(api: Api) -> None:
    user, token = create_user()
    other = api.token_for(user.username)
    me = api.as_(token)
    response = me.put(
        "/api/v1/users/me/password",
        json_body={"current_password": PASSWORD, "new_password": "BrandNewPass456!"},
    )
    assert response.json()["data"] == "Password updated successfully"
    assert me.get(ME).status_code == 200
    assert api.as_(other).get(ME).status_code == 401
    assert api.login(user.username, "BrandNewPass456!").status_code == 200
    assert api.login(user.username, PASSWORD).status_code == 401


def test_password_change_errors(api: Api) -> None:
    _, token = create_user()
    me = api.as_(token)

    def change(current: object, new: object) -> tuple[int, str, str]:
        return error(
            me.put(
                "/api/v1/users/me/password",
                json_body={"current_password": current, "new_password": new},
            )
        )

    assert change("WrongPass999!", "BrandNewPass456!") == (
        401,
        "INVALID_CREDENTIALS",
        "Invalid credentials",
    )
    assert change(PASSWORD, PASSWORD) == (
        400,
        "VALIDATION_FAILED",
        "Validation failed for new_password: New password must be different from current password",
    )
    assert change("WrongPass999!", "weak")[2].startswith("Validation failed for new_password")
    assert change(12345678, 87654321)[0] == 422


def test_self_delete(api: Api) -> None:
    user, token = create_user()
    other = api.token_for(user.username)
    me = api.as_(token)
    assert error(
        me.delete("/api/v1/users/me", json_body={"password": PASSWORD, "confirmation": "yes"})
    ) == (
        400,
        "VALIDATION_FAILED",
        "Validation failed for confirmation: Must provide 'DELETE' as confirmation",
    )
    assert error(
        me.delete("/api/v1/users/me", json_body={"password": "nope", "confirmation": "DELETE"})
    ) == (400, "VALIDATION_FAILED", "Validation failed for password: Invalid password")
    assert (
        me.delete(
            "/api/v1/users/me", json_body={"password": PASSWORD, "confirmation": 1}
        ).status_code
        == 422
    )
    assert me.delete("/api/v1/users/me").status_code == 422
    response = me.delete(
        "/api/v1/users/me", json_body={"password": PASSWORD, "confirmation": "DELETE"}
    )
    assert response.json() == {
        "success": True,
        "data": "Account deleted successfully",
        "message": "Your account has been deactivated. All data will be retained for 30 days "
        "for recovery.",
    }
    assert me.get(ME).status_code == 401
    assert api.as_(other).get(ME).status_code == 401


def test_admin_creates_users(api: Api) -> None:
    _, admin = create_user(Role.ADMIN)
    plain = api.as_(admin).post(
        "/api/v1/users",
        json_body={"username": "created", "email": "created@example.com", "password": PASSWORD},
    )
    assert plain.json()["data"]["role"] == "user"
    mod = api.as_(admin).post(
        "/api/v1/users",
        json_body={
            "username": "created2",
            "email": "created2@example.com",
            "password": PASSWORD,
            "role": "moderator",
        },
    )
    assert mod.json()["data"]["role"] == "moderator"
    for role in ("ADMIN", " admin", "", None):
        bad = api.as_(admin).post(
            "/api/v1/users",
            json_body={
                "username": "c3",
                "email": "c3@example.com",
                "password": PASSWORD,
                "role": role,
            },
        )
        assert bad.status_code == 422


def test_admin_profile_status_role_reset_delete(api: Api) -> None:
    _, admin = create_user(Role.ADMIN)
    _, mod = create_user(Role.MODERATOR)
    target, target_token = create_user()
    base = f"/api/v1/users/{target.id}"
    profile = api.as_(admin).put(
        f"{base}/profile", json_body={"username": "edited", "email_verified": True}
    )
    assert (profile.json()["data"]["username"], profile.json()["data"]["email_verified"]) == (
        "edited",
        True,
    )
    role = api.as_(admin).put(f"{base}/role", json_body={"role": "moderator"})
    assert role.json()["data"]["role"] == "moderator"
    assert role.json()["message"] == "User role updated successfully"
    assert api.as_(target_token).get(ME).json()["data"]["role"] == "moderator"  # next request
    api.as_(admin).put(f"{base}/role", json_body={"role": "user"})
    reset = api.as_(mod).post(
        f"{base}/reset-password",
        json_body={"new_password": "ResetPass789!", "reason": "locked out"},
    )
    assert reset.json() == {
        "success": True,
        "data": "Password reset successfully",
        "message": "User's password has been updated. All existing sessions have been invalidated.",
    }
    assert api.as_(target_token).get(ME).status_code == 401
    new_token = api.token_for("edited", "ResetPass789!")
    status = api.as_(mod).put(f"{base}/status", json_body={"is_active": False})
    assert status.json()["data"]["is_active"] is False
    assert status.json()["message"] == "User account status updated"
    assert api.as_(new_token).get(ME).status_code == 401
    assert api.as_(mod).put(f"{base}/status", json_body={"is_active": True}).status_code == 200
    deleted = api.as_(admin).delete(base, json_body={"reason": "spam"})
    assert deleted.json() == {
        "success": True,
        "data": "User account deleted successfully",
        "message": "User account has been deactivated. Data retained for 30 days for recovery.",
    }
    assert api.as_(admin).get(base).status_code == 404
    assert error(api.as_(admin).delete(base, json_body={})) == (404, "NOT_FOUND", "User not found")


def test_hard_delete_removes_the_row(api: Api) -> None:
    _, admin = create_user(Role.ADMIN)
    target, _ = create_user()
    db.connection().execute("UPDATE users SET is_active = false WHERE id = %s", (target.id,))
    assert (
        api.as_(admin)
        .delete(f"/api/v1/users/{target.id}", json_body={"hard_delete": True})
        .status_code
        == 200
    )
    conn = db.connection()
    assert conn.execute("SELECT 1 FROM users WHERE id = %s", (target.id,)).fetchone() is None
    assert (
        conn.execute("SELECT 1 FROM sessions WHERE user_id = %s", (target.id,)).fetchone() is None
    )


def test_admin_cannot_delete_self_by_id_but_can_via_me(api: Api) -> None:
    admin, token = create_user(Role.ADMIN)
    create_user(Role.ADMIN)  # not the last admin
    assert error(api.as_(token).delete(f"/api/v1/users/{admin.id}", json_body={})) == (
        400,
        "VALIDATION_FAILED",
        "Validation failed for id: Cannot delete own account via this endpoint",
    )
    assert (
        api.as_(token)
        .delete("/api/v1/users/me", json_body={"password": PASSWORD, "confirmation": "DELETE"})
        .status_code
        == 200
    )
    assert api.as_(token).get(ME).status_code == 401


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("POST", "/reset-password", {"new_password": "ResetPass789!"}),
        ("PUT", "/status", {"is_active": False}),
        ("PUT", "/role", {"role": "user"}),
        ("PUT", "/profile", {"username": "whatever"}),
        ("DELETE", "", {}),
    ],
)
def test_operations_on_a_missing_user_are_404(
    api: Api, method: str, suffix: str, body: dict[str, object]
) -> None:
    _, admin = create_user(Role.ADMIN)
    response = api.as_(admin).request(method, f"/api/v1/users/{MISSING}{suffix}", json_body=body)
    assert error(response) == (404, "NOT_FOUND", "User not found")


def test_stats(api: Api) -> None:
    _, admin = create_user(Role.ADMIN)
    create_user(Role.MODERATOR)
    gone, _ = create_user()
    db.connection().execute("UPDATE users SET is_active = false WHERE id = %s", (gone.id,))
    data = api.as_(admin).get("/api/v1/admin/users/stats").json()["data"]
    assert set(data) == {
        "total_users",
        "active_users",
        "inactive_users",
        "email_verified",
        "email_unverified",
        "by_role",
        "recent_registrations",
        "last_updated",
    }
    assert data["total_users"] == data["active_users"] + data["inactive_users"] == 3
    assert data["active_users"] == sum(data["by_role"].values()) == 2
    assert data["by_role"]["admin"] >= 1
    assert data["recent_registrations"] == {"last_24h": 3, "last_7d": 3, "last_30d": 3}


@pytest.mark.parametrize(
    "email",
    [
        "",
        "@",
        "user@",
        "@example.com",
        "user@@example.com",
        "a@b@example.com",
        "us er@example.com",
        "user@exa mple.com",
        "user..name@example.com",
        ".user@example.com",
        "user.@example.com",
        "user@example",
        "a" * 65 + "@example.com",
        "user@" + "a" * 250 + ".com",
        "user@example.c",
        "user@-example.com",
        "user@example-.com",
        "user@[127.0.0.1]",
        "user@127.0.0.1",
        "user@example.com.",
        "user@.example.com",
        "userexample.com",
        "user@example..com",
        "user@exam_ple.com",
        "user@example.c0m",
        "user name@example.com",
        "user@example.com ",
        " user@example.com",
        'user"@example.com',
    ],
)
def test_invalid_emails(api: Api, email: str) -> None:
    assert error(api.register("walt", email)) == (
        400,
        "VALIDATION_FAILED",
        "Validation failed for email: Invalid email format",
    )


def test_registrations_per_day_are_zero_filled_for_admins_only(api: Api) -> None:
    _, admin = create_user(Role.ADMIN)
    old, user = create_user()
    db.connection().execute(
        "UPDATE users SET created_at = now() - interval '2 days' WHERE id = %s", (old.id,)
    )
    path = "/api/v1/admin/users/registrations"
    assert api.as_(user).get(path).status_code == 403
    data = api.as_(admin).get(path, params={"days": "4"}).json()["data"]
    assert [d["count"] for d in data] == [0, 1, 0, 1]
    assert len(api.as_(admin).get(path).json()["data"]) == 30
    assert api.as_(admin).get(path, params={"days": "0"}).status_code == 400


def test_admins_find_deactivated_accounts_to_reactivate(api: Api) -> None:
    _, admin = create_user(Role.ADMIN)
    _, moderator = create_user(Role.MODERATOR)
    gone, _ = create_user()
    kept, _ = create_user()
    path = "/api/v1/admin/users/deactivated"
    api.as_(admin).put(f"/api/v1/users/{gone.id}/status", json_body={"is_active": False})
    assert api.as_(moderator).get(path).status_code == 403
    listed = api.as_(admin).get(path).json()["data"]
    assert [u["id"] for u in listed] == [str(gone.id)] and listed[0]["is_active"] is False
    assert str(kept.id) not in {u["id"] for u in api.as_(admin).get(path).json()["data"]}
    api.as_(admin).put(f"/api/v1/users/{gone.id}/status", json_body={"is_active": True})
    assert api.as_(admin).get(path).json()["data"] == []
    assert api.as_(admin).get(path, params={"limit": "0"}).status_code == 400
