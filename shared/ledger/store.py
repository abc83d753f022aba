"""The ledger's SQL: the per-user stream, the event log, idempotency results and the projections.
Every function takes the caller's connection, inside the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from shared import db
from shared.ledger.state import ContactState, Event, TransactionState

CONTACT_COLUMNS = "id, name, email, phone, note, version, deleted_at, created_at, updated_at"
TRANSACTION_COLUMNS = (
    "id, contact_id, direction, amount, currency, description, occurred_at, due_at, "
    "settles_id, version, created_at, updated_at"
)


def open_stream(conn: db.Connection, owner: UUID) -> tuple[int, datetime]:
    """Lock the user's stream until the transaction ends: its last sequence number and the
    transaction's time (every event of the batch carries it)."""
    row = conn.execute(
        """INSERT INTO ledger_streams (user_id) VALUES (%s)
           ON CONFLICT (user_id) DO UPDATE SET last_sequence = ledger_streams.last_sequence
           RETURNING last_sequence, now() AS now""",
        (owner,),
    ).fetchone()
    assert row is not None
    return row["last_sequence"], row["now"]


def transactions(
    conn: db.Connection, owner: UUID, ids: Sequence[UUID]
) -> dict[UUID, tuple[TransactionState, int]]:
    """Transactions by id, each with the amount settled so far."""
    rows = conn.execute(
        f"""SELECT {TRANSACTION_COLUMNS}, settled_amount FROM transactions
            WHERE owner_id = %s AND id = ANY(%s)""",  # noqa: S608
        (owner, list(ids)),
    ).fetchall()
    return {
        r["id"]: (TransactionState(**_without(r, "settled_amount")), r["settled_amount"])
        for r in rows
    }


def _without(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != key}


def contacts(conn: db.Connection, owner: UUID, ids: Sequence[UUID]) -> dict[UUID, ContactState]:
    rows = conn.execute(
        f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE owner_id = %s AND id = ANY(%s)",  # noqa: S608
        (owner, list(ids)),
    ).fetchall()
    return {r["id"]: ContactState(**r) for r in rows}


