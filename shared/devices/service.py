"""Devices: the rules and the SQL this group owns.

A user sees and changes their own devices; moderators and admins every one. Another
user's device answers 404: its existence is private.
Lists filter and sort in SQL and page with an opaque keyset cursor, so a page never skips or
repeats rows while others are inserted. Moderators change many rows at once, in one
transaction. Every change is an audit event from `system-devices` (moderators read those).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, LiteralString
from uuid import UUID

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from shared import db
from shared.devices.schemas import (
    BulkCreate,
    BulkDelete,
    BulkFailure,
    BulkResult,
    BulkUpdates,
    DeviceIn,
    DeviceOut,
    DevicePage,
    DeviceQuery,
    DeviceUpdate,
    SortBy,
    SortOrder,
)
from shared.errors import AppError, NotFound, ValidationFailed
from shared.field_rules import blank
from shared.identity.principal import AuthUser
from shared.monitoring import system_events as monitoring

COLUMNS = sql.SQL(
    "id, name, description, status, priority, metadata, created_by, created_at, updated_at"
)
NOT_FOUND = "Device not found"
AUDIT_SOURCE = "system-devices"


def _readable(viewer: AuthUser) -> tuple[sql.Composable, dict[str, Any]]:
    if viewer.is_moderator:
        return sql.SQL("TRUE"), {}
    return sql.SQL("created_by = %(viewer)s"), {"viewer": viewer.id}


def _writable(viewer: AuthUser) -> tuple[sql.Composable, dict[str, Any]]:
    if viewer.is_moderator:
        return sql.SQL("TRUE"), {}
    return sql.SQL("created_by = %(viewer)s"), {"viewer": viewer.id}


def _audit(actor: AuthUser, action: str, ids: list[UUID]) -> None:
    """One event per change (bulk: one for the batch), on the caller's connection: inside a
    bulk transaction it commits or rolls back with the rows."""
    monitoring.record_events(
        [
            monitoring.SystemEvent(
                "log",
                AUDIT_SOURCE,
                f"{action}: {len(ids)} devices",
                "info",
                {"action": action, "actor_id": str(actor.id)},
                {"ids": [str(i) for i in ids]},
            )
        ]
    )


def _columns(fields: dict[str, Any]) -> dict[str, Any]:
    """Validated column values: a blank name is refused, metadata is stored as JSON."""
    if "name" in fields:
        if fields["name"] is None:
            raise ValidationFailed("name", "must not be null")
        if blank(fields["name"]):
            raise ValidationFailed("name", "must not be blank")
        fields["name"] = fields["name"].strip()
    for key in ("status", "priority", "metadata"):
        if key in fields and fields[key] is None:
            raise ValidationFailed(key, "must not be null")
    if "metadata" in fields:
        fields["metadata"] = Jsonb(fields["metadata"])
    return fields


def _insert(conn: db.Connection, owner: AuthUser, item: DeviceIn) -> dict[str, Any]:
    columns = {**_columns(item.model_dump()), "created_by": owner.id}
    query = sql.SQL("INSERT INTO devices ({}) VALUES ({}) RETURNING {}").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(map(sql.Placeholder, columns)),
        COLUMNS,
    )
    row = conn.execute(query, columns).fetchone()
    assert row is not None
    return row


def create(owner: AuthUser, item: DeviceIn) -> DeviceOut:
    row = _insert(db.connection(), owner, item)
    _audit(owner, "create", [row["id"]])
    return DeviceOut.model_validate(row)


def get(viewer: AuthUser, item_id: UUID) -> DeviceOut:
    visible, params = _readable(viewer)
    query = sql.SQL("SELECT {} FROM devices WHERE id = %(id)s AND {}").format(COLUMNS, visible)
    row = db.connection().execute(query, {**params, "id": item_id}).fetchone()
    if row is None:
        raise NotFound(NOT_FOUND)
    return DeviceOut.model_validate(row)


def _refused(viewer: AuthUser, item_id: UUID) -> AppError:
    """A guarded write changed nothing: 404 unless the viewer may see the row."""
    get(viewer, item_id)
    return NotFound(NOT_FOUND)


def _update(
    conn: db.Connection, viewer: AuthUser, item_id: UUID, changes: dict[str, Any]
) -> dict[str, Any] | None:
    allowed, params = _writable(viewer)
    if not changes:
        changes = {"updated_at": sql.SQL("updated_at")}
    sets = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(
            sql.Identifier(k), v if isinstance(v, sql.Composable) else sql.Placeholder(k)
        )
        for k, v in changes.items()
    )
    query = sql.SQL("UPDATE devices SET {} WHERE id = %(id)s AND {} RETURNING {}").format(
        sets, allowed, COLUMNS
    )
    values = {k: v for k, v in changes.items() if not isinstance(v, sql.Composable)}
    row: dict[str, Any] | None = conn.execute(query, {**values, **params, "id": item_id}).fetchone()
    return row


def update(viewer: AuthUser, item_id: UUID, fields: DeviceUpdate) -> DeviceOut:
    changes = _columns(fields.model_dump(exclude_unset=True))
    row = _update(db.connection(), viewer, item_id, changes)
    if row is None:
        raise _refused(viewer, item_id)
    _audit(viewer, "update", [item_id])
    return DeviceOut.model_validate(row)


def delete(viewer: AuthUser, item_id: UUID) -> None:
    allowed, params = _writable(viewer)
    query = sql.SQL("DELETE FROM devices WHERE id = %(id)s AND {}").format(allowed)
    if not db.connection().execute(query, {**params, "id": item_id}).rowcount:
        raise _refused(viewer, item_id)
    _audit(viewer, "delete", [item_id])


# ---- lists: filters, order and a keyset cursor ----------------------------------------------


def metadata_filter(text: str | None) -> dict[str, Any] | None:
    """The `metadata` query parameter: a JSON object the rows' metadata must contain."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise ValidationFailed("metadata", "must be a JSON object") from None
    if not isinstance(value, dict):
        raise ValidationFailed("metadata", "must be a JSON object")
    return value


