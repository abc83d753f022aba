"""Users: accounts, profiles and the moderator/admin operations on them.

Privileged operations run in one transaction: target locked, rules checked, change made, the
target's sessions ended where required, and the audit row written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from shared import db
from shared.errors import (
    Conflict,
    EmailAlreadyExists,
    Forbidden,
    InvalidCredentials,
    NotFound,
    UserAlreadyExists,
    UsernameAlreadyExists,
    ValidationFailed,
)
from shared.identity import audit, passwords, sessions, validation
from shared.identity.audit import Action
from shared.identity.models import PROFILE_COLUMNS, DailyRegistrations, UserProfile, UserStats
from shared.identity.principal import AuthUser, Role
from shared.paging import Page

USER_NOT_FOUND = "User not found"
MODERATOR_TARGETS_USERS_ONLY = "Moderators can only manage users with the user role"
LAST_ADMIN = "Cannot {} the last active admin"
INITIAL_ADMIN_USERNAME = "admin"
INITIAL_ADMIN_EMAIL = "admin@example.com"
# Serialises operations that could remove the last active admin (two admins demoting each
# other at once must not both succeed).
_ADMIN_LOCK = 7_246_413_002


@contextmanager
def unique_violations() -> Iterator[None]:
    """Map a unique violation to its 409 by the index's name."""
    try:
        yield
    except psycopg.errors.UniqueViolation as error:
        name = error.diag.constraint_name or ""
        if "email" in name:
            raise EmailAlreadyExists() from error
        if "username" in name:
            raise UsernameAlreadyExists() from error
        raise UserAlreadyExists() from error


def _returning(statement: str) -> sql.Composed:
    return sql.SQL(statement + " RETURNING {}").format(PROFILE_COLUMNS)


# --- accounts ------------------------------------------------------------------------------


def _insert(
    conn: db.Connection, username: str, email: str, password: str, role: Role, email_verified: bool
) -> UserProfile:
    password_hash = passwords.hash_password(password)
    with unique_violations():
        row = conn.execute(
            _returning("""INSERT INTO users (username, email, password_hash, role, email_verified)
                          VALUES (%s, %s, %s, %s, %s)"""),
            (username, email, password_hash, role.value, email_verified),
        ).fetchone()
    assert row is not None
    return UserProfile.from_row(row)


def _validate_new_account(username: str, email: str, password: str, *, reserved: bool) -> None:
    """Checked in the documented order: username, email, password."""
    if reserved:
        validation.validate_new_username(username)
    else:
        validation.validate_username(username)
    validation.validate_email(email)
    validation.validate_password(password)


def create_user(
    username: str,
    email: str,
    password: str,
    role: Role = Role.USER,
    *,
    email_verified: bool = False,
    check_reserved: bool = True,
    conn: db.Connection | None = None,
) -> UserProfile:
    """Self-registration and operator tooling (which may pass its own connection). Reserved
    names are refused unless an operator (CLI, tests) says otherwise."""
    _validate_new_account(username, email, password, reserved=check_reserved)
    return _insert(conn or db.connection(), username, email, password, role, email_verified)


def admin_create_user(
    actor: AuthUser, username: str, email: str, password: str, role: Role, reason: str | None
) -> UserProfile:
    _validate_new_account(username, email, password, reserved=True)
    with db.transaction() as conn:
        profile = _insert(conn, username, email, password, role, False)
        audit.record(
            conn, actor, profile.id, profile.username, Action.CREATE, reason, {"role": role.value}
        )
    return profile


