"""The `key1:value1,key2:value2` filter syntax for event tags and metric labels.

Pairs combine with AND; values compare as strings (JSONB containment), so a numeric tag value
never matches. Every violation is a 400 with a message naming the bad pair.
"""

from __future__ import annotations

from shared.errors import ValidationFailed

MAX_PAIRS = 50
MAX_KEY_CHARS = 100
MAX_VALUE_CHARS = 500
KEY_PUNCTUATION = frozenset("_-.")


def _valid_key(key: str) -> bool:
    return all(ch.isalnum() or ch in KEY_PUNCTUATION for ch in key)


def parse(raw: str | None, field: str = "tags") -> dict[str, str]:
    """The filter as a JSON object to test with `@>`; empty when there is no filter."""
    if raw is None:
        return {}
    pieces = [piece.strip() for piece in raw.split(",")]
    pieces = [piece for piece in pieces if piece]
    if len(pieces) > MAX_PAIRS:
        raise ValidationFailed(field, f"Too many tag pairs (maximum {MAX_PAIRS})")
    pairs: dict[str, str] = {}
    for piece in pieces:
        key, colon, value = piece.partition(":")
        if not colon:
            raise ValidationFailed(
                field, "Invalid tag format. Expected 'key:value' pairs separated by commas"
            )
        key, value = key.strip(), value.strip()
        if not key or not value:
            raise ValidationFailed(field, "Tag keys and values cannot be empty")
        if len(key) > MAX_KEY_CHARS:
            raise ValidationFailed(field, f"Tag key too long (maximum {MAX_KEY_CHARS} characters)")
        if len(value) > MAX_VALUE_CHARS:
            raise ValidationFailed(
                field, f"Tag value too long (maximum {MAX_VALUE_CHARS} characters)"
            )
        if not _valid_key(key):
            raise ValidationFailed(
                field,
                "Tag keys must contain only alphanumeric characters, underscores, hyphens, "
                "and dots",
            )
        if key in pairs:
            raise ValidationFailed(field, "Duplicate tag keys are not allowed")
        pairs[key] = value
    return pairs
