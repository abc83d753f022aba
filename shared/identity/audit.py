"""The audit trail of moderator/admin actions on users (and on their private data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from shared import db
from shared.identity.principal import AuthUser
from shared.paging import Page
from shared.timestamps import Timestamp


class Action(StrEnum):
    CREATE = "user.create"
    PROFILE_UPDATE = "user.profile_update"
    STATUS = "user.status"
    ROLE = "user.role"
    RESET_PASSWORD = "user.reset_password"  # noqa: S105 - an action name, not a password
    DELETE = "user.delete"
    LEDGER_READ = "ledger.read"  # an admin read a user's private debts ledger


def record(
    conn: db.Connection,
    actor: AuthUser,
    target_id: UUID,
    target_username: str,
    action: Action,
    reason: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Write one row on `conn`, inside the caller's transaction: no change without its record."""
    conn.execute(
        """INSERT INTO audit_log (actor_id, actor_username, actor_role, target_id,
                                  target_username, action, reason, details)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            actor.id,
            actor.username,
            actor.role.value,
            target_id,
            target_username,
            action.value,
            reason,
            Jsonb(details or {}),
        ),
    )


@dataclass(frozen=True)
class AuditFilter:
    actor_id: UUID | None = None
    target_id: UUID | None = None
    action: Action | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditEntry(BaseModel):
    id: UUID
    actor_id: UUID | None
    actor_username: str | None
    actor_role: str | None
    target_id: UUID | None
    target_username: str | None
    action: Action
    reason: str | None
    details: dict[str, Any]
    created_at: Timestamp


def entries(where: AuditFilter, page: Page) -> list[AuditEntry]:
    """Newest first."""
    conditions: list[sql.Composable] = []
    params: dict[str, Any] = {"limit": page.limit, "offset": page.offset}
    for column, value, op in (
        ("actor_id", where.actor_id, "="),
        ("target_id", where.target_id, "="),
        ("action", where.action.value if where.action else None, "="),
        ("created_at", where.since, ">="),
        ("created_at", where.until, "<"),
    ):
        if value is not None:
            name = f"p{len(conditions)}"
            params[name] = value
            conditions.append(
                sql.SQL("{} {} {}").format(
                    sql.Identifier(column), sql.SQL(op), sql.Placeholder(name)
                )
            )
    clause = sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("true")
    query = sql.SQL(
        """SELECT id, actor_id, actor_username, actor_role, target_id, target_username, action,
                  reason, details, created_at
           FROM audit_log WHERE {} ORDER BY created_at DESC, id
           LIMIT %(limit)s OFFSET %(offset)s"""
    ).format(clause)
    return [AuditEntry.model_validate(r) for r in db.connection().execute(query, params)]
