"""Registration and login, with brute-force throttling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg import sql

from shared import db
from shared.errors import InvalidCredentials, TooManyRequests, ValidationFailed
from shared.identity import passwords, sessions, throttle, users, validation
from shared.identity.models import UserProfile

THROTTLED = "Too many failed login attempts. Please try again later."

# One round trip: the active user (matched regardless of case: names are unique that way) and
# whether the account or the IP is currently throttled. An unknown identifier is throttled
# under its own lowercase form, so both cases behave the same to a caller.
_LOOKUP = """
WITH u AS (
    SELECT id, username, email, role, is_active, email_verified, created_at, last_login_at,
           password_hash
    FROM users WHERE lower({column}) = lower(%(identifier)s) AND is_active
), k AS (
    SELECT COALESCE((SELECT id::text FROM u), %(fallback_key)s) AS account_key
)
SELECT k.account_key, u.*, {blocked} AS retry_after FROM k LEFT JOIN u ON true
"""


@dataclass(frozen=True)
class LoginResult:
    session_token: str
    expires_at: datetime
    user: UserProfile


def register(username: str, email: str, password: str) -> UserProfile:
    return users.create_user(username, email, password)


def _identifier(username: str | None, email: str | None) -> tuple[str, str]:
    if username is not None and email is not None:
        raise ValidationFailed("login", "Provide either username or email, not both")
    if username is not None:
        if not username.strip():
            raise ValidationFailed("username", "Username cannot be empty")
        validation.validate_username(username)
        return "username", username
    if email is not None:
        if not email.strip():
            raise ValidationFailed("email", "Email cannot be empty")
        validation.validate_email(email)
        return "email", email
    raise ValidationFailed("login", "Either username or email must be provided")


def login(
    *,
    username: str | None,
    email: str | None,
    password: str,
    user_agent: str | None,
    client_ip: str | None,
) -> LoginResult:
    column, identifier = _identifier(username, email)
    if not password:
        raise ValidationFailed("password", "Password cannot be empty")
    query = sql.SQL(_LOOKUP).format(
        column=sql.Identifier(column), blocked=sql.SQL(throttle.BLOCKED_SECONDS)
    )
    row = (
        db.connection()
        .execute(
            query,
            {
                "identifier": identifier,
                "fallback_key": f"{column}:{identifier.lower()}",
                **throttle.params(client_ip),
            },
        )
        .fetchone()
    )
    assert row is not None
    if row["retry_after"] is not None:
        raise TooManyRequests(THROTTLED, retry_after_seconds=int(row["retry_after"]))
    if row["id"] is None:
        passwords.burn_verification(password)  # unknown users cost the same as wrong passwords
        verified = False
    else:
        verified = passwords.verify_password(row["password_hash"], password)
    if not verified:
        throttle.record_failure(row["account_key"], client_ip)
        raise InvalidCredentials()
    session = sessions.start_session(row["id"], user_agent)
    # The profile as it was before this login: last_login_at shows the previous one.
    return LoginResult(session.token, session.expires_at, UserProfile.from_row(row))
