"""Incidents and their timelines."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from shared import db
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.field_rules import blank
from shared.identity.principal import AuthUser
from shared.monitoring import ownership
from shared.monitoring.schemas import IncidentOut, Timeline, TimelineEntry
from shared.paging import Page

INCIDENT_COLUMNS = sql.SQL(
    "id, title, description, severity, status, started_at, resolved_at, root_cause,"
    " created_by, assigned_to, alert_id, created_at, updated_at"
)
NOT_FOUND = "Incident not found"
MODERATOR_REQUIRED = "Moderator access required"
# Forward along open -> investigating -> resolved -> closed (steps may be skipped); a resolved
# incident may be reopened; closed is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"investigating", "resolved", "closed"}),
    "investigating": frozenset({"resolved", "closed"}),
    "resolved": frozenset({"closed", "open", "investigating"}),
    "closed": frozenset(),
}
NON_NULLABLE = ("title", "severity", "status")


def _visible(user: AuthUser) -> tuple[sql.Composable, dict[str, Any]]:
    if user.is_moderator:
        return sql.SQL("TRUE"), {}
    return sql.SQL("(created_by = %(viewer)s OR assigned_to = %(viewer)s)"), {"viewer": user.id}


@contextmanager
def _assignee_must_exist() -> Iterator[None]:
    """An assignee that is not a user is a 400 naming the field, not a database error."""
    try:
        yield
    except psycopg.errors.ForeignKeyViolation as error:
        if error.diag.constraint_name == "fk_incidents_assigned_to":
            raise ValidationFailed("assigned_to", "User not found") from None
        raise


def _check_text(fields: dict[str, Any]) -> None:
    for key in NON_NULLABLE:
        if key in fields and fields[key] is None:
            raise ValidationFailed(key, "cannot be null")
    title = fields.get("title")
    if title is not None and blank(title):
        raise ValidationFailed("title", "cannot be empty")
    for key, limit in (("title", 500), ("description", 10_000), ("root_cause", 10_000)):
        value = fields.get(key)
        if value is not None and len(value) > limit:
            raise ValidationFailed(key, f"too long (max {limit} characters)")


def create(
    user: AuthUser,
    *,
    title: str,
    description: str | None,
    severity: str,
    assigned_to: UUID | None,
) -> IncidentOut:
    if assigned_to is not None and not user.is_moderator:
        raise Forbidden(MODERATOR_REQUIRED)
    _check_text({"title": title, "description": description})
    with _assignee_must_exist():
        row = (
            db.connection()
            .execute(
                sql.SQL(
                    "INSERT INTO incidents (title, description, severity, created_by, assigned_to)"
                    " VALUES (%s, %s, %s, %s, %s) RETURNING {}"
                ).format(INCIDENT_COLUMNS),
                (title, description, severity, user.id, assigned_to),
            )
            .fetchone()
        )
    assert row is not None
    return IncidentOut.model_validate(row)


def open_for_alert(alert: dict[str, Any], severity: str, at: datetime) -> None:
    """The incident an alert opens when it fires (inside the evaluator's transaction)."""
    db.connection().execute(
        "INSERT INTO incidents (title, description, severity, started_at, alert_id)"
        " VALUES (%s, %s, %s, %s, %s)",
        (f"Alert firing: {alert['name']}", alert["query"], severity, at, alert["id"]),
    )


def list_incidents(user: AuthUser, page: Page) -> list[IncidentOut]:
    visible, params = _visible(user)
    params.update(limit=page.limit, offset=page.offset)
    query = sql.SQL(
        "SELECT {cols} FROM incidents WHERE {visible} ORDER BY created_at DESC, id"
        " LIMIT %(limit)s OFFSET %(offset)s"
    ).format(cols=INCIDENT_COLUMNS, visible=visible)
    return [IncidentOut.model_validate(r) for r in db.connection().execute(query, params)]


def _fetch(conn: db.Connection, user: AuthUser, incident_id: UUID, *, lock: bool) -> dict[str, Any]:
    visible, params = _visible(user)
    params["id"] = incident_id
    query = sql.SQL("SELECT {cols} FROM incidents WHERE id = %(id)s AND {visible}{lock}").format(
        cols=INCIDENT_COLUMNS,
        visible=visible,
        lock=sql.SQL(" FOR UPDATE") if lock else sql.SQL(""),
    )
    row = conn.execute(query, params).fetchone()
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def get(user: AuthUser, incident_id: UUID) -> IncidentOut:
    return IncidentOut.model_validate(_fetch(db.connection(), user, incident_id, lock=False))


def _status_columns(current: dict[str, Any], status: str) -> dict[str, Any]:
    old = current["status"]
    if status == old:
        return {}
    if status not in TRANSITIONS[old]:
        raise Conflict(f"Cannot change incident status from {old} to {status}")
    columns: dict[str, Any] = {"status": status}
    if status in ("resolved", "closed") and current["resolved_at"] is None:
        columns["resolved_at"] = sql.SQL("NOW()")
    elif status in ("open", "investigating"):
        columns["resolved_at"] = None  # reopened
    return columns


def update(user: AuthUser, incident_id: UUID, fields: dict[str, Any]) -> IncidentOut:
    """`fields` holds only what the client sent; an explicit null clears a nullable field."""
    if "assigned_to" in fields and not user.is_moderator:
        raise Forbidden(MODERATOR_REQUIRED)
    _check_text(fields)
    with db.transaction() as conn:
        current = _fetch(conn, user, incident_id, lock=True)
        if not user.is_moderator and current["created_by"] != user.id:
            raise Forbidden("Cannot update this incident")
        columns = {k: v for k, v in fields.items() if k != "status"}
        if "status" in fields:
            columns.update(_status_columns(current, fields["status"]))
        if not columns:
            return IncidentOut.model_validate(current)
        sets = sql.SQL(", ").join(
            sql.SQL("{} = {}").format(
                sql.Identifier(k), v if isinstance(v, sql.Composable) else sql.Placeholder(k)
            )
            for k, v in columns.items()
        )
        query = sql.SQL("UPDATE incidents SET {sets} WHERE id = %(id)s RETURNING {cols}").format(
            sets=sets, cols=INCIDENT_COLUMNS
        )
        params = {k: v for k, v in columns.items() if not isinstance(v, sql.Composable)}
        with _assignee_must_exist():
            row = conn.execute(query, {**params, "id": incident_id}).fetchone()
    assert row is not None
    return IncidentOut.model_validate(row)


def timeline(
    user: AuthUser,
    incident_id: UUID,
    page: Page,
    *,
    lookback_hours: int,
    source: str | None,
    tags: dict[str, str],
) -> Timeline:
    """Events in [started_at - lookback, resolved_at or now], optionally narrowed by source and
    tags, plus the linked alert's own events. A regular user sees only events they may read."""
    incident = get(user, incident_id)
    readable, params = ownership.readable(user)
    matching: list[sql.Composable] = [readable]
    if source is not None:
        matching.append(sql.SQL("source = %(source)s"))
        params["source"] = source
    if tags:
        matching.append(sql.SQL("tags @> %(tags)s"))
        params["tags"] = Jsonb(tags)
    selected: sql.Composable = sql.SQL(" AND ").join(matching)
    if incident.alert_id is not None:
        selected = sql.SQL("(({}) OR tags @> %(alert_tag)s)").format(selected)
        params["alert_tag"] = Jsonb({"alert_id": str(incident.alert_id)})
    params.update(
        window_start=incident.started_at - timedelta(hours=lookback_hours),
        window_end=incident.resolved_at,
        limit=page.limit,
        offset=page.offset,
    )
    query = sql.SQL(
        "SELECT id, recorded_at, event_type, source, COALESCE(message, '') AS message, level,"
        " tags, count(*) OVER () AS total_count FROM events"
        " WHERE recorded_at >= %(window_start)s"
        " AND recorded_at <= COALESCE(%(window_end)s, NOW()) AND {selected}"
        " ORDER BY recorded_at, id LIMIT %(limit)s OFFSET %(offset)s"
    ).format(selected=selected)
    rows = db.connection().execute(query, params).fetchall()
    total = rows[0]["total_count"] if rows else _count_only(query, params)
    return Timeline(
        incident_id=incident.id,
        start_time=incident.started_at,
        end_time=incident.resolved_at,
        entries=[TimelineEntry.model_validate(r) for r in rows],
        total_count=total,
    )


def _count_only(query: sql.Composable, params: dict[str, Any]) -> int:
    """An offset past the end returns no rows, hence no window count: ask for it alone."""
    if params["offset"] == 0:
        return 0
    counted = sql.SQL("SELECT count(*) AS n FROM ({}) AS page").format(query)
    row = db.connection().execute(counted, {**params, "limit": None, "offset": 0}).fetchone()
    return int(row["n"]) if row else 0
