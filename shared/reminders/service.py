"""Reminders: the rules and the SQL this group owns. A user sees and changes only their own
(404 otherwise), about their own transactions.

`claim_due`, `mark_sent` and `retire` are the schedule's: it claims due rows with FOR UPDATE SKIP
LOCKED inside its transaction, so two overlapping runs never claim the same reminder, and moves
each to its next occurrence (or retires it) before committing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared import db
from shared.errors import NotFound, ValidationFailed
from shared.ledger import cursor
from shared.ledger import transactions as ledger
from shared.ledger.schemas import utc
from shared.reminders.schemas import (
    STEP,
    Channel,
    Recurrence,
    ReminderIn,
    ReminderOut,
    ReminderPage,
    ReminderUpdate,
)
from shared.settings import get_settings

COLUMNS = (
    "id, transaction_id, recurrence, channels, message, next_run_at, active, sent_count, "
    "last_sent_at, created_at, updated_at"
)
NOT_FOUND = "Reminder not found"


def _channels(channels: list[Channel]) -> list[str]:
    return sorted({c.value for c in channels})


def create(owner: UUID, body: ReminderIn) -> ReminderOut:
    debt = ledger.get(owner, body.transaction_id)  # 404 unless it is the caller's
    if debt.settles_id is not None or debt.open_amount == 0:
        raise ValidationFailed("transaction_id", "is settled (or is a settlement): nothing is due")
    at = utc(body.at) or debt.due_at
    if at is None:
        raise ValidationFailed("at", "is required: the transaction has no due date")
    row = (
        db.connection()
        .execute(
            f"""INSERT INTO reminders (owner_id, transaction_id, recurrence, channels, message,
                                   next_run_at)
            VALUES (%s, %s, %s, %s, %s, %s) RETURNING {COLUMNS}""",  # noqa: S608
            (owner, debt.id, body.recurrence.value, _channels(body.channels), body.message, at),
        )
        .fetchone()
    )
    return ReminderOut.model_validate(row)


def get(owner: UUID, reminder_id: UUID) -> ReminderOut:
    row = (
        db.connection()
        .execute(
            f"SELECT {COLUMNS} FROM reminders WHERE owner_id = %s AND id = %s",  # noqa: S608
            (owner, reminder_id),
        )
        .fetchone()
    )
    if row is None:
        raise NotFound(NOT_FOUND)
    return ReminderOut.model_validate(row)


def search(owner: UUID, limit: int, after: str | None) -> ReminderPage:
    params: dict[str, Any] = {"owner": owner, "limit": limit + 1}
    where = "owner_id = %(owner)s"
    if after:
        created, last_id = cursor.decode("reminders", after, datetime.fromisoformat, UUID)
        params |= {"created": created, "id": last_id}
        where += " AND (created_at, id) > (%(created)s, %(id)s)"
    rows = (
        db.connection()
        .execute(
            f"""SELECT {COLUMNS} FROM reminders WHERE {where}
            ORDER BY created_at, id LIMIT %(limit)s""",  # noqa: S608
            params,
        )
        .fetchall()
    )
    last = rows[limit - 1] if len(rows) > limit else None
    return ReminderPage(
        items=[ReminderOut.model_validate(r) for r in rows[:limit]],
        next_cursor=None
        if last is None
        else cursor.encode("reminders", last["created_at"].isoformat(), str(last["id"])),
    )


def update(owner: UUID, reminder_id: UUID, body: ReminderUpdate) -> ReminderOut:
    current = get(owner, reminder_id)
    sent = body.model_fields_set
    for name in ("at", "recurrence", "channels", "message", "active"):
        if name in sent and getattr(body, name) is None:
            raise ValidationFailed(name, "cannot be null")
    next_run_at = utc(body.at) if "at" in sent else current.next_run_at
    active = body.active if body.active is not None else current.active or "at" in sent
    if active and next_run_at is None:
        raise ValidationFailed("at", "is required to schedule the reminder again")
    row = (
        db.connection()
        .execute(
            f"""UPDATE reminders SET recurrence = %s, channels = %s, message = %s, next_run_at = %s,
                active = %s
            WHERE owner_id = %s AND id = %s RETURNING {COLUMNS}""",  # noqa: S608
            (
                (body.recurrence or current.recurrence).value,
                _channels(body.channels) if body.channels is not None else current.channels,
                body.message if body.message is not None else current.message,
                next_run_at if active else None,
                active,
                owner,
                reminder_id,
            ),
        )
        .fetchone()
    )
    if row is None:  # deleted meanwhile
        raise NotFound(NOT_FOUND)
    return ReminderOut.model_validate(row)


def delete(owner: UUID, reminder_id: UUID) -> None:
    deleted = db.connection().execute(
        "DELETE FROM reminders WHERE owner_id = %s AND id = %s", (owner, reminder_id)
    )
    if deleted.rowcount == 0:
        raise NotFound(NOT_FOUND)


# ---- the schedule's side -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueReminder:
    id: UUID
    owner_id: UUID
    transaction_id: UUID
    recurrence: Recurrence
    channels: list[str]
    message: str
    next_run_at: datetime


def claim_due(conn: db.Connection, limit: int) -> tuple[list[DueReminder], datetime]:
    """Due reminders, locked until the caller's transaction ends (skipping those another run
    holds), and the transaction's time."""
    rows = conn.execute(
        """SELECT id, owner_id, transaction_id, recurrence, channels, message, next_run_at
           FROM reminders WHERE active AND next_run_at <= now()
           ORDER BY next_run_at LIMIT %s FOR UPDATE SKIP LOCKED""",
        (limit,),
    ).fetchall()
    now = conn.execute("SELECT now() AS now").fetchone()
    assert now is not None
    return [DueReminder(**r) for r in rows], now["now"]


def next_occurrence(reminder: DueReminder, now: datetime) -> datetime | None:
    """The first occurrence after `now` (missed ones are skipped, not sent in a burst)."""
    recurrence = Recurrence(reminder.recurrence)
    if recurrence is Recurrence.ONCE:
        return None
    step = STEP[recurrence]
    missed = math.floor((now - reminder.next_run_at) / step) + 1
    return reminder.next_run_at + step * max(1, missed)


def advance(conn: db.Connection, outcomes: list[tuple[DueReminder, bool]], now: datetime) -> None:
    """Move each claimed reminder to its next occurrence (a one-off one is done), counting
    those that were sent."""
    if not outcomes:
        return
    rows = []
    for reminder, sent in outcomes:
        following = next_occurrence(reminder, now)
        rows.append(
            (int(sent), now if sent else None, following, following is not None, reminder.id)
        )
    conn.cursor().executemany(
        """UPDATE reminders SET sent_count = sent_count + %s,
               last_sent_at = coalesce(%s, last_sent_at), next_run_at = %s, active = %s
           WHERE id = %s""",
        rows,
    )


def retire(conn: db.Connection, ids: list[UUID]) -> None:
    """Stop reminders whose transaction is settled or gone."""
    if ids:
        conn.execute(
            "UPDATE reminders SET active = FALSE, next_run_at = NULL WHERE id = ANY(%s)", (ids,)
        )


def purge_sent_once() -> int:
    """One-off reminders sent longer ago than the retention (daily clean-up)."""
    days = get_settings().ledger.sent_reminder_retention_days
    return (
        db.connection()
        .execute(
            """DELETE FROM reminders WHERE recurrence = 'once' AND NOT active
           AND last_sent_at < now() - make_interval(days => %s)""",
            (days,),
        )
        .rowcount
    )
