"""Sessions and API-key principals: the SQL the auth dependency and the auth routes run.

Every lookup is one statement: the principal is resolved, and its activity recorded, in one round
trip (data-modifying CTEs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared import db
from shared.identity import tokens
from shared.identity.models import ActiveSession
from shared.identity.principal import ApiKeyScope, AuthUser, Role
from shared.settings import get_settings

# last_activity_at only feeds the 30-day idle rule: minute precision is plenty, and skipping
# the write on most requests keeps the hot path a pure read.
ACTIVITY_RESOLUTION_SECONDS = 60

_SESSION_PRINCIPAL = """
WITH s AS (
    SELECT s.id AS session_id, u.id, u.username, u.email, u.role
    FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.token_hash = %(hash)s AND s.is_active AND s.expires_at > now() AND u.is_active
), touched AS (
    UPDATE sessions SET last_activity_at = now()
    WHERE id = (SELECT session_id FROM s)
      AND last_activity_at < now() - make_interval(secs => %(resolution)s)
)
SELECT session_id, id, username, email, role FROM s
"""

_API_KEY_PRINCIPAL = """
WITH k AS (
    SELECT k.id AS api_key_id, k.scopes, u.id, u.username, u.email, u.role
    FROM api_keys k JOIN users u ON u.id = k.created_by
    WHERE k.key_hash = %(hash)s AND k.is_active AND u.is_active
      AND (k.expires_at IS NULL OR k.expires_at > now())
), used AS (
    UPDATE api_keys SET last_used_at = now(), usage_count = usage_count + 1
    WHERE id = (SELECT api_key_id FROM k)
      AND (%(safe)s OR scopes && ARRAY['write', 'admin'])
)
SELECT api_key_id, scopes, id, username, email, role FROM k
"""


def session_principal(token: str) -> AuthUser | None:
    row = (
        db.connection()
        .execute(
            _SESSION_PRINCIPAL,
            {"hash": tokens.digest(token), "resolution": ACTIVITY_RESOLUTION_SECONDS},
        )
        .fetchone()
    )
    if row is None:
        return None
    return AuthUser(
        row["id"], row["username"], row["email"], Role(row["role"]), session_id=row["session_id"]
    )


def api_key_principal(key: str, *, safe_method: bool) -> AuthUser | None:
    """The key's owner, acting within the key's scopes. Usage is counted only for requests the
    scopes allow. Without the admin scope (which needs an admin owner) a key acts as a `user`."""
    row = (
        db.connection()
        .execute(_API_KEY_PRINCIPAL, {"hash": tokens.digest(key), "safe": safe_method})
        .fetchone()
    )
    if row is None:
        return None
    scopes = frozenset(ApiKeyScope(s) for s in row["scopes"])
    owner_role = Role(row["role"])
    admin = ApiKeyScope.ADMIN in scopes and owner_role is Role.ADMIN
    return AuthUser(
        row["id"],
        row["username"],
        row["email"],
        Role.ADMIN if admin else Role.USER,
        api_key_id=row["api_key_id"],
        scopes=scopes,
    )


@dataclass(frozen=True)
class NewSession:
    token: str
    expires_at: datetime


_START_SESSION = """
WITH idle AS (
    UPDATE sessions SET is_active = false
    WHERE user_id = %(user_id)s AND is_active
      AND last_activity_at < now() - make_interval(days => %(idle_days)s)
), created AS (
    INSERT INTO sessions (user_id, token_hash, expires_at, user_agent)
    VALUES (%(user_id)s, %(hash)s, now() + make_interval(hours => %(hours)s), %(user_agent)s)
    RETURNING expires_at
), login AS (
    UPDATE users SET last_login_at = now() WHERE id = %(user_id)s
), cleared AS (
    DELETE FROM login_attempts WHERE scope = 'account' AND key = %(user_key)s
)
SELECT expires_at FROM created
"""


def start_session(user_id: UUID, user_agent: str | None = None) -> NewSession:
    """Login's effects, atomically (one statement): sessions idle past the limit end, a new
    session starts, last_login_at moves and the account's failed-login counter resets."""
    settings = get_settings()
    token = tokens.new_session_token()
    params: dict[str, Any] = {
        "user_id": user_id,
        "user_key": str(user_id),
        "hash": tokens.digest(token),
        "idle_days": settings.identity.session_idle_days,
        "hours": settings.identity.session_hours,
        "user_agent": user_agent,
    }
    row = db.connection().execute(_START_SESSION, params).fetchone()
    assert row is not None
    return NewSession(token, row["expires_at"])


def refresh(session_id: UUID) -> tuple[datetime, datetime] | None:
    """(expires_at, refreshed_at), or None when the last refresh is too recent."""
    settings = get_settings()
    row = (
        db.connection()
        .execute(
            """UPDATE sessions
           SET expires_at = now() + make_interval(hours => %(hours)s), last_refreshed_at = now()
           WHERE id = %(id)s AND is_active AND expires_at > now()
             AND (last_refreshed_at IS NULL
                  OR last_refreshed_at <= now() - make_interval(mins => %(interval)s))
           RETURNING expires_at, last_refreshed_at""",
            {
                "id": session_id,
                "hours": settings.identity.refresh_extend_hours,
                "interval": settings.identity.refresh_min_interval_minutes,
            },
        )
        .fetchone()
    )
    return None if row is None else (row["expires_at"], row["last_refreshed_at"])


def active_sessions(user_id: UUID, current: UUID | None) -> list[ActiveSession]:
    rows = (
        db.connection()
        .execute(
            """SELECT id, created_at, expires_at, last_activity_at, user_agent, id = %s AS current
               FROM sessions WHERE user_id = %s AND is_active AND expires_at > now()
               ORDER BY last_activity_at DESC""",
            (current, user_id),
        )
        .fetchall()
    )
    return [ActiveSession.model_validate(r) for r in rows]


def end_session(user_id: UUID, session_id: UUID) -> bool:
    """End one of the user's sessions; False when they have no such active session."""
    cursor = db.connection().execute(
        "UPDATE sessions SET is_active = false WHERE id = %s AND user_id = %s AND is_active",
        (session_id, user_id),
    )
    return cursor.rowcount == 1


def end_sessions(conn: db.Connection, user_id: UUID, *, keep: UUID | None = None) -> int:
    """End a user's active sessions (all, or all but `keep`) on the given connection, so callers
    can make it part of their transaction. Returns how many ended."""
    cursor = conn.execute(
        """UPDATE sessions SET is_active = false
           WHERE user_id = %s AND is_active AND id IS DISTINCT FROM %s""",
        (user_id, keep),
    )
    return cursor.rowcount


def end_all_sessions(user_id: UUID) -> int:
    return end_sessions(db.connection(), user_id)


def purge_expired_sessions() -> int:
    """Delete sessions that can never authenticate again (expired, or ended a day ago).
    Idempotent: safe for a schedule that delivers twice."""
    cursor = db.connection().execute(
        """DELETE FROM sessions
           WHERE expires_at < now() OR (NOT is_active AND updated_at < now() - interval '1 day')"""
    )
    return cursor.rowcount
