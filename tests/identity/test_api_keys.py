"""API keys: shown once, stored hashed, scoped, expiring, counted, revocable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared import db
from shared.identity.principal import Role
from tests.identity.conftest import Api, error
from tests.users import create_user

KEYS = "/api/v1/auth/api-keys"


def new_key(api: Api, token: str, *scopes: str, **extra: Any) -> dict[str, Any]:
    response = api.as_(token).post(KEYS, json_body={"name": "ci", "scopes": list(scopes), **extra})
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def test_key_is_shown_once_and_stored_hashed(api: Api) -> None:
    _, token = create_user()
    created = new_key(api, token, "read")
    key = created["key"]
    assert key.startswith("sk_live_") and created["key_prefix"] == key[:14]
    assert created["usage_count"] == 0 and created["last_used_at"] is None
    listed = api.as_(token).get(KEYS).json()["data"]
    assert [k["id"] for k in listed] == [created["id"]]
    assert "key" not in listed[0]
    dump = db.connection().execute("SELECT row_to_json(k)::text AS r FROM api_keys k").fetchone()
    assert dump is not None and key not in dump["r"] and created["key_prefix"] in dump["r"]


def test_read_scope_allows_only_safe_methods(api: Api) -> None:
    _, token = create_user()
    key = new_key(api, token, "read")["key"]
    as_key = api.as_(key)
    assert as_key.get("/api/v1/auth/me").status_code == 200
    assert as_key.get("/api/v1/users/me/profile").status_code == 200
    assert error(as_key.put("/api/v1/users/me/profile", json_body={"username": "x"})) == (
        403,
        "FORBIDDEN",
        "API key scope does not allow this request",
    )


def test_write_scope_allows_the_owners_mutations_only(api: Api) -> None:
    _, token = create_user(Role.MODERATOR)
    key = new_key(api, token, "write")["key"]
    as_key = api.as_(key)
    renamed = as_key.put("/api/v1/users/me/profile", json_body={"username": "keyed"})
    assert renamed.status_code == 200
    # Without the admin scope a key acts as a plain user: no moderator powers.
    assert as_key.get("/api/v1/users").status_code == 403
    assert as_key.get("/api/v1/auth/me").json()["data"]["role"] == "user"
    # Keys cannot mint keys or manage sessions.
    assert as_key.post(KEYS, json_body={"name": "x", "scopes": ["read"]}).status_code == 403
    assert as_key.post("/api/v1/auth/logout").status_code == 403


def test_admin_scope_needs_an_admin_owner(api: Api) -> None:
    _, user = create_user()
    assert error(api.as_(user).post(KEYS, json_body={"name": "x", "scopes": ["admin"]})) == (
        403,
        "FORBIDDEN",
        "Only admins can create API keys with the admin scope",
    )
    admin, admin_token = create_user(Role.ADMIN)
    create_user(Role.ADMIN)
    key = new_key(api, admin_token, "admin")["key"]
    assert api.as_(key).get("/api/v1/admin/users/stats").status_code == 200
    write_key = new_key(api, admin_token, "write")["key"]
    assert api.as_(write_key).get("/api/v1/admin/users/stats").status_code == 403
    # An owner who is no longer an admin loses the scope at once.
    db.connection().execute("UPDATE users SET role = 'user' WHERE id = %s", (admin.id,))
    assert api.as_(key).get("/api/v1/admin/users/stats").status_code == 403


def test_expired_revoked_and_deactivated_keys_are_rejected(api: Api) -> None:
    user, token = create_user()
    expiring = new_key(
        api, token, "read", expires_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat()
    )
    assert api.as_(expiring["key"]).get("/api/v1/auth/me").status_code == 200
    db.connection().execute(
        "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = %s",
        (expiring["id"],),
    )
    assert api.as_(expiring["key"]).get("/api/v1/auth/me").status_code == 401

    revoked = new_key(api, token, "read")
    assert api.as_(token).delete(f"{KEYS}/{revoked['id']}").json()["data"] == "API key revoked"
    assert api.as_(revoked["key"]).get("/api/v1/auth/me").status_code == 401
    assert error(api.as_(token).delete(f"{KEYS}/{revoked['id']}")) == (
        404,
        "NOT_FOUND",
        "API key not found",
    )

    live = new_key(api, token, "read")
    db.connection().execute("UPDATE users SET is_active = false WHERE id = %s", (user.id,))
    assert api.as_(live["key"]).get("/api/v1/auth/me").status_code == 401


def test_another_users_key_cannot_be_seen_or_revoked(api: Api) -> None:
    _, owner = create_user()
    _, other = create_user()
    key = new_key(api, owner, "read")
    assert api.as_(other).get(KEYS).json()["data"] == []
    assert api.as_(other).delete(f"{KEYS}/{key['id']}").status_code == 404
    assert api.as_(key["key"]).get("/api/v1/auth/me").status_code == 200


def test_usage_is_counted(api: Api) -> None:
    _, token = create_user()
    key = new_key(api, token, "read")
    for _ in range(3):
        api.as_(key["key"]).get("/api/v1/auth/me")
    api.as_(key["key"]).put("/api/v1/users/me/profile", json_body={})  # refused: not counted
    listed = api.as_(token).get(KEYS).json()["data"][0]
    assert listed["usage_count"] == 3
    assert listed["last_used_at"] is not None


def test_bad_key_requests(api: Api) -> None:
    _, token = create_user()
    me = api.as_(token)
    assert me.post(KEYS, json_body={"name": "x", "scopes": []}).status_code == 422
    assert me.post(KEYS, json_body={"name": "x", "scopes": ["root"]}).status_code == 422
    assert error(me.post(KEYS, json_body={"name": " ", "scopes": ["read"]}))[0] == 400
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert error(
        me.post(KEYS, json_body={"name": "x", "scopes": ["read"], "expires_at": past})
    ) == (
        400,
        "VALIDATION_FAILED",
        "Validation failed for expires_at: Expiry must be in the future",
    )
    assert api.as_("sk_live_nonsense").get("/api/v1/auth/me").status_code == 401
    assert me.delete(f"{KEYS}/not-a-uuid").status_code == 400


def test_revoke_all_ends_every_key_of_the_caller_only(api: Api) -> None:
    _, token = create_user()
    _, other_token = create_user()
    mine = [new_key(api, token, "read")["key"], new_key(api, token, "write")["key"]]
    theirs = new_key(api, other_token, "read")["key"]
    response = api.as_(token).delete(KEYS)
    assert response.status_code == 200 and response.json()["data"] == {"revoked": 2}
    for key in mine:
        assert api.as_(key).get("/api/v1/auth/me").status_code == 401
    assert api.as_(theirs).get("/api/v1/auth/me").status_code == 200
    assert api.as_(theirs).delete(KEYS).status_code == 403  # keys cannot manage keys


def test_a_deactivated_users_keys_stop_at_once(api: Api) -> None:
    _, token = create_user()
    key = new_key(api, token, "read")["key"]
    owner = api.as_(key).get("/api/v1/auth/me").json()["data"]
    db.connection().execute("UPDATE users SET is_active = false WHERE id = %s", (owner["id"],))
    assert api.as_(key).get("/api/v1/auth/me").status_code == 401
