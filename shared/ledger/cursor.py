"""Opaque keyset cursors: the last row's sort key, so a page never skips or repeats rows while
others are written."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from shared.errors import ValidationFailed


def encode(kind: str, *key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, *key]).encode()).decode().rstrip("=")


def decode(kind: str, cursor: str, *parts: Callable[[str], Any]) -> list[Any]:
    """The key `encode(kind, ...)` made, each part read by its function (`str`, `UUID`,
    `datetime.fromisoformat`), or a 400: a cursor only continues its own list."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(value, list) or len(value) != len(parts) + 1 or value[0] != kind:
            raise ValueError(kind)
        return [read(part) for read, part in zip(parts, value[1:], strict=True)]
    except (
        binascii.Error,
        ValueError,
        TypeError,
        AttributeError,
    ):  # UnicodeDecodeError is a ValueError
        raise ValidationFailed("cursor", "is not a cursor this list returned") from None
