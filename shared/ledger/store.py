"""The ledger's SQL: the per-user stream, the event log, idempotency results and the projections.
Every function takes the caller's connection, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic_core import to_json

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
        f"""SELECT {_qualified("t", TRANSACTION_COLUMNS)}, t.settled_amount
            FROM unnest(%s::uuid[]) AS k(id)
            CROSS JOIN LATERAL (SELECT * FROM transactions
                                WHERE owner_id = %s AND id = k.id OFFSET 0) AS t""",  # noqa: S608
        (uuid_array(ids), owner),
    ).fetchall()
    return {
        r["id"]: (TransactionState(**_without(r, "settled_amount")), r["settled_amount"])
        for r in rows
    }


def _without(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != key}


def uuid_array(ids: Iterable[UUID]) -> str:
    """A uuid[] literal: psycopg encodes a list parameter element by element in Python, with
    regular expressions, which costs more than the query for a batch's hundred ids. Lookups
    probe the key once per id: a LATERAL subquery that `OFFSET 0` keeps from being flattened.
    With `id = ANY(...)` or a join, the planner, whose statistics lag behind a user's fast
    growing rows, reads all of the user's rows instead: a cost that grows with the history."""
    return "{" + ",".join(map(str, ids)) + "}"


def _qualified(alias: str, columns: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in columns.split(", "))


def contacts(conn: db.Connection, owner: UUID, ids: Sequence[UUID]) -> dict[UUID, ContactState]:
    rows = conn.execute(
        f"""SELECT {_qualified("c", CONTACT_COLUMNS)} FROM unnest(%s::uuid[]) AS k(id)
            CROSS JOIN LATERAL (SELECT * FROM contacts
                                WHERE owner_id = %s AND id = k.id OFFSET 0) AS c""",  # noqa: S608
        (uuid_array(ids), owner),
    ).fetchall()
    return {r["id"]: ContactState(**r) for r in rows}