def ensure_initial_admin(conn: db.Connection, password: str) -> UserProfile | None:
    """The bootstrap admin: created only when no admin row exists at all, and
    only with a password that passes the policy. Returns the new admin, or None."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_ADMIN_LOCK,))
        if conn.execute("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1").fetchone():
            return None
        validation.validate_password(password)
        return _insert(
            conn, INITIAL_ADMIN_USERNAME, INITIAL_ADMIN_EMAIL, password, Role.ADMIN, True
        )


# --- your own account ---------------------------------------------------------------------


def own_profile(user: AuthUser) -> UserProfile:
    row = (
        db.connection()
        .execute(
            sql.SQL("SELECT {} FROM users WHERE id = %s AND is_active").format(PROFILE_COLUMNS),
            (user.id,),
        )
        .fetchone()
    )
    if row is None:
        raise NotFound("User profile not found")
    return UserProfile.from_row(row)


def email_addresses(user_ids: list[UUID]) -> dict[UUID, str]:
    """Active users' addresses, for notifications the system sends them (reminders)."""
    rows = db.connection().execute(
        "SELECT id, email FROM users WHERE id = ANY(%s) AND is_active", (user_ids,)
    )
    return {r["id"]: r["email"] for r in rows}


def _validate_changes(username: str | None, email: str | None) -> None:
    if username is not None:
        validation.validate_new_username(username)
    if email is not None:
        validation.validate_email(email)


def update_own_profile(user: AuthUser, username: str | None, email: str | None) -> UserProfile:
    _validate_changes(username, email)
    with unique_violations():
        row = (
            db.connection()
            .execute(
                _returning("""UPDATE users SET username = COALESCE(%(username)s, username),
                                email = COALESCE(%(email)s, email),
                                email_verified = email_verified
                                                 AND email = COALESCE(%(email)s, email)
                          WHERE id = %(id)s AND is_active"""),
                {"id": user.id, "username": username, "email": email},
            )
            .fetchone()
        )
    if row is None:
        raise NotFound(USER_NOT_FOUND)
    return UserProfile.from_row(row)


def _password_hash(conn: db.Connection, user_id: UUID) -> str:
    row = conn.execute(
        "SELECT password_hash FROM users WHERE id = %s AND is_active FOR UPDATE", (user_id,)
    ).fetchone()
    if row is None:
        raise NotFound(USER_NOT_FOUND)
    return str(row["password_hash"])


def change_password(user: AuthUser, current_password: str, new_password: str) -> None:
    """Order: policy, different from current, current verified (401). Then every
    other session of the user ends; the one making the change stays."""
    validation.validate_password(new_password, "new_password")
    if new_password == current_password:
        raise ValidationFailed(
            "new_password", "New password must be different from current password"
        )
    with db.transaction() as conn:
        if not passwords.verify_password(_password_hash(conn, user.id), current_password):
            raise InvalidCredentials()
        conn.execute(
            "UPDATE users SET password_hash = %s WHERE id = %s",
            (passwords.hash_password(new_password), user.id),
        )
        sessions.end_sessions(conn, user.id, keep=user.session_id)


def _lock_admins(conn: db.Connection) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_ADMIN_LOCK,))


def _guard_last_admin(conn: db.Connection, target: dict[str, Any], verb: str) -> None:
    """409 if `target` is the only active admin. Call with the admin lock held."""
    if target["role"] != Role.ADMIN.value or not target["is_active"]:
        return
    other = conn.execute(
        "SELECT 1 FROM users WHERE role = 'admin' AND is_active AND id <> %s LIMIT 1",
        (target["id"],),
    ).fetchone()
    if other is None:
        raise Conflict(LAST_ADMIN.format(verb))


def delete_self(user: AuthUser, password: str, confirmation: str) -> None:
    if confirmation != "DELETE":
        raise ValidationFailed("confirmation", "Must provide 'DELETE' as confirmation")
    with db.transaction() as conn:
        _lock_admins(conn)
        if not passwords.verify_password(_password_hash(conn, user.id), password):
            raise ValidationFailed("password", "Invalid password")
        target = _target(conn, user.id)
        _guard_last_admin(conn, target, "delete")
        conn.execute("UPDATE users SET is_active = false WHERE id = %s", (user.id,))
        sessions.end_sessions(conn, user.id)


# --- other users ---------------------------------------------------------------------------


def _target(conn: db.Connection, user_id: UUID) -> dict[str, Any]:
    row = conn.execute(
        sql.SQL("SELECT {} FROM users WHERE id = %s FOR UPDATE").format(PROFILE_COLUMNS),
        (user_id,),
    ).fetchone()
    if row is None:
        raise NotFound(USER_NOT_FOUND)
    return row