def _cursor(q: DeviceQuery, row: dict[str, Any]) -> str:
    value = row[q.sort_by.value]
    position = [
        q.sort_by.value,
        q.sort_order.value,
        value.isoformat() if isinstance(value, datetime) else value,
        str(row["id"]),
    ]
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def _after(q: DeviceQuery) -> tuple[Any, UUID]:
    """The position a cursor names; only for the same order it was made for."""
    assert q.cursor is not None
    try:
        sort_by, order, value, last_id = json.loads(base64.urlsafe_b64decode(q.cursor))
        if (sort_by, order) != (q.sort_by.value, q.sort_order.value):
            raise ValueError("another order")
        if q.sort_by in (SortBy.CREATED_AT, SortBy.UPDATED_AT):
            value = datetime.fromisoformat(value)
        elif q.sort_by is SortBy.PRIORITY:
            value = int(value)
        else:
            value = str(value)
        return value, UUID(last_id)
    except (ValueError, TypeError, binascii.Error):
        raise ValidationFailed("cursor", "is not a cursor of this list and order") from None


def list_devices(viewer: AuthUser, q: DeviceQuery) -> DevicePage:
    if (
        q.priority_min is not None
        and q.priority_max is not None
        and q.priority_min > q.priority_max
    ):
        raise ValidationFailed("priority_min", "must not exceed priority_max")
    visible, params = _readable(viewer)
    conditions: list[sql.Composable] = [visible]
    filters: list[tuple[bool, LiteralString, str, Any]] = [
        (bool(q.status), "status = ANY(%(status)s)", "status", [s.value for s in q.status]),
        (
            q.priority_min is not None,
            "priority >= %(priority_min)s",
            "priority_min",
            q.priority_min,
        ),
        (
            q.priority_max is not None,
            "priority <= %(priority_max)s",
            "priority_max",
            q.priority_max,
        ),
        (
            q.created_after is not None,
            "created_at >= %(created_after)s",
            "created_after",
            q.created_after,
        ),
        (
            q.created_before is not None,
            "created_at < %(created_before)s",
            "created_before",
            q.created_before,
        ),
        (q.metadata is not None, "metadata @> %(metadata)s", "metadata", Jsonb(q.metadata)),
        (
            bool(q.search),
            "search_vector @@ websearch_to_tsquery('simple', %(search)s)",
            "search",
            q.search,
        ),
    ]
    for applies, condition, name, value in filters:
        if applies:
            conditions.append(sql.SQL(condition))
            params[name] = value
    column = sql.Identifier(q.sort_by.value)
    descending = q.sort_order is SortOrder.DESC
    if q.cursor is not None:
        params["after"], params["after_id"] = _after(q)
        conditions.append(
            sql.SQL("({}, id) {} (%(after)s, %(after_id)s)").format(
                column, sql.SQL("<" if descending else ">")
            )
        )
    direction = sql.SQL("DESC" if descending else "ASC")
    query = sql.SQL("SELECT {} FROM devices WHERE {} ORDER BY {} {}, id {} LIMIT %(limit)s").format(
        COLUMNS, sql.SQL(" AND ").join(conditions), column, direction, direction
    )
    rows = db.connection().execute(query, {**params, "limit": q.limit + 1}).fetchall()
    page = rows[: q.limit]
    next_cursor = _cursor(q, page[-1]) if len(rows) > q.limit else None
    return DevicePage(items=[DeviceOut.model_validate(r) for r in page], next_cursor=next_cursor)


