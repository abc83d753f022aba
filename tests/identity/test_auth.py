"""Auth group: register, login, sessions, refresh and their failure paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared import db
from tests.identity.conftest import PASSWORD, Api, error
from tests.users import create_user

ME = "/api/v1/auth/me"


def test_register_then_login(api: Api) -> None:
    registered = api.register("alice")
    assert registered.status_code == 200
    body = registered.json()
    assert body["success"] is True and body["message"] is None
    profile = body["data"]
    assert set(profile) == {
        "id",
        "username",
        "email",
        "role",
        "is_active",
        "email_verified",
        "created_at",
        "last_login_at",
    }
    assert (profile["role"], profile["is_active"], profile["email_verified"]) == (
        "user",
        True,
        False,
    )
    assert profile["last_login_at"] is None
    login = api.login("alice", user_agent="pytest")
    assert login.status_code == 200
    data = login.json()["data"]
    assert len(data["session_token"]) == 64
    assert data["user"]["username"] == "alice"
    assert data["user"]["last_login_at"] is None  # the profile as it was before this login
    assert data["expires_at"].endswith("Z")
    me = api.as_(data["session_token"]).get(ME)
    assert me.json()["data"] == {
        "id": profile["id"],
        "username": "alice",
        "email": "alice@example.com",
        "role": "user",
    }


def test_register_ignores_a_role_field(api: Api) -> None:
    response = api.post(
        "/api/v1/auth/register",
        json_body={
            "username": "sneaky",
            "email": "s@example.com",
            "password": PASSWORD,
            "role": "admin",
        },
    )
    assert response.json()["data"]["role"] == "user"


def test_login_by_email_and_regardless_of_case(api: Api) -> None:
    api.register("Carol", "Carol@Example.com")
    by_email = api.post(
        "/api/v1/auth/login", json_body={"email": "carol@example.com", "password": PASSWORD}
    )
    assert by_email.status_code == 200
    assert api.login("CAROL").status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"username": "a", "email": "a@example.com", "password": "x"},
            "Validation failed for login: Provide either username or email, not both",
        ),
        (
            {"password": "x"},
            "Validation failed for login: Either username or email must be provided",
        ),
        (
            {"username": "   ", "password": "x"},
            "Validation failed for username: Username cannot be empty",
        ),
        ({"email": " ", "password": "x"}, "Validation failed for email: Email cannot be empty"),
        (
            {"username": "alice", "password": ""},
            "Validation failed for password: Password cannot be empty",
        ),
        (
            {"username": "bad name!", "password": "x"},
            "Validation failed for username: "
            "Username can only contain letters, numbers, underscores, and hyphens",
        ),
        (
            {"email": "not-an-email", "password": "x"},
            "Validation failed for email: Invalid email format",
        ),
    ],
)
def test_login_input_errors(api: Api, body: dict[str, str], message: str) -> None:
    assert error(api.post("/api/v1/auth/login", json_body=body)) == (
        400,
        "VALIDATION_FAILED",
        message,
    )


def test_wrong_password_unknown_and_inactive_users_look_identical(api: Api) -> None:
    api.register("dave")
    api.register("erin")
    db.connection().execute("UPDATE users SET is_active = false WHERE username = 'erin'")
    outcomes = {
        error(api.login("dave", "WrongPass123!")),
        error(api.login("nobody_here")),
        error(api.login("erin")),
    }
    assert outcomes == {(401, "INVALID_CREDENTIALS", "Invalid credentials")}


def test_register_errors(api: Api) -> None:
    api.register("frank")
    assert error(api.register("frank", "other@example.com"))[:2] == (409, "USERNAME_ALREADY_EXISTS")
    assert error(api.register("frank2", "frank@example.com"))[:2] == (409, "EMAIL_ALREADY_EXISTS")
    assert error(api.register("gina", "invalid-email")) == (
        400,
        "VALIDATION_FAILED",
        "Validation failed for email: Invalid email format",
    )
    assert error(api.register("gina", password="weak"))[0] == 400
    # Order: username, then email, then password.
    assert "username" in error(api.register("x", "bad", "weak"))[2]
    assert "email" in error(api.register("gina", "bad", "weak"))[2]


@pytest.mark.parametrize("name", ["admin", "Admin", "system", "ROOT", "user", "api"])
def test_reserved_usernames_are_refused(api: Api, name: str) -> None:
    assert error(api.register(name, f"{name.lower()}x@example.com")) == (
        400,
        "VALIDATION_FAILED",
        "Validation failed for username: This username is reserved",
    )


def test_refresh(api: Api) -> None:
    api.register("henry")
    login = api.login("henry").json()["data"]
    client = api.as_(login["session_token"])
    first = client.post("/api/v1/auth/refresh")
    assert first.status_code == 200
    data = first.json()["data"]
    assert data["expires_at"] > login["expires_at"]
    expires = datetime.fromisoformat(data["expires_at"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) < timedelta(hours=25)
    row = (
        db.connection()
        .execute("SELECT now() - last_refreshed_at AS age FROM sessions WHERE is_active")
        .fetchone()
    )
    assert row is not None and row["age"] < timedelta(seconds=10)
    assert error(client.post("/api/v1/auth/refresh")) == (
        409,
        "CONFLICT",
        "Cannot refresh token yet. Please wait before requesting another refresh.",
    )
    assert client.get(ME).status_code == 200
    db.connection().execute("UPDATE sessions SET last_refreshed_at = now() - interval '6 minutes'")
    # Any body is ignored.
    assert client.post("/api/v1/auth/refresh", json_body={"x": 1}).status_code == 200


def test_refresh_with_bogus_token_is_401(api: Api) -> None:
    assert api.as_("bogus").post("/api/v1/auth/refresh").status_code == 401


def test_logout_ends_only_the_current_session(api: Api) -> None:
    api.register("ivan")
    first, second = api.token_for("ivan"), api.token_for("ivan")
    response = api.as_(first).post("/api/v1/auth/logout")
    assert response.json() == {"success": True, "data": "Logged out successfully", "message": None}
    assert api.as_(first).get(ME).status_code == 401
    assert api.as_(second).get(ME).status_code == 200


def test_logout_all_ends_every_session(api: Api) -> None:
    api.register("judy")
    tokens = [api.token_for("judy") for _ in range(3)]
    response = api.as_(tokens[0]).post("/api/v1/auth/logout-all")
    assert response.json()["data"] == "Logged out from all devices"
    assert response.json()["message"] == "Ended 3 session(s)"
    assert {api.as_(t).get(ME).status_code for t in tokens} == {401}


def test_sessions_lists_the_callers_own_and_ends_one(api: Api) -> None:
    api.register("kim")
    first, second = api.token_for("kim"), api.token_for("kim")
    _, stranger = create_user()
    listed = api.as_(first).get("/api/v1/auth/sessions").json()["data"]
    assert len(listed) == 2 and [s["current"] for s in listed].count(True) == 1
    assert "token" not in str(listed[0].keys())
    other = next(s["id"] for s in listed if not s["current"])
    assert api.as_(stranger).delete(f"/api/v1/auth/sessions/{other}").status_code == 404
    assert api.as_(first).delete(f"/api/v1/auth/sessions/{other}").status_code == 200
    assert api.as_(second).get(ME).status_code == 401
    assert api.as_(first).delete(f"/api/v1/auth/sessions/{other}").status_code == 404
    assert len(api.as_(first).get("/api/v1/auth/sessions").json()["data"]) == 1
    assert api.as_(first).delete("/api/v1/auth/sessions/not-a-uuid").status_code == 400


def test_login_ends_sessions_idle_for_30_days(api: Api) -> None:
    user, original = create_user()
    conn = db.connection()
    for days in (35, 10):
        conn.execute(
            """INSERT INTO sessions (user_id, token_hash, expires_at, last_activity_at)
               VALUES (%s, encode(sha256(gen_random_uuid()::text::bytea), 'hex'),
                       now() + interval '1 day', now() - make_interval(days => %s))""",
            (user.id, days),
        )
    api.token_for(user.username)
    rows = conn.execute(
        """SELECT extract(day FROM now() - last_activity_at)::int AS idle, is_active
           FROM sessions WHERE user_id = %s""",
        (user.id,),
    ).fetchall()
    assert sorted((r["idle"], r["is_active"]) for r in rows) == [
        (0, True),
        (0, True),
        (10, True),
        (35, False),
    ]
    assert api.as_(original).get(ME).status_code == 200


def test_me_requires_authentication(api: Api) -> None:
    assert error(api.get(ME)) == (401, "UNAUTHORIZED", "Unauthorized access")
    assert api.as_("invalid").get(ME).status_code == 401


@pytest.mark.parametrize(
    "password",
    [
        "Password123",
        "PASSWORD",
        "pAsSwOrD123",
        "Admin123",
        "Welcome123",
        "\x00password\x00",
        "pass\r\nword",
        "pass\tword",
        "pass word",
        "pass\u200bword",
        "pass\u00adword",
        "\ufeffpassword",
        "password\ufeff",
        "weak",
        "Password123!",
        "Admin123!",
        "Qwerty123!",
        "Welcome123!",
        "Password1!",
        "a" * 129 + "A1!",
    ],
)
def test_weak_passwords_are_refused(api: Api, password: str) -> None:
    status, code, message = error(api.register("kim", password=password))
    assert (status, code) == (400, "VALIDATION_FAILED")
    # NUL never reaches the policy: the input guard names the body field first.
    expected = "body.password" if "\x00" in password else "password"
    assert message.startswith(f"Validation failed for {expected}: ")


@pytest.mark.parametrize(
    "password",
    [
        "MyVerySecurePassword123!",
        "AnotherStrongP@ssw0rd",
        "Complex&Secure#2024!",
        "UnbreakableP4$$w0rd!",
    ],
)
def test_strong_passwords_are_accepted(api: Api, password: str) -> None:
    assert api.register("lena", password=password).status_code == 200


def test_common_password_messages(api: Api) -> None:
    assert error(api.register("mia", password="Password123!"))[2] == (
        "Validation failed for password: Password is too common. Please choose a stronger password"
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"username": 123, "email": "a@example.com", "password": PASSWORD}, 422),
        ({"username": "nina", "email": ["x"], "password": PASSWORD}, 422),
        ({"username": "nina", "email": "nina@example.com"}, 422),
        ({"username": "ni\x00na", "email": "nina@example.com", "password": PASSWORD}, 400),
        (
            {
                "username": "nina",
                "email": "nina@example.com",
                "password": PASSWORD,
                "__proto__": {"admin": True},
            },
            200,
        ),
    ],
)
def test_register_edge_cases(api: Api, body: dict[str, object], status: int) -> None:
    assert api.post("/api/v1/auth/register", json_body=body).status_code == status


def test_deeply_nested_body_is_400(api: Api) -> None:
    nested: object = "x"
    for _ in range(50):
        nested = {"a": nested}
    status, code, message = error(api.post("/api/v1/auth/register", json_body=nested))
    assert (status, code) == (400, "VALIDATION_FAILED") and "nests deeper than 32" in message


def test_malformed_json_is_400_and_wrong_content_type_415(api: Api) -> None:
    assert (
        api.post(
            "/api/v1/auth/login", body="{bad", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )
    assert (
        api.post(
            "/api/v1/auth/login",
            body='{"username":"a","password":"b"}',
            headers={"content-type": "text/plain"},
        ).status_code
        == 415
    )
