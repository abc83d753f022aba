"""Alert rules: create, read, update, delete, silence (A2.11). The rule itself lives in rules.py;
evaluation in evaluation.py."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from shared import db
from shared.errors import NotFound, ValidationFailed
from shared.field_rules import blank
from shared.identity.principal import AuthUser
from shared.monitoring import rules
from shared.monitoring.schemas import AlertOut
from shared.paging import Page

ALERT_COLUMNS = sql.SQL(
    "id, name, description, query, rule_source, filters, aggregation, window_minutes, comparator,"
    " threshold_value, for_minutes, notify_email, notify_webhook_url, auto_incident_severity,"
    " status, state, pending_since, triggered_at, resolved_at, last_tick, last_value,"
    " last_evaluated_at, last_error, created_by, created_at, updated_at"
)
SELECT_ONE = sql.SQL("SELECT {} FROM alerts WHERE id = %s").format(ALERT_COLUMNS)
STRUCTURE_FIELDS = ("source", "filters", "aggregation", "window_minutes", "comparator")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NOT_FOUND = "Alert not found"


def rule_of(row: dict[str, Any]) -> rules.Rule:
    """The stored rule, re-validated: a row edited by hand fails here, not in SQL."""
    return rules.build(
        source=row["rule_source"],
        filters=row["filters"],
        aggregation=row["aggregation"],
        window_minutes=row["window_minutes"],
        comparator=row["comparator"],
        threshold=row["threshold_value"],
        for_minutes=row["for_minutes"],
    )


def _rule(fields: dict[str, Any], current: dict[str, Any] | None) -> rules.Rule:
    for_minutes = fields.get("for_minutes")
    if for_minutes is None:
        for_minutes = current["for_minutes"] if current else 0
    query = fields.get("query")
    if query is not None:
        if any(fields.get(key) is not None for key in STRUCTURE_FIELDS):
            raise ValidationFailed("query", "give either a query or a structured rule, not both")
        rule = rules.parse_query(query, for_minutes=for_minutes)
        threshold = fields.get("threshold_value")
        if threshold is not None and threshold != rule.threshold:
            raise ValidationFailed("threshold_value", "does not match the threshold in query")
        return rule
    merged: dict[str, Any] = {}
    if current:
        merged = {key: current[key] for key in ("filters", "aggregation", "window_minutes")}
        merged.update(
            source=current["rule_source"],
            comparator=current["comparator"],
            threshold_value=current["threshold_value"],
        )
    merged.update({k: v for k, v in fields.items() if k in (*STRUCTURE_FIELDS, "threshold_value")})
    for required in ("source", "comparator", "threshold_value"):
        if merged.get(required) is None:
            raise ValidationFailed(required, "is required (or give a query)")
    return rules.build(
        source=merged["source"],
        filters=merged.get("filters") or {},
        aggregation=merged.get("aggregation"),
        window_minutes=merged.get("window_minutes"),
        comparator=merged["comparator"],
        threshold=float(merged["threshold_value"]),
        for_minutes=for_minutes,
    )


def _text(fields: dict[str, Any], key: str, limit: int, *, required: bool = False) -> None:
    value = fields.get(key)
    if value is None:
        if required and key in fields:
            raise ValidationFailed(key, "cannot be null")
        return
    if required and blank(value):
        raise ValidationFailed(key, "cannot be empty")
    if len(value) > limit:
        raise ValidationFailed(key, f"too long (max {limit} characters)")


def _notification(fields: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """notify_email / notify_webhook_url: at most one; explicit null clears."""
    columns = {
        key: fields[key] if key in fields else (current[key] if current else None)
        for key in ("notify_email", "notify_webhook_url")
    }
    email, url = columns["notify_email"], columns["notify_webhook_url"]
    if email is not None and url is not None:
        raise ValidationFailed("notify_email", "give an email address or a webhook URL, not both")
    if email is not None and (len(email) > 254 or not _EMAIL.match(email)):
        raise ValidationFailed("notify_email", "Invalid email format")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
            raise ValidationFailed("notify_webhook_url", "must be an http(s) URL")
    return columns


def _columns(fields: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    _text(fields, "name", 200, required=True)
    _text(fields, "description", 10_000)
    rule = _rule(fields, current)
    columns: dict[str, Any] = {
        "query": rules.render(rule),
        "rule_source": rule.source,
        "filters": Jsonb(rule.filters),
        "aggregation": rule.aggregation,
        "window_minutes": rule.window_minutes,
        "comparator": rule.comparator,
        "threshold_value": rule.threshold,
        "for_minutes": rule.for_minutes,
        **_notification(fields, current),
    }
    for key in ("name", "description"):
        if key in fields:
            columns[key] = fields[key]
    if "auto_incident" in fields:
        incident = fields["auto_incident"]
        columns["auto_incident_severity"] = incident["severity"] if incident else None
    return columns


def _out(row: dict[str, Any]) -> AlertOut:
    severity = row["auto_incident_severity"]
    return AlertOut.model_validate(
        {
            **row,
            "source": row["rule_source"],
            "auto_incident": {"severity": severity} if severity else None,
        }
    )


def create(user: AuthUser, fields: dict[str, Any]) -> AlertOut:
    if "name" not in fields:
        raise ValidationFailed("name", "is required")
    columns = _columns(fields, None)
    columns["created_by"] = user.id
    query = sql.SQL("INSERT INTO alerts ({cols}) VALUES ({vals}) RETURNING {ret}").format(
        cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
        vals=sql.SQL(", ").join(map(sql.Placeholder, columns)),
        ret=ALERT_COLUMNS,
    )
    row = db.connection().execute(query, columns).fetchone()
    assert row is not None
    return _out(row)


def list_alerts(page: Page) -> list[AlertOut]:
    rows = (
        db.connection()
        .execute(
            sql.SQL("SELECT {} FROM alerts ORDER BY created_at DESC, id LIMIT %s OFFSET %s").format(
                ALERT_COLUMNS
            ),
            (page.limit, page.offset),
        )
        .fetchall()
    )
    return [_out(r) for r in rows]


def get(alert_id: UUID) -> AlertOut:
    row = db.connection().execute(SELECT_ONE, (alert_id,)).fetchone()
    if row is None:
        raise NotFound(NOT_FOUND)
    return _out(row)


def update(alert_id: UUID, fields: dict[str, Any]) -> AlertOut:
    with db.transaction() as conn:
        current = conn.execute(SELECT_ONE + sql.SQL(" FOR UPDATE"), (alert_id,)).fetchone()
        if current is None:
            raise NotFound(NOT_FOUND)
        columns = _columns(fields, current)
        query = sql.SQL("UPDATE alerts SET {sets} WHERE id = %(id)s RETURNING {ret}").format(
            sets=sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in columns
            ),
            ret=ALERT_COLUMNS,
        )
        row = conn.execute(query, {**columns, "id": alert_id}).fetchone()
    assert row is not None
    return _out(row)


def delete(alert_id: UUID) -> None:
    deleted = db.connection().execute("DELETE FROM alerts WHERE id = %s", (alert_id,)).rowcount
    if not deleted:
        raise NotFound(NOT_FOUND)


def set_silenced(alert_id: UUID, silenced: bool) -> AlertOut:
    row = (
        db.connection()
        .execute(
            sql.SQL("UPDATE alerts SET status = %s WHERE id = %s RETURNING {}").format(
                ALERT_COLUMNS
            ),
            ("silenced" if silenced else "active", alert_id),
        )
        .fetchone()
    )
    if row is None:
        raise NotFound(NOT_FOUND)
    return _out(row)
