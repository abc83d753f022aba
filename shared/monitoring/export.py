"""Streaming read of events for reports (report_generation): a server-side cursor, so memory
does not grow with the number of rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from shared import db

COLUMNS = ("id", "event_type", "source", "message", "level", "tags", "recorded_at", "created_at")


def rows(conn: db.Connection, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
    """Events recorded in [start, end), oldest first. `conn` must be in a transaction."""
    return db.stream(
        conn,
        f"""SELECT {", ".join(COLUMNS)} FROM events
                WHERE recorded_at >= %(start)s AND recorded_at < %(end)s
                ORDER BY recorded_at, id""",  # noqa: S608 - constant column list
        {"start": start, "end": end},
    )
