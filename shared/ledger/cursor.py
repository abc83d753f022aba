"""Opaque keyset cursors: the last row's sort key, so a page never skips or repeats rows while
others are written."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from shared.errors import ValidationFailed


def encode(kind: str, *key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, *key]).encode()).decode().rstrip("=")


def decode(kind: str, cursor: str, size: int) -> list[Any]:
    """The key `encode(kind, ...)` made, or a 400 (a cursor only continues its own list)."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, list) or len(value) != size + 1 or value[0] != kind:
        raise ValidationFailed("cursor", "is not a cursor this list returned")
    if not all(isinstance(part, str) for part in value[1:]):
        raise ValidationFailed("cursor", "is not a cursor this list returned")
    return value[1:]