def _moderator_may_manage(actor: AuthUser, target: dict[str, Any]) -> None:
    """A moderator acts only on users whose role is `user`; admins act on anyone."""
    if not actor.is_admin and target["role"] != Role.USER.value:
        raise Forbidden(MODERATOR_TARGETS_USERS_ONLY)


def get_user(actor: AuthUser, user_id: UUID) -> UserProfile:
    """Users see themselves; moderators see themselves and active `user`s; admins see every
    active user. Anything else is indistinguishable from a missing user (404)."""
    if not actor.is_moderator and user_id != actor.id:
        raise NotFound(USER_NOT_FOUND)
    row = (
        db.connection()
        .execute(
            sql.SQL("SELECT {} FROM users WHERE id = %s AND is_active").format(PROFILE_COLUMNS),
            (user_id,),
        )
        .fetchone()
    )
    if row is None:
        raise NotFound(USER_NOT_FOUND)
    if not actor.is_admin and user_id != actor.id and row["role"] != Role.USER.value:
        raise NotFound(USER_NOT_FOUND)
    return UserProfile.from_row(row)


def list_users(page: Page) -> list[UserProfile]:
    rows = (
        db.connection()
        .execute(
            sql.SQL(
                """SELECT {} FROM users WHERE is_active
               ORDER BY created_at DESC, id LIMIT %s OFFSET %s"""
            ).format(PROFILE_COLUMNS),
            (page.limit, page.offset),
        )
        .fetchall()
    )
    return [UserProfile.from_row(r) for r in rows]


def list_deactivated(page: Page) -> list[UserProfile]:
    """Deactivated accounts, most recently changed first: the reads above hide them (a
    deactivated account is gone to everyone else), so this is how an admin finds one to
    reactivate within its retention period."""
    rows = (
        db.connection()
        .execute(
            sql.SQL(
                """SELECT {} FROM users WHERE NOT is_active
               ORDER BY updated_at DESC, id LIMIT %s OFFSET %s"""
            ).format(PROFILE_COLUMNS),
            (page.limit, page.offset),
        )
        .fetchall()
    )
    return [UserProfile.from_row(r) for r in rows]


def admin_update_profile(
    actor: AuthUser,
    user_id: UUID,
    username: str | None,
    email: str | None,
    email_verified: bool | None,
    reason: str | None,
) -> UserProfile:
    _validate_changes(username, email)
    with db.transaction() as conn:
        target = _target(conn, user_id)
        with unique_violations():
            row = conn.execute(
                _returning("""UPDATE users SET username = COALESCE(%(username)s, username),
                                    email = COALESCE(%(email)s, email),
                                    email_verified = COALESCE(%(verified)s,
                                        email_verified AND email = COALESCE(%(email)s, email))
                              WHERE id = %(id)s"""),
                {"id": user_id, "username": username, "email": email, "verified": email_verified},
            ).fetchone()
        assert row is not None
        changes = {
            k: v
            for k, v in (
                ("username", username),
                ("email", email),
                ("email_verified", email_verified),
            )
            if v is not None
        }
        audit.record(
            conn,
            actor,
            user_id,
            target["username"],
            Action.PROFILE_UPDATE,
            reason,
            {"changes": changes},
        )
    return UserProfile.from_row(row)


def set_status(actor: AuthUser, user_id: UUID, is_active: bool, reason: str | None) -> UserProfile:
    with db.transaction() as conn:
        _lock_admins(conn)
        target = _target(conn, user_id)
        _moderator_may_manage(actor, target)
        if not is_active:
            _guard_last_admin(conn, target, "deactivate")
        row = conn.execute(
            _returning("UPDATE users SET is_active = %s WHERE id = %s"), (is_active, user_id)
        ).fetchone()
        assert row is not None
        ended = 0 if is_active else sessions.end_sessions(conn, user_id)
        audit.record(
            conn,
            actor,
            user_id,
            target["username"],
            Action.STATUS,
            reason,
            {"is_active": is_active, "sessions_ended": ended},
        )
    return UserProfile.from_row(row)


