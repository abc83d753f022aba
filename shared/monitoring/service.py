"""Events, metrics and the monitoring counters.

Events the system itself writes go through `system_events.py`.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from shared import db
from shared.errors import NotFound, ValidationFailed
from shared.identity.principal import AuthUser
from shared.monitoring import ownership
from shared.monitoring.schemas import EventOut, MetricOut, Stats

if TYPE_CHECKING:  # importing it pulls in FastAPI (~0.5 s): the worker records events without it
    from shared.paging import Page

EVENT_TYPES = ("log", "metric", "trace", "alert")
METRIC_TYPES = ("counter", "gauge", "histogram", "summary")

EVENT_COLUMNS = sql.SQL(
    "id, event_type, source, message, level, tags, payload, recorded_at, created_at"
)
METRIC_COLUMNS = sql.SQL("id, name, metric_type, value, labels, recorded_at, created_at")


def json_size(value: Any) -> int:
    """UTF-8 bytes of compact JSON: the size limits are in bytes, not characters."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _too_long(value: str | None, limit: int) -> bool:
    return value is not None and len(value.encode()) > limit


def _validate_event(
    event_type: str,
    source: str,
    message: str | None,
    level: str | None,
    tags: dict[str, Any],
    payload: dict[str, Any],
) -> None:
    """The checks in their documented order; the first failure is the message."""
    if _too_long(event_type, 50):
        raise ValidationFailed("event_type", "Event type too long (max 50 characters)")
    if _too_long(source, 200):
        raise ValidationFailed("source", "Source too long (max 200 characters)")
    if _too_long(message, 10_000):
        raise ValidationFailed("message", "Message too long (max 10000 characters)")
    if _too_long(level, 20):
        raise ValidationFailed("level", "Level too long (max 20 characters)")
    if len(tags) > 100:
        raise ValidationFailed("tags", "Too many tags (max 100)")
    if len(payload) > 100:
        raise ValidationFailed("payload", "Too many payload fields (max 100)")
    if json_size(tags) > 65_536:
        raise ValidationFailed("tags", "Tags JSON too large (max 64KB)")
    if json_size(payload) > 1_048_576:
        raise ValidationFailed("payload", "Payload JSON too large (max 1MB)")
    if event_type not in EVENT_TYPES:
        raise ValidationFailed("event_type", "Invalid event type")


_INSERT_EVENT = (
    "INSERT INTO events (event_type, source, message, level, tags, payload, recorded_at, owner_id)"
    " VALUES (%s, %s, %s, %s, %s, %s, COALESCE(%s, NOW()), %s)"
)


def create_event(
    user: AuthUser,
    *,
    event_type: str,
    source: str,
    message: str | None,
    level: str | None,
    tags: dict[str, Any],
    payload: dict[str, Any],
    recorded_at: datetime | None,
) -> EventOut:
    ownership.check_source(user, source)  # authorisation runs before validation
    _validate_event(event_type, source, message, level, tags, payload)
    row = (
        db.connection()
        .execute(
            sql.SQL(_INSERT_EVENT + " RETURNING {}").format(EVENT_COLUMNS),
            (event_type, source, message, level, Jsonb(tags), Jsonb(payload), recorded_at, user.id),
        )
        .fetchone()
    )
    assert row is not None
    return EventOut.model_validate(row)


def _where(conditions: list[sql.Composable]) -> sql.Composable:
    if not conditions:
        return sql.SQL("")
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions)


def list_events(
    user: AuthUser,
    page: Page,
    *,
    event_type: str | None = None,
    source: str | None = None,
    level: str | None = None,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    tags: dict[str, str] | None = None,
) -> list[EventOut]:
    visible, params = ownership.readable(user)
    rows = _recent_page(
        "events",
        EVENT_COLUMNS,
        visible,
        params,
        page,
        equals={"event_type": event_type, "source": source, "level": level},
        contains=("tags", tags),
        start_time=start_time,
        end_time=end_time,
    )
    return [EventOut.model_validate(r) for r in rows]


