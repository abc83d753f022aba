"""Contacts: a user's own. Another user's contact answers 404, whoever asks (an admin reads them
through the audit-logged admin path). Deleting is soft: the contact can be restored for 30 days,
then the daily clean-up purges it."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from uuid import UUID

from shared import db
from shared.errors import NotFound
from shared.ledger import cursor, engine, store
from shared.ledger.schemas import (
    Balance,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactUpdate,
    Entity,
    Op,
)
from shared.ledger.state import ContactState, State

NOT_FOUND = "Contact not found"


def _out(state: State | None) -> ContactOut:
    assert isinstance(state, ContactState)
    return ContactOut.model_validate(asdict(state))


def create(owner: UUID, body: ContactIn) -> ContactOut:
    request = engine.Request(Entity.CONTACT, uuid.uuid4(), Op.CREATE, body.model_dump())
    return _out(engine.change(owner, request))


def update(owner: UUID, contact_id: UUID, body: ContactUpdate) -> ContactOut:
    data = body.model_dump(exclude_unset=True, exclude={"version"})
    request = engine.Request(
        Entity.CONTACT, contact_id, Op.UPDATE, data, expected_version=body.version
    )
    return _out(engine.change(owner, request))


def delete(owner: UUID, contact_id: UUID) -> ContactOut:
    return _out(engine.change(owner, engine.Request(Entity.CONTACT, contact_id, Op.DELETE, {})))


def restore(owner: UUID, contact_id: UUID) -> ContactOut:
    return _out(engine.change(owner, engine.Request(Entity.CONTACT, contact_id, Op.RESTORE, {})))


def get(owner: UUID, contact_id: UUID) -> ContactOut:
    found = store.contacts(db.connection(), owner, [contact_id]).get(contact_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    return _out(found)


def search(
    owner: UUID, text: str | None, deleted: bool, limit: int, after: str | None
) -> ContactPage:
    """By name (then id); `text` matches name, email, phone or note, case-insensitively and
    literally (% and _ are not wildcards)."""
    params: dict[str, object] = {"owner": owner, "limit": limit + 1}
    where = ["owner_id = %(owner)s", f"deleted_at IS {'NOT ' if deleted else ''}NULL"]
    if text:
        params["text"] = (
            "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        where.append(
            "(name ILIKE %(text)s OR email ILIKE %(text)s OR phone ILIKE %(text)s"
            " OR note ILIKE %(text)s)"
        )
    if after:
        name, last_id = cursor.decode("contacts", after, str, UUID)
        params |= {"name": name, "id": last_id}
        where.append("(lower(name), id) > (%(name)s, %(id)s)")
    rows = (
        db.connection()
        .execute(
            f"""SELECT {store.CONTACT_COLUMNS}, lower(name) AS sort_name FROM contacts
            WHERE {" AND ".join(where)} ORDER BY lower(name), id LIMIT %(limit)s""",  # noqa: S608
            params,
        )
        .fetchall()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return ContactPage(
        items=[ContactOut.model_validate(r) for r in rows],
        next_cursor=None
        if last is None
        else cursor.encode("contacts", last["sort_name"], str(last["id"])),
    )


def balance(owner: UUID, contact_id: UUID) -> list[Balance]:
    get(owner, contact_id)
    rows = (
        db.connection()
        .execute(
            """SELECT contact_id, currency, net FROM balances
           WHERE owner_id = %s AND contact_id = %s ORDER BY currency""",
            (owner, contact_id),
        )
        .fetchall()
    )
    return [Balance.model_validate(r) for r in rows]
