"""Transactions: debts between a user and one of their contacts, in integer minor units of one
currency. A settlement is a transaction linked to the one it (partly) settles, in the opposite
direction; when settlements cover the amount, the transaction is settled."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared import db
from shared.errors import NotFound
from shared.ledger import cursor, engine, store
from shared.ledger.schemas import (
    Balance,
    Entity,
    Op,
    SettlementIn,
    TransactionIn,
    TransactionOut,
    TransactionPage,
    TransactionUpdate,
)

NOT_FOUND = "Transaction not found"
COLUMNS = (
    f"{store.TRANSACTION_COLUMNS}, settled_amount, amount - settled_amount AS open_amount, "
    "settled_at"
)


@dataclass(frozen=True, slots=True)
class TransactionFilter:
    contact_id: UUID | None = None
    currency: str | None = None
    settled: bool | None = None  # None: both; settlements count as settled
    due_after: datetime | None = None
    due_before: datetime | None = None


def create(owner: UUID, body: TransactionIn) -> TransactionOut:
    data = body.model_dump(mode="json", exclude_unset=True)
    return _changed(owner, engine.Request(Entity.TRANSACTION, uuid.uuid4(), Op.CREATE, data))


def settle(owner: UUID, transaction_id: UUID, body: SettlementIn) -> TransactionOut:
    """Record a settlement of `transaction_id`: the new, linked transaction."""
    data = body.model_dump(mode="json", exclude_unset=True) | {"settles_id": str(transaction_id)}
    return _changed(owner, engine.Request(Entity.TRANSACTION, uuid.uuid4(), Op.CREATE, data))


def update(owner: UUID, transaction_id: UUID, body: TransactionUpdate) -> TransactionOut:
    data = body.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    request = engine.Request(
        Entity.TRANSACTION, transaction_id, Op.UPDATE, data, expected_version=body.version
    )
    return _changed(owner, request)


def delete(owner: UUID, transaction_id: UUID) -> None:
    engine.change(owner, engine.Request(Entity.TRANSACTION, transaction_id, Op.DELETE, {}))


def _changed(owner: UUID, request: engine.Request) -> TransactionOut:
    engine.change(owner, request)
    return get(owner, request.entity_id)


def get(owner: UUID, transaction_id: UUID) -> TransactionOut:
    row = (
        db.connection()
        .execute(
            f"SELECT {COLUMNS} FROM transactions WHERE owner_id = %s AND id = %s",  # noqa: S608
            (owner, transaction_id),
        )
        .fetchone()
    )
    if row is None:
        raise NotFound(NOT_FOUND)
    return TransactionOut.model_validate(row)


@dataclass(frozen=True, slots=True)
class Debt:
    transaction: TransactionOut
    contact_name: str


def debts(keys: Sequence[tuple[UUID, UUID]]) -> dict[tuple[UUID, UUID], Debt]:
    """Transactions by (owner, id), each with its contact's name, in one query (for the
    reminders run, whose due reminders span many users). Missing ones are left out."""
    if not keys:
        return {}
    owners, ids = zip(*keys, strict=True)
    rows = (
        db.connection()
        .execute(
            f"""SELECT t.*, c.name AS contact_name
            FROM unnest(%s::uuid[], %s::uuid[]) AS k(owner_id, id)
            CROSS JOIN LATERAL (SELECT owner_id, {COLUMNS} FROM transactions
                                WHERE owner_id = k.owner_id AND id = k.id OFFSET 0) AS t
            JOIN contacts c ON c.owner_id = t.owner_id AND c.id = t.contact_id""",  # noqa: S608
            (store.uuid_array(owners), store.uuid_array(ids)),
        )
        .fetchall()
    )
    return {
        (r["owner_id"], r["id"]): Debt(TransactionOut.model_validate(r), r["contact_name"])
        for r in rows
    }


def search(owner: UUID, f: TransactionFilter, limit: int, after: str | None) -> TransactionPage:
    """Newest first (occurred_at, then id), filtered in SQL."""
    params: dict[str, Any] = {"owner": owner, "limit": limit + 1}
    where = ["owner_id = %(owner)s"]
    for column, value in (("contact_id", f.contact_id), ("currency", f.currency)):
        if value is not None:
            params[column] = value
            where.append(f"{column} = %({column})s")
    if f.settled is not None:
        where.append(
            "(settled_at IS NOT NULL OR settles_id IS NOT NULL)"
            if f.settled
            else "(settled_at IS NULL AND settles_id IS NULL)"
        )
    if f.due_after is not None:
        params["due_after"] = f.due_after
        where.append("due_at >= %(due_after)s")
    if f.due_before is not None:
        params["due_before"] = f.due_before
        where.append("due_at < %(due_before)s")
    if after:
        occurred, last_id = cursor.decode("transactions", after, datetime.fromisoformat, UUID)
        params |= {"occurred": occurred, "id": last_id}
        where.append("(occurred_at, id) < (%(occurred)s, %(id)s)")
    rows = (
        db.connection()
        .execute(
            f"""SELECT {COLUMNS} FROM transactions WHERE {" AND ".join(where)}
            ORDER BY occurred_at DESC, id DESC LIMIT %(limit)s""",  # noqa: S608
            params,
        )
        .fetchall()
    )
    more = len(rows) > limit
    items = [TransactionOut.model_validate(r) for r in rows[:limit]]
    last = rows[limit - 1] if more else None
    return TransactionPage(
        items=items,
        next_cursor=None
        if last is None
        else cursor.encode("transactions", last["occurred_at"].isoformat(), str(last["id"])),
    )


def balances(owner: UUID) -> list[Balance]:
    """Every contact's net per currency (deleted contacts excluded)."""
    rows = (
        db.connection()
        .execute(
            """SELECT b.contact_id, b.currency, b.net FROM balances b
           JOIN contacts c ON c.owner_id = b.owner_id AND c.id = b.contact_id
           WHERE b.owner_id = %s AND c.deleted_at IS NULL
           ORDER BY b.contact_id, b.currency""",
            (owner,),
        )
        .fetchall()
    )
    return [Balance.model_validate(r) for r in rows]