def stored_results(
    conn: db.Connection, owner: UUID, keys: Sequence[str]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Earlier results by idempotency key: (the request's hash, the result)."""
    if not keys:
        return {}
    rows = conn.execute(  # one primary-key probe per key, whatever the history (uuid_array)
        """SELECT i.key, i.request_hash, i.result
           FROM jsonb_array_elements_text(%s::jsonb) AS k(key)
           CROSS JOIN LATERAL (SELECT * FROM ledger_idempotency
                               WHERE user_id = %s AND key = k.key OFFSET 0) AS i""",
        (to_json(list(keys)).decode(), owner),
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
    settled_parents: Iterable[UUID] = (),
    balance_changes: Mapping[tuple[UUID, str], int] | None = None,
) -> None:
    """Append the events, bring the projections to the entities' new states, recompute the
    settled part of `settled_parents`, and add `balance_changes` ((contact, currency) -> net
    change) to the balances: the work is the batch's, not the user's history. One statement
    per table, its rows sent as one JSON document (`jsonb_to_recordset`), all in one pipeline.
    A batch of a hundred changes costs a few milliseconds more than a batch of one; per-row
    parameters (executemany) or arrays would cost a hundred bind steps, or psycopg's array
    encoding in Python, instead."""
    live_contacts = [s for s in contacts_after.values() if s is not None]
    live_transactions = [s for s in transactions_after.values() if s is not None]
    with conn.pipeline(), conn.cursor() as cur:
        if events:
            rows = [
                {
                    "sequence": seq,
                    "entity": e.entity.value,
                    "entity_id": e.entity_id,
                    "version": e.version,
                    "type": e.type,
                    "payload": e.payload,
                    "recorded_at": e.recorded_at,
                }
                for seq, e in events
            ]
            cur.execute(_EVENTS, {"owner": owner, "device": device_id, "rows": _document(rows)})
            cur.execute(
                "UPDATE ledger_streams SET last_sequence = %s WHERE user_id = %s",
                (events[-1][0], owner),
            )
        for statement, live in ((_CONTACTS, live_contacts), (_TRANSACTIONS, live_transactions)):
            if live:
                rows = [_fields(state) for state in live]
                cur.execute(statement, {"owner": owner, "rows": _document(rows)})
        for table, after in (("transactions", transactions_after), ("contacts", contacts_after)):
            gone = [i for i, s in after.items() if s is None]
            if gone:
                cur.execute(
                    f"""DELETE FROM {table} t USING unnest(%s::uuid[]) AS k(id)
                        WHERE t.owner_id = %s AND t.id = k.id""",  # noqa: S608
                    (uuid_array(gone), owner),
                )
        if results:
            rows = [{"key": k, "request_hash": h, "result": r} for k, h, r in results]
            cur.execute(_RESULTS, {"owner": owner, "rows": _document(rows)})
        parents = list(settled_parents)
        if parents:
            cur.execute(_SETTLED, {"owner": owner, "ids": uuid_array(parents)})
        changes = [
            {"contact_id": contact, "currency": currency, "net": net}
            for (contact, currency), net in (balance_changes or {}).items()
            if net
        ]
        if changes:
            cur.execute(_ADD_TO_BALANCES, {"owner": owner, "rows": _document(changes)})
            cur.execute(_DROP_SETTLED_BALANCES, {"owner": owner})


def _fields(state: ContactState | TransactionState) -> dict[str, Any]:
    return {name: getattr(state, name) for name in state.__slots__}  # asdict deep-copies


def _document(rows: list[dict[str, Any]]) -> str:
    # pydantic-core writes UUIDs and datetimes (RFC 3339, microseconds) itself, in Rust.
    return to_json(rows, inf_nan_mode="constants").decode()


_EVENTS = """INSERT INTO ledger_events (user_id, sequence, entity, entity_id, version, type,
                                      payload, device_id, recorded_at)
    SELECT %(owner)s, sequence, entity, entity_id, version, type, payload, %(device)s, recorded_at
    FROM jsonb_to_recordset(%(rows)s::jsonb) AS e(sequence bigint, entity text, entity_id uuid,
         version int, type text, payload jsonb, recorded_at timestamptz)"""

_CONTACTS = f"""INSERT INTO contacts (owner_id, {CONTACT_COLUMNS})
    SELECT %(owner)s, {CONTACT_COLUMNS}
    FROM jsonb_to_recordset(%(rows)s::jsonb) AS c(id uuid, name text, email text, phone text,
         note text, version int, deleted_at timestamptz, created_at timestamptz,
         updated_at timestamptz)
    ON CONFLICT (owner_id, id) DO UPDATE SET
        name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,
        note = EXCLUDED.note, version = EXCLUDED.version,
        deleted_at = EXCLUDED.deleted_at, updated_at = EXCLUDED.updated_at"""  # noqa: S608

_TRANSACTIONS = f"""INSERT INTO transactions (owner_id, {TRANSACTION_COLUMNS})
    SELECT %(owner)s, {TRANSACTION_COLUMNS}
    FROM jsonb_to_recordset(%(rows)s::jsonb) AS t(id uuid, contact_id uuid, direction text,
         amount bigint, currency text, description text, occurred_at timestamptz,
         due_at timestamptz, settles_id uuid, version int, created_at timestamptz,
         updated_at timestamptz)
    ON CONFLICT (owner_id, id) DO UPDATE SET
        amount = EXCLUDED.amount, description = EXCLUDED.description,
        occurred_at = EXCLUDED.occurred_at, due_at = EXCLUDED.due_at,
        version = EXCLUDED.version, updated_at = EXCLUDED.updated_at"""  # noqa: S608

_RESULTS = """INSERT INTO ledger_idempotency (user_id, key, request_hash, result)
    SELECT %(owner)s, key, request_hash, result
    FROM jsonb_to_recordset(%(rows)s::jsonb) AS r(key text, request_hash text, result jsonb)"""


def recompute_balances(conn: db.Connection, owner: UUID) -> None:
    """Every balance of the user, summed again from the transactions (the rebuild)."""
    conn.execute("DELETE FROM balances WHERE owner_id = %s", (owner,))
    conn.execute(_BALANCES, {"owner": owner})


_SETTLED = """UPDATE transactions p SET settled_amount = s.total,
        settled_at = CASE WHEN s.total >= p.amount THEN s.last END
    FROM (SELECT pid, coalesce(sum(c.amount), 0) AS total, max(c.occurred_at) AS last
          FROM unnest(%(ids)s::uuid[]) AS pid
          LEFT JOIN transactions c ON c.owner_id = %(owner)s AND c.settles_id = pid
          GROUP BY pid) s
    WHERE p.owner_id = %(owner)s AND p.id = s.pid"""

# A balance row exists while its net is not zero: settled up, nothing is owed either way.
_BALANCES = """INSERT INTO balances (owner_id, contact_id, currency, net)
    SELECT owner_id, contact_id, currency,
           sum(CASE direction WHEN 'lent' THEN amount ELSE -amount END)
    FROM transactions WHERE owner_id = %(owner)s
    GROUP BY owner_id, contact_id, currency
    HAVING sum(CASE direction WHEN 'lent' THEN amount ELSE -amount END) <> 0"""

_ADD_TO_BALANCES = """INSERT INTO balances (owner_id, contact_id, currency, net)
    SELECT %(owner)s, contact_id, currency, net
    FROM jsonb_to_recordset(%(rows)s::jsonb) AS b(contact_id uuid, currency text, net bigint)
    ON CONFLICT (owner_id, contact_id, currency) DO UPDATE SET net = balances.net + EXCLUDED.net"""

# A separate statement: one statement does not see the rows its own CTE just wrote.
_DROP_SETTLED_BALANCES = "DELETE FROM balances WHERE owner_id = %(owner)s AND net = 0"


def events(conn: db.Connection, owner: UUID, after: int, limit: int) -> list[dict[str, Any]]:
    return conn.execute(
        """SELECT sequence, entity, entity_id, version, type, payload, device_id, recorded_at
           FROM ledger_events WHERE user_id = %s AND sequence > %s
           ORDER BY sequence LIMIT %s""",
        (owner, after, limit),
    ).fetchall()
