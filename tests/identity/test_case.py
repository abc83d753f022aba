"""Usernames and emails are unique regardless of case."""

from __future__ import annotations

from shared.identity.principal import Role
from tests.identity.conftest import Api, error
from tests.users import create_user


def test_username_case_conflict(api: Api) -> None:
    assert api.register("Bob", "bob1@example.com").status_code == 200
    assert error(api.register("bob", "bob2@example.com")) == (
        409,
        "USERNAME_ALREADY_EXISTS",
        "Username already exists",
    )
    assert api.register("BOB", "bob3@example.com").status_code == 409


def test_email_case_conflict(api: Api) -> None:
    assert api.register("bob1", "Bob@Example.com").status_code == 200
    assert error(api.register("bob2", "bob@example.com")) == (
        409,
        "EMAIL_ALREADY_EXISTS",
        "Email already exists",
    )


def test_profile_updates_and_admin_creation_conflict_too(api: Api) -> None:
    _, admin = create_user(Role.ADMIN, username="Chief")
    _, token = create_user(username="Dana", email="Dana@example.com")
    assert error(api.as_(token).put("/api/v1/users/me/profile", json_body={"username": "chief"}))[
        :2
    ] == (409, "USERNAME_ALREADY_EXISTS")
    assert (
        api.as_(admin)
        .post(
            "/api/v1/users",
            json_body={
                "username": "other",
                "email": "DANA@EXAMPLE.COM",
                "password": "SecurePass123!",
            },
        )
        .status_code
        == 409
    )
    # Changing only the case of your own name is not a conflict with yourself.
    assert (
        api.as_(token).put("/api/v1/users/me/profile", json_body={"username": "dana"}).status_code
        == 200
    )
