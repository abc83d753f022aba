"""The one timestamp format every response, event and CLI line uses."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer


def format_timestamp(value: datetime) -> str:
    """RFC 3339 UTC with microseconds and Z: fixed width (years below 1000 zero-padded), so
    strings compare like times. isoformat, not strftime: a page of 50 tasks formats 250 of these,
    and strftime costs three times as much."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


Timestamp = Annotated[datetime, PlainSerializer(format_timestamp, return_type=str)]

_ISO_8601 = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)


def _iso_only(value: Any) -> Any:
    """Pydantic would read `0.5` or `1700000000` as Unix time: inputs must say what they mean."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_8601.match(value):
        raise ValueError("must be an ISO 8601 timestamp, e.g. 2026-12-01T12:00:00Z")
    return value


def _representable_in_utc(value: datetime) -> datetime:
    """0001-01-01T00:00+03:00 is a valid timestamp whose UTC time falls before year 1: the
    database would store it, and reading it back would fail for everyone who lists it."""
    if value.tzinfo is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise ValueError("must fall between years 1 and 9999 in UTC") from None
    return value


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_representable_in_utc)]
"""A datetime the client sends: ISO 8601 text only, within the years 1-9999 in UTC."""
