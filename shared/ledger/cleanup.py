"""The ledger's part of the daily clean-up.

Purging a contact removes it from the log as well as from the projections: the contact's events
and its transactions' events are deleted (they hold the personal data the purge is for), and a
`contact.purged` event takes their place, so a device that synced the contact learns to drop
it. The log then still folds to the projections (`starter ledger rebuild` gives the same
tables); what it no longer holds is the purged contact's history, which is the point.
"""

from __future__ import annotations

from uuid import UUID

from shared import db
from shared.ledger import store
from shared.ledger.schemas import Entity
from shared.ledger.state import Event
from shared.settings import get_settings


def purge_deleted_contacts() -> int:
    """Contacts deleted longer ago than their restore window. Returns how many."""
    days = get_settings().ledger.contact_purge_days
    rows = (
        db.connection()
        .execute(
            """SELECT owner_id, id FROM contacts
           WHERE deleted_at < now() - make_interval(days => %s) ORDER BY owner_id""",
            (days,),
        )
        .fetchall()
    )
    by_owner: dict[UUID, list[UUID]] = {}
    for r in rows:
        by_owner.setdefault(r["owner_id"], []).append(r["id"])
    return sum(_purge(owner, ids, days) for owner, ids in by_owner.items())


def _purge(owner: UUID, contact_ids: list[UUID], days: int) -> int:
    with db.transaction() as conn:
        sequence, now = store.open_stream(conn, owner)
        # Read again under the stream's lock: a restore may have won the race.
        doomed = conn.execute(
            """SELECT id, version FROM contacts WHERE owner_id = %s AND id = ANY(%s)
               AND deleted_at < now() - make_interval(days => %s)""",
            (owner, contact_ids, days),
        ).fetchall()
        if not doomed:
            return 0
        ids = [r["id"] for r in doomed]
        conn.execute(
            """DELETE FROM ledger_events WHERE user_id = %(owner)s AND (entity_id = ANY(%(ids)s)
               OR entity_id IN (SELECT id FROM transactions
                                WHERE owner_id = %(owner)s AND contact_id = ANY(%(ids)s)))""",
            {"owner": owner, "ids": ids},
        )
        events = [
            (
                sequence + n,
                Event(Entity.CONTACT, r["id"], r["version"] + 1, "contact.purged", {}, now),
            )
            for n, r in enumerate(doomed, start=1)
        ]
        store.write(conn, owner, None, events, dict.fromkeys(ids), {}, [])
        return len(ids)


def purge_idempotency_keys() -> int:
    """Results older than their replay window."""
    days = get_settings().ledger.idempotency_retention_days
    return (
        db.connection()
        .execute(
            "DELETE FROM ledger_idempotency WHERE created_at < now() - make_interval(days => %s)",
            (days,),
        )
        .rowcount
    )
