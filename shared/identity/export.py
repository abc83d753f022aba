"""Streaming read of user accounts for admin reports (report_generation), and the role check
those reports need. Password hashes never leave this module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from shared import db
from shared.identity.principal import Role

COLUMNS = (
    "id",
    "username",
    "email",
    "role",
    "is_active",
    "email_verified",
    "created_at",
    "updated_at",
    "last_login_at",
)


def active_role(user_id: UUID) -> Role | None:
    """The role of an active user; None for a deactivated or missing one."""
    row = (
        db.connection()
        .execute("SELECT role FROM users WHERE id = %s AND is_active", (user_id,))
        .fetchone()
    )
    return None if row is None else Role(row["role"])


def rows(conn: db.Connection, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    """Users created in [start, end), oldest first. `conn` must be in a transaction."""
    return db.stream(
        conn,
        f"""SELECT {", ".join(COLUMNS)} FROM users
                WHERE created_at >= %(start)s AND created_at < %(end)s
                ORDER BY created_at, id""",  # noqa: S608 - constant column list
        {"start": start, "end": end},
    )