# ---- bulk (moderators): one transaction, a savepoint per row -------------------------------


def _failure(index: int, error: Exception) -> BulkFailure:
    if isinstance(error, AppError):
        return BulkFailure(index=index, error=error.message)
    return BulkFailure(index=index, error=type(error).__name__)


def _bulk(actor: AuthUser, action: str, count: int, skip_errors: bool, one: Any) -> BulkResult:
    """Run `one(conn, index)` for each index in one transaction. Without skip_errors the first
    failure rolls everything back and answers 400; with it, failed rows are reported and the
    others kept."""
    succeeded: list[UUID] = []
    failed: list[BulkFailure] = []
    with db.transaction() as conn:
        for index in range(count):
            try:
                with conn.transaction():  # a savepoint: a failed row leaves the others intact
                    succeeded.append(one(conn, index))
            except (AppError, psycopg.errors.IntegrityError, psycopg.errors.DataError) as error:
                failure = _failure(index, error)
                if not skip_errors:
                    raise ValidationFailed(f"items[{index}]", failure.error) from None
                failed.append(failure)
        if succeeded:
            _audit(actor, action, succeeded)
    return BulkResult(succeeded=succeeded, failed=failed)


def bulk_create(actor: AuthUser, body: BulkCreate) -> BulkResult:
    def one(conn: db.Connection, index: int) -> UUID:
        return UUID(str(_insert(conn, actor, body.items[index])["id"]))

    return _bulk(actor, "bulk_create", len(body.items), body.skip_errors, one)


def bulk_update(actor: AuthUser, body: BulkUpdates) -> BulkResult:
    def one(conn: db.Connection, index: int) -> UUID:
        item = body.items[index]
        changes = _columns(item.model_dump(exclude_unset=True, exclude={"id"}))
        if _update(conn, actor, item.id, changes) is None:
            raise NotFound(NOT_FOUND)
        return item.id

    return _bulk(actor, "bulk_update", len(body.items), body.skip_errors, one)


def bulk_delete(actor: AuthUser, body: BulkDelete) -> BulkResult:
    allowed, params = _writable(actor)
    query = sql.SQL("DELETE FROM devices WHERE id = %(id)s AND {}").format(allowed)

    def one(conn: db.Connection, index: int) -> UUID:
        if not conn.execute(query, {**params, "id": body.ids[index]}).rowcount:
            raise NotFound(NOT_FOUND)
        return body.ids[index]

    return _bulk(actor, "bulk_delete", len(body.ids), body.skip_errors, one)
