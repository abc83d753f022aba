"""Who is calling: the AuthUser yielded by the auth dependency is route code's only source."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from uuid import UUID


class Role(StrEnum):
    USER = "user"
    MODERATOR = "moderator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class _Rank(IntEnum):
    USER = 1
    MODERATOR = 2
    ADMIN = 3


_RANK = {Role.USER: _Rank.USER, Role.MODERATOR: _Rank.MODERATOR, Role.ADMIN: _Rank.ADMIN}


class ApiKeyScope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class AuthUser:
    id: UUID
    username: str
    email: str
    role: Role
    session_id: UUID | None = None  # set when authenticated by a session token
    api_key_id: UUID | None = None  # set when authenticated by an API key
    scopes: frozenset[ApiKeyScope] = frozenset()

    def at_least(self, role: Role) -> bool:
        return self.role.at_least(role)

    @property
    def is_moderator(self) -> bool:
        return self.role.at_least(Role.MODERATOR)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN
