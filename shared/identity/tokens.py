"""Bearer secrets: session tokens and API keys. Only SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

API_KEY_PREFIX = "sk_live_"
API_KEY_VISIBLE_CHARS = len(API_KEY_PREFIX) + 6


def new_session_token() -> str:
    """48 random bytes, URL-safe base64 without padding: 64 characters."""
    return secrets.token_urlsafe(48)


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def is_api_key(secret: str) -> bool:
    return secret.startswith(API_KEY_PREFIX)


def api_key_prefix(key: str) -> str:
    return key[:API_KEY_VISIBLE_CHARS]


def digest(secret: str) -> str:
    """SHA-256 hex. Tokens carry 384 bits of entropy, so a fast unsalted hash is enough."""
    return hashlib.sha256(secret.encode()).hexdigest()