def _recent_page(
    table: str,
    columns: sql.Composable,
    visible: sql.Composable,
    params: dict[str, Any],
    page: Page,
    *,
    equals: dict[str, str | None],
    contains: tuple[str, dict[str, str] | None],
    start_time: datetime | None,
    end_time: datetime | None,
) -> list[dict[str, Any]]:
    """One page of `table`, newest first: the caller's visibility rule, exact-match filters,
    a JSONB containment filter and a time window, in one parameterised query."""
    conditions: list[sql.Composable] = [visible]
    for column, value in equals.items():
        if value is not None:
            conditions.append(
                sql.SQL("{} = %({})s").format(sql.Identifier(column), sql.SQL(column))
            )
            params[column] = value
    _time_bounds(conditions, params, start_time, end_time)
    json_column, wanted = contains
    if wanted:
        conditions.append(sql.SQL("{} @> %(contains)s").format(sql.Identifier(json_column)))
        params["contains"] = Jsonb(wanted)
    params.update(limit=page.limit, offset=page.offset)
    query = sql.SQL(
        "SELECT {cols} FROM {table}{where} ORDER BY recorded_at DESC, id"
        " LIMIT %(limit)s OFFSET %(offset)s"
    ).format(cols=columns, table=sql.Identifier(table), where=_where(conditions))
    return db.connection().execute(query, params).fetchall()


def _time_bounds(
    conditions: list[sql.Composable],
    params: dict[str, Any],
    start_time: datetime | None,
    end_time: datetime | None,
) -> None:
    if start_time is not None:
        conditions.append(sql.SQL("recorded_at >= %(start_time)s"))
        params["start_time"] = start_time
    if end_time is not None:
        conditions.append(sql.SQL("recorded_at <= %(end_time)s"))
        params["end_time"] = end_time


def get_event(user: AuthUser, event_id: UUID) -> EventOut:
    visible, params = ownership.readable(user)
    params["id"] = event_id
    query = sql.SQL("SELECT {cols} FROM events WHERE id = %(id)s AND {visible}").format(
        cols=EVENT_COLUMNS, visible=visible
    )
    row = db.connection().execute(query, params).fetchone()
    if row is None:
        raise NotFound("Event not found")
    return EventOut.model_validate(row)


def create_metric(
    user: AuthUser,
    *,
    name: str,
    metric_type: str,
    value: float,
    labels: dict[str, str],
    recorded_at: datetime | None,
) -> MetricOut:
    ownership.check_metric_name(user, name)
    if _too_long(name, 100):
        raise ValidationFailed("name", "Metric name too long (max 100 characters)")
    if len(labels) > 50:
        raise ValidationFailed("labels", "Too many labels (max 50)")
    if json_size(labels) > 65_536:
        raise ValidationFailed("labels", "Labels JSON too large (max 64KB)")
    if not math.isfinite(value):
        raise ValidationFailed("value", "Metric value must be a finite number")
    row = (
        db.connection()
        .execute(
            sql.SQL(
                "INSERT INTO metrics (name, metric_type, value, labels, recorded_at, owner_id)"
                " VALUES (%s, %s, %s, %s, COALESCE(%s, NOW()), %s) RETURNING {}"
            ).format(METRIC_COLUMNS),
            (name, metric_type, value, Jsonb(labels), recorded_at, user.id),
        )
        .fetchone()
    )
    assert row is not None
    return MetricOut.model_validate(row)


def list_metrics(
    user: AuthUser,
    page: Page,
    *,
    name: str | None = None,
    metric_type: str | None = None,
    start_time: datetime | None = None,
    end_time: datetime | None = None,
    labels: dict[str, str] | None = None,
) -> list[MetricOut]:
    visible, params = ownership.readable(user)
    rows = _recent_page(
        "metrics",
        METRIC_COLUMNS,
        visible,
        params,
        page,
        equals={"name": name, "metric_type": metric_type},
        contains=("labels", labels),
        start_time=start_time,
        end_time=end_time,
    )
    return [MetricOut.model_validate(r) for r in rows]


def stats() -> Stats:
    """The monitoring counters in one query, plus how many rules are firing now."""
    row = (
        db.connection()
        .execute(
            "SELECT (SELECT count(*) FROM events) AS total_events,"
            " (SELECT count(*) FROM metrics) AS total_metrics,"
            " (SELECT count(*) FROM alerts WHERE status = 'active') AS active_alerts,"
            " (SELECT count(*) FROM incidents WHERE status IN ('open', 'investigating'))"
            "   AS open_incidents,"
            " (SELECT count(*) FROM events WHERE created_at >= NOW() - interval '1 hour')"
            "   AS events_last_hour,"
            " (SELECT count(*) FROM metrics WHERE created_at >= NOW() - interval '1 hour')"
            "   AS metrics_last_hour,"
            " (SELECT count(*) FROM alerts WHERE state = 'firing') AS firing_alerts"
        )
        .fetchone()
    )
    assert row is not None
    return Stats.model_validate({key: int(value) for key, value in row.items()})