def stored_results(
    conn: db.Connection, owner: UUID, keys: Sequence[str]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Earlier results by idempotency key: (the request's hash, the result)."""
    if not keys:
        return {}
    rows = conn.execute(
        """SELECT key, request_hash, result FROM ledger_idempotency
           WHERE user_id = %s AND key = ANY(%s)""",
        (owner, list(keys)),
    ).fetchall()
    return {r["key"]: (r["request_hash"], r["result"]) for r in rows}


def write(
    conn: db.Connection,
    owner: UUID,
    device_id: str | None,
    events: Sequence[tuple[int, Event]],
    contacts_after: dict[UUID, ContactState | None],
    transactions_after: dict[UUID, TransactionState | None],
    results: Sequence[tuple[str, str, dict[str, Any]]],
) -> None:
    """Append the events and bring the projections to the entities' new states, in one
    pipeline: a batch costs a handful of round trips, however many changes it holds."""
    with conn.pipeline(), conn.cursor() as cur:
        if events:
            cur.executemany(
                """INSERT INTO ledger_events (user_id, sequence, entity, entity_id, version, type,
                                             payload, device_id, recorded_at)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                [
                    (
                        owner,
                        seq,
                        e.entity.value,
                        e.entity_id,
                        e.version,
                        e.type,
                        Jsonb(e.payload),
                        device_id,
                        e.recorded_at,
                    )
                    for seq, e in events
                ],
            )
            cur.execute(
                "UPDATE ledger_streams SET last_sequence = %s WHERE user_id = %s",
                (events[-1][0], owner),
            )
        _write_contacts(cur, owner, contacts_after)
        _write_transactions(cur, owner, transactions_after)
        if results:
            cur.executemany(
                """INSERT INTO ledger_idempotency (user_id, key, request_hash, result)
                   VALUES (%s, %s, %s, %s)""",
                [(owner, key, digest, Jsonb(result)) for key, digest, result in results],
            )


def _write_contacts(cur: Any, owner: UUID, after: dict[UUID, ContactState | None]) -> None:
    live = [s for s in after.values() if s is not None]
    if live:
        cur.executemany(
            f"""INSERT INTO contacts (owner_id, {CONTACT_COLUMNS})
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (owner_id, id) DO UPDATE SET
                    name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,
                    note = EXCLUDED.note, version = EXCLUDED.version,
                    deleted_at = EXCLUDED.deleted_at, updated_at = EXCLUDED.updated_at""",  # noqa: S608
            [
                (
                    owner,
                    s.id,
                    s.name,
                    s.email,
                    s.phone,
                    s.note,
                    s.version,
                    s.deleted_at,
                    s.created_at,
                    s.updated_at,
                )
                for s in live
            ],
        )
    gone = [i for i, s in after.items() if s is None]
    if gone:
        cur.execute("DELETE FROM contacts WHERE owner_id = %s AND id = ANY(%s)", (owner, gone))


def _write_transactions(cur: Any, owner: UUID, after: dict[UUID, TransactionState | None]) -> None:
    live = [s for s in after.values() if s is not None]
    if live:
        cur.executemany(
            f"""INSERT INTO transactions (owner_id, {TRANSACTION_COLUMNS})
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (owner_id, id) DO UPDATE SET
                    amount = EXCLUDED.amount, description = EXCLUDED.description,
                    occurred_at = EXCLUDED.occurred_at, due_at = EXCLUDED.due_at,
                    version = EXCLUDED.version, updated_at = EXCLUDED.updated_at""",  # noqa: S608
            [
                (
                    owner,
                    s.id,
                    s.contact_id,
                    s.direction,
                    s.amount,
                    s.currency,
                    s.description,
                    s.occurred_at,
                    s.due_at,
                    s.settles_id,
                    s.version,
                    s.created_at,
                    s.updated_at,
                )
                for s in live
            ],
        )
    gone = [i for i, s in after.items() if s is None]
    if gone:
        cur.execute("DELETE FROM transactions WHERE owner_id = %s AND id = ANY(%s)", (owner, gone))


def refresh_derived(
    conn: db.Connection, owner: UUID, parents: Iterable[UUID], contact_ids: Iterable[UUID]
) -> None:
    """Recompute what transactions imply: the settled part of `parents` and the balances of
    `contact_ids` (None for either: all of the user's)."""
    parent_ids, contacts_ids = list(parents), list(contact_ids)
    with conn.pipeline():
        if parent_ids:
            conn.execute(_SETTLED, {"owner": owner, "ids": parent_ids})
        if contacts_ids:
            conn.execute(
                "DELETE FROM balances WHERE owner_id = %s AND contact_id = ANY(%s)",
                (owner, contacts_ids),
            )
            conn.execute(_BALANCES, {"owner": owner, "ids": contacts_ids})


_SETTLED = """UPDATE transactions p SET settled_amount = s.total,
        settled_at = CASE WHEN s.total >= p.amount THEN s.last END
    FROM (SELECT pid, coalesce(sum(c.amount), 0) AS total, max(c.occurred_at) AS last
          FROM unnest(%(ids)s::uuid[]) AS pid
          LEFT JOIN transactions c ON c.owner_id = %(owner)s AND c.settles_id = pid
          GROUP BY pid) s
    WHERE p.owner_id = %(owner)s AND p.id = s.pid"""

_BALANCES = """INSERT INTO balances (owner_id, contact_id, currency, net)
    SELECT owner_id, contact_id, currency,
           sum(CASE direction WHEN 'lent' THEN amount ELSE -amount END)
    FROM transactions WHERE owner_id = %(owner)s AND contact_id = ANY(%(ids)s)
    GROUP BY owner_id, contact_id, currency"""


def events(conn: db.Connection, owner: UUID, after: int, limit: int) -> list[dict[str, Any]]:
    return conn.execute(
        """SELECT sequence, entity, entity_id, version, type, payload, device_id, recorded_at
           FROM ledger_events WHERE user_id = %s AND sequence > %s
           ORDER BY sequence LIMIT %s""",
        (owner, after, limit),
    ).fetchall()


def request_hash(change: dict[str, Any]) -> str:
    canonical = json.dumps(change, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
