"""The one timestamp format (RFC 3339 UTC, microseconds, Z, fixed width), and jsonb read back
by the connection's JSON reader."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.timestamps import format_timestamp


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 12, 1, 10, 0, 0, 1, tzinfo=UTC), "2026-12-01T10:00:00.000001Z"),
        (datetime(2026, 12, 1, 10, 0, tzinfo=UTC), "2026-12-01T10:00:00.000000Z"),
        (
            datetime(2026, 1, 1, 2, 30, tzinfo=timezone(timedelta(hours=3))),
            "2025-12-31T23:30:00.000000Z",
        ),
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05.000000Z"),
    ],
)
def test_utc_with_microseconds_and_z(value: datetime, text: str) -> None:
    assert format_timestamp(value) == text


def test_fixed_width_so_text_order_is_time_order() -> None:
    times = [datetime(y, 6, 1, tzinfo=UTC) for y in (5, 999, 1000, 2026, 9999)]
    texts = [format_timestamp(t) for t in times]
    assert len({len(t) for t in texts}) == 1
    assert sorted(texts) == texts


def test_jsonb_reads_back_as_the_same_python_values(database_url: str) -> None:
    from shared import db

    value = {"n": 1, "big": 2**70, "f": 1.5, "s": "é\u2028", "l": [True, None], "o": {}}
    row = db.connection().execute("SELECT %s::jsonb AS v", (json.dumps(value),)).fetchone()
    assert row is not None and row["v"] == value
