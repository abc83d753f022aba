"""Event and metric retention, run by the hourly cleanup schedule.

Deletes in batches of rows locked with SKIP LOCKED, each batch its own short statement, so neither
table is ever locked for long and a concurrent run simply takes other rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from psycopg import sql

from shared import db
from shared.settings import get_settings

MAX_BATCHES_PER_TABLE = 200  # bounds one run; the next hour continues


def _purge(table: str, cutoff: datetime, batch_size: int) -> int:
    statement = sql.SQL(
        "DELETE FROM {t} WHERE id IN (SELECT id FROM {t} WHERE recorded_at < %s"
        " LIMIT %s FOR UPDATE SKIP LOCKED)"
    ).format(t=sql.Identifier(table))
    total = 0
    for _ in range(MAX_BATCHES_PER_TABLE):
        deleted = db.connection().execute(statement, (cutoff, batch_size)).rowcount
        total += deleted
        if deleted < batch_size:
            break
    return total


def purge_expired_events(now: datetime | None = None) -> int:
    """Delete events recorded more than EVENT_RETENTION_DAYS ago; returns how many."""
    settings = get_settings()
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.monitoring.event_retention_days)
    return _purge("events", cutoff, settings.monitoring.retention_batch_size)


def purge_expired_metrics(now: datetime | None = None) -> int:
    """Delete metrics recorded more than METRIC_RETENTION_DAYS ago; returns how many."""
    settings = get_settings()
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.monitoring.metric_retention_days)
    deleted = _purge("metrics", cutoff, settings.monitoring.retention_batch_size)
    # One row per series: small, deleted in one statement.
    db.connection().execute("DELETE FROM metric_series WHERE recorded_at < %s", (cutoff,))
    return deleted
