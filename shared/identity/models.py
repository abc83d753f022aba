"""The user shapes the API returns. password_hash and updated_at never leave."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from psycopg import sql
from pydantic import BaseModel, Field

from shared.identity.principal import ApiKeyScope, Role
from shared.timestamps import Timestamp

PROFILE_COLUMNS = sql.SQL(
    "id, username, email, role, is_active, email_verified, created_at, last_login_at"
)


class UserProfile(BaseModel):
    id: UUID
    username: str
    email: str
    role: Role
    is_active: bool
    email_verified: bool
    created_at: Timestamp
    last_login_at: Timestamp | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> UserProfile:
        return cls.model_validate({k: row[k] for k in cls.model_fields})


class RoleCounts(BaseModel):
    user: int
    moderator: int
    admin: int


class RecentRegistrations(BaseModel):
    last_24h: int
    last_7d: int
    last_30d: int


class UserStats(BaseModel):
    total_users: int
    active_users: int
    inactive_users: int
    email_verified: int
    email_unverified: int
    by_role: RoleCounts
    recent_registrations: RecentRegistrations
    last_updated: Timestamp

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> UserStats:
        return cls(
            total_users=row["total_users"],
            active_users=row["active_users"],
            inactive_users=row["total_users"] - row["active_users"],
            email_verified=row["email_verified"],
            email_unverified=row["active_users"] - row["email_verified"],
            by_role=RoleCounts(user=row["users"], moderator=row["moderators"], admin=row["admins"]),
            recent_registrations=RecentRegistrations(
                last_24h=row["last_24h"], last_7d=row["last_7d"], last_30d=row["last_30d"]
            ),
            last_updated=row["last_updated"],
        )


class ApiKey(BaseModel):
    id: UUID
    name: str
    description: str | None
    key_prefix: str
    scopes: list[ApiKeyScope]
    expires_at: Timestamp | None
    is_active: bool
    created_at: Timestamp
    last_used_at: Timestamp | None
    usage_count: int


class CreatedApiKey(ApiKey):
    key: str = Field(description="The full key. It is shown only in this response.")


class DailyRegistrations(BaseModel):
    day: date = Field(description="A UTC day")
    count: int


class ActiveSession(BaseModel):
    """One of the caller's signed-in sessions (never its token)."""

    id: UUID
    created_at: Timestamp
    expires_at: Timestamp
    last_activity_at: Timestamp
    user_agent: str | None
    current: bool = Field(description="The session making this request")