def set_role(actor: AuthUser, user_id: UUID, role: Role, reason: str | None) -> UserProfile:
    with db.transaction() as conn:
        _lock_admins(conn)
        target = _target(conn, user_id)
        if role is not Role.ADMIN:
            _guard_last_admin(conn, target, "demote")
        row = conn.execute(
            _returning("UPDATE users SET role = %s WHERE id = %s"), (role.value, user_id)
        ).fetchone()
        assert row is not None
        audit.record(
            conn,
            actor,
            user_id,
            target["username"],
            Action.ROLE,
            reason,
            {"from": target["role"], "to": role.value},
        )
    return UserProfile.from_row(row)


def reset_password(
    actor: AuthUser, user_id: UUID, new_password: str, require_change: bool, reason: str | None
) -> None:
    validation.validate_password(new_password, "new_password")
    password_hash = passwords.hash_password(new_password)
    with db.transaction() as conn:
        target = _target(conn, user_id)
        _moderator_may_manage(actor, target)
        conn.execute("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id))
        ended = sessions.end_sessions(conn, user_id)
        audit.record(
            conn,
            actor,
            user_id,
            target["username"],
            Action.RESET_PASSWORD,
            reason,
            {"require_change": require_change, "sessions_ended": ended},
        )


def delete_user(actor: AuthUser, user_id: UUID, reason: str | None, hard_delete: bool) -> None:
    if user_id == actor.id:
        raise ValidationFailed("id", "Cannot delete own account via this endpoint")
    with db.transaction() as conn:
        _lock_admins(conn)
        target = _target(conn, user_id)
        if not hard_delete and not target["is_active"]:
            raise NotFound(USER_NOT_FOUND)
        _guard_last_admin(conn, target, "delete")
        if hard_delete:
            conn.execute("DELETE FROM users WHERE id = %s", (user_id,))  # sessions cascade
        else:
            conn.execute("UPDATE users SET is_active = false WHERE id = %s", (user_id,))
            sessions.end_sessions(conn, user_id)
        audit.record(
            conn,
            actor,
            user_id,
            target["username"],
            Action.DELETE,
            reason,
            {"hard_delete": hard_delete},
        )


def registrations_by_day(days: int) -> list[DailyRegistrations]:
    """Accounts created per UTC day over the last `days` days, today included, zero-filled."""
    rows = (
        db.connection()
        .execute(
            """SELECT d::date AS day, count(u.id) AS count
               FROM generate_series((now() AT TIME ZONE 'UTC')::date - (%(days)s - 1),
                                    (now() AT TIME ZONE 'UTC')::date, interval '1 day') d
               LEFT JOIN users u ON u.created_at >= d AT TIME ZONE 'UTC'
                                AND u.created_at < (d + interval '1 day') AT TIME ZONE 'UTC'
               GROUP BY d ORDER BY d""",
            {"days": days},
        )
        .fetchall()
    )
    return [DailyRegistrations.model_validate(r) for r in rows]


def stats() -> UserStats:
    row = (
        db.connection()
        .execute(
            """SELECT count(*) AS total_users,
                  count(*) FILTER (WHERE is_active) AS active_users,
                  count(*) FILTER (WHERE is_active AND email_verified) AS email_verified,
                  count(*) FILTER (WHERE is_active AND role = 'user') AS users,
                  count(*) FILTER (WHERE is_active AND role = 'moderator') AS moderators,
                  count(*) FILTER (WHERE is_active AND role = 'admin') AS admins,
                  count(*) FILTER (WHERE created_at > now() - interval '24 hours') AS last_24h,
                  count(*) FILTER (WHERE created_at > now() - interval '7 days') AS last_7d,
                  count(*) FILTER (WHERE created_at > now() - interval '30 days') AS last_30d,
                  now() AS last_updated
           FROM users"""
        )
        .fetchone()
    )
    assert row is not None
    return UserStats.from_row(row)
