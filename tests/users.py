"""Test helpers other test packages import: make a user of any role and a valid session token.

Goes through the identity services directly (no HTTP), so it is fast. Needs the `database_url`
fixture to be active.
"""

from __future__ import annotations

import uuid

from shared.identity import sessions, users
from shared.identity.principal import AuthUser, Role

DEFAULT_PASSWORD = "SecurePass123!"


def create_user(
    role: Role = Role.USER,
    *,
    username: str | None = None,
    password: str = DEFAULT_PASSWORD,
    email: str | None = None,
) -> tuple[AuthUser, str]:
    """(principal, session token) for a new active user."""
    name = username or f"{role.value}_{uuid.uuid4().hex[:10]}"
    profile = users.create_user(
        name, email or f"{name}@example.com", password, role, check_reserved=False
    )
    session = sessions.start_session(profile.id)
    principal = sessions.session_principal(session.token)
    assert principal is not None
    return principal, session.token


def auth_headers(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}
