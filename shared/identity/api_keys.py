"""API keys: created, listed and revoked by their owner. The key is returned once;
only its SHA-256 and a short visible prefix are kept."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from shared import db
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.field_rules import blank
from shared.identity import tokens
from shared.identity.models import ApiKey, CreatedApiKey
from shared.identity.principal import ApiKeyScope, AuthUser

API_KEY_NOT_FOUND = "API key not found"
ADMIN_SCOPE_NEEDS_ADMIN = "Only admins can create API keys with the admin scope"
MAX_ACTIVE_KEYS = 25

KEY_COLUMNS = """id, name, description, key_prefix, scopes, expires_at, is_active, created_at,
                 last_used_at, usage_count"""


def create(
    owner: AuthUser,
    name: str,
    description: str | None,
    scopes: list[ApiKeyScope],
    expires_at: datetime | None,
) -> CreatedApiKey:
    """The stored key's public fields and the full key, which is shown this once."""
    if blank(name) or len(name) > 100:
        raise ValidationFailed("name", "Name must be between 1 and 100 characters")
    if description is not None and len(description) > 500:
        raise ValidationFailed("description", "Description must be at most 500 characters")
    if not scopes:
        raise ValidationFailed("scopes", "At least one scope is required")
    if expires_at is not None:
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        if expires_at <= datetime.now(UTC):
            raise ValidationFailed("expires_at", "Expiry must be in the future")
    if ApiKeyScope.ADMIN in scopes and not owner.is_admin:
        raise Forbidden(ADMIN_SCOPE_NEEDS_ADMIN)
    key = tokens.new_api_key()
    row = (
        db.connection()
        .execute(
            f"""INSERT INTO api_keys (name, description, key_hash, key_prefix, created_by, scopes,
                                  expires_at)
            SELECT %(name)s, %(description)s, %(hash)s, %(prefix)s, %(owner)s, %(scopes)s,
                   %(expires_at)s
            WHERE (SELECT count(*) FROM api_keys
                   WHERE created_by = %(owner)s AND is_active) < %(max)s
            RETURNING {KEY_COLUMNS}""",  # noqa: S608 - a constant column list
            {
                "name": name.strip(),
                "description": description,
                "hash": tokens.digest(key),
                "prefix": tokens.api_key_prefix(key),
                "owner": owner.id,
                "scopes": sorted({s.value for s in scopes}),
                "expires_at": expires_at,
                "max": MAX_ACTIVE_KEYS,
            },
        )
        .fetchone()
    )
    if row is None:
        raise ValidationFailed("api_keys", f"At most {MAX_ACTIVE_KEYS} active keys per user")
    return CreatedApiKey(key=key, **row)


def list_keys(owner: AuthUser) -> list[ApiKey]:
    rows = (
        db.connection()
        .execute(
            f"""SELECT {KEY_COLUMNS} FROM api_keys WHERE created_by = %s
            ORDER BY created_at DESC, id""",  # noqa: S608 - a constant column list
            (owner.id,),
        )
        .fetchall()
    )
    return [ApiKey.model_validate(r) for r in rows]


def revoke_all(owner: AuthUser) -> int:
    """Every active key of the owner (a leaked laptop, a departing integration)."""
    cursor = db.connection().execute(
        "UPDATE api_keys SET is_active = false WHERE created_by = %s AND is_active", (owner.id,)
    )
    return cursor.rowcount


def revoke(owner: AuthUser, key_id: UUID) -> None:
    """Another user's key is indistinguishable from a missing one (404)."""
    cursor = db.connection().execute(
        "UPDATE api_keys SET is_active = false WHERE id = %s AND created_by = %s AND is_active",
        (key_id, owner.id),
    )
    if cursor.rowcount == 0:
        raise NotFound(API_KEY_NOT_FOUND)
