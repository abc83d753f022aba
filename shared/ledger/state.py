"""The entities as the event log defines them, and the one fold that turns events into them.

Live writes and `starter ledger rebuild` both derive projections with `fold`, so the two cannot
disagree. Payloads are JSON (what the log stores), and are parsed here the same way for both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.ledger.schemas import Entity
from shared.timestamps import format_timestamp


@dataclass(frozen=True, slots=True)
class Event:
    entity: Entity
    entity_id: UUID
    version: int
    type: str
    payload: dict[str, Any]
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ContactState:
    id: UUID
    name: str
    email: str | None
    phone: str | None
    note: str | None
    version: int
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class TransactionState:
    id: UUID
    contact_id: UUID
    direction: str
    amount: int
    currency: str
    description: str
    occurred_at: datetime
    due_at: datetime | None
    settles_id: UUID | None
    version: int
    created_at: datetime
    updated_at: datetime


State = ContactState | TransactionState

_DATETIMES = {"occurred_at", "due_at"}
_UUIDS = {"contact_id", "settles_id"}


def _parse(payload: dict[str, Any]) -> dict[str, Any]:
    parsed = dict(payload)
    for key in _DATETIMES & parsed.keys():
        if parsed[key] is not None:
            parsed[key] = datetime.fromisoformat(parsed[key])
    for key in _UUIDS & parsed.keys():
        if parsed[key] is not None:
            parsed[key] = UUID(parsed[key])
    return parsed


def to_payload(values: dict[str, Any]) -> dict[str, Any]:
    """Fields as the log stores them (JSON)."""
    return {
        key: format_timestamp(v)
        if isinstance(v, datetime)
        else str(v)
        if isinstance(v, UUID)
        else v
        for key, v in values.items()
    }


def as_json(state: State) -> dict[str, Any]:
    """An entity as a conflict reports it."""
    return to_payload(asdict(state))


def fold(state: State | None, event: Event) -> State | None:
    """The entity after `event` (None: it no longer exists)."""
    kind = event.type.rsplit(".", 1)[1]
    at = event.recorded_at
    if kind == "created":
        factory = ContactState if event.entity is Entity.CONTACT else TransactionState
        values = _parse(event.payload)
        if factory is ContactState:
            values["deleted_at"] = None
        return factory(
            id=event.entity_id, version=event.version, created_at=at, updated_at=at, **values
        )
    if kind == "purged":  # a tombstone: the purge removed the entity's earlier events
        return None
    if state is None:  # the log only appends changes to entities that exist
        raise ValueError(f"{event.type} for missing {event.entity} {event.entity_id}")
    if kind == "updated":
        return replace(state, version=event.version, updated_at=at, **_parse(event.payload))
    if isinstance(state, TransactionState):  # deleted
        return None
    deleted_at = at if kind == "deleted" else None  # deleted (contacts: soft) or restored
    return replace(state, version=event.version, updated_at=at, deleted_at=deleted_at)
