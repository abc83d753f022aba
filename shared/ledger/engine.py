"""Changes to contacts and transactions: validated against the entities' current state, appended
to the user's event log and folded into the projections, all in the caller's transaction.

REST routes make one change and raise on failure; a sync push makes up to a hundred and reports
each one's outcome. Both go through `Batch`, so the rules exist once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ValidationError

from shared import db
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.ledger import store
from shared.ledger.money import CURRENCIES, signed
from shared.ledger.schemas import (
    ContactIn,
    ContactUpdate,
    Direction,
    Entity,
    Op,
    SettlementIn,
    TransactionIn,
    TransactionUpdate,
    utc,
)
from shared.ledger.state import (
    ContactState,
    Event,
    State,
    TransactionState,
    fold,
    to_payload,
)
from shared.settings import get_settings


@dataclass(frozen=True, slots=True)
class Request:
    entity: Entity
    entity_id: UUID
    op: Op
    data: dict[str, Any]
    base_version: int | None = None  # sync: a mismatch is a conflict, even for a missing entity
    expected_version: int | None = None  # REST: a mismatch on an existing entity is a 409


class VersionConflict(Conflict):
    """The change was made to a version the server has moved past."""

    def __init__(self, current: State | None) -> None:
        self.current = current
        version = current.version if current else 0
        super().__init__(f"The entity changed since; its current version is {version}")


def parse[M: BaseModel](model: type[M], data: dict[str, Any]) -> M:
    """`data` as `model`, or a 400 naming the first offending field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "data"
        raise ValidationFailed(field, first["msg"]) from None


class Batch:
    """Changes of one user, made in order inside the caller's transaction (constructing it locks
    the user's stream)."""

    def __init__(self, conn: db.Connection, owner: UUID, device_id: str | None) -> None:
        self.conn, self.owner, self.device_id = conn, owner, device_id
        self.sequence, self.now = store.open_stream(conn, owner)
        self.contacts: dict[UUID, ContactState | None] = {}
        self.transactions: dict[UUID, TransactionState | None] = {}
        self.settled: dict[UUID, int] = {}
        self.events: list[tuple[int, Event]] = []
        self.contacts_changed: dict[UUID, None] = {}  # ordered sets
        self.transactions_changed: dict[UUID, None] = {}
        self.parents: set[UUID] = set()
        self.balance_changes: dict[tuple[UUID, str], int] = {}

    def preload(self, contact_ids: Iterable[UUID], transaction_ids: Iterable[UUID]) -> None:
        """Read the entities a batch names in two queries rather than one per change."""
        wanted = [i for i in set(transaction_ids) if i not in self.transactions]
        for tid, (state, settled) in store.transactions(self.conn, self.owner, wanted).items():
            self.transactions[tid], self.settled[tid] = state, settled
        for tid in wanted:
            self.transactions.setdefault(tid, None)
        more = {s.contact_id for s in self.transactions.values() if s is not None}
        wanted = [i for i in set(contact_ids) | more if i not in self.contacts]
        self.contacts.update(store.contacts(self.conn, self.owner, wanted))
        for cid in wanted:
            self.contacts.setdefault(cid, None)

    def contact(self, contact_id: UUID) -> ContactState | None:
        if contact_id not in self.contacts:
            self.preload([contact_id], [])
        return self.contacts[contact_id]

    def transaction(self, transaction_id: UUID) -> TransactionState | None:
        if transaction_id not in self.transactions:
            self.preload([], [transaction_id])
        return self.transactions[transaction_id]

    # ---- one change ----------------------------------------------------------------------

    def apply(self, request: Request) -> tuple[State | None, int | None]:
        """Make the change: the entity afterwards and its event's sequence number (None when
        nothing changed). Raises an AppError, and changes nothing, when the change is refused."""
        current = (
            self.contact(request.entity_id)
            if request.entity is Entity.CONTACT
            else self.transaction(request.entity_id)
        )
        version = current.version if current is not None else 0
        if request.base_version is not None and request.base_version != version:
            raise VersionConflict(current)
        if current is None and request.op is not Op.CREATE:
            raise NotFound(f"{request.entity.value.capitalize()} not found")
        if request.expected_version is not None and request.expected_version != version:
            raise VersionConflict(current)
        if current is not None and request.op is Op.CREATE:
            raise VersionConflict(current)  # a client id used twice
        if request.entity is Entity.CONTACT:
            kind, payload = self._contact_change(request, current)  # type: ignore[arg-type]
        else:
            kind, payload = self._transaction_change(request, current)  # type: ignore[arg-type]
        if kind is None:
            return current, None
        event = Event(
            request.entity,
            request.entity_id,
            version + 1,
            f"{request.entity.value}.{kind}",
            payload,
            self.now,
        )
        after = fold(current, event)
        self.sequence += 1
        self.events.append((self.sequence, event))
        if request.entity is Entity.CONTACT:
            self.contacts[request.entity_id] = after  # type: ignore[assignment]
            self.contacts_changed[request.entity_id] = None
        else:
            self._transaction_changed(current, after)  # type: ignore[arg-type]
        return after, self.sequence

    def _contact_change(
        self, request: Request, current: ContactState | None
    ) -> tuple[str | None, dict[str, Any]]:
        if request.op is Op.CREATE:
            return "created", to_payload(parse(ContactIn, request.data).model_dump())
        assert current is not None
        if request.op is Op.UPDATE:
            if current.deleted_at is not None:
                raise Conflict("The contact is deleted: restore it first")
            changes = _changed_fields(current, parse(ContactUpdate, request.data), {"name"})
            return ("updated" if changes else None), to_payload(changes)
        if request.op is Op.DELETE:
            if current.deleted_at is not None:
                raise Conflict("The contact is already deleted")
            return "deleted", {}
        if current.deleted_at is None:
            raise Conflict("The contact is not deleted")
        window = get_settings().ledger.contact_purge_days  # then the clean-up purges it
        if self.now - current.deleted_at > timedelta(days=window):
            raise Conflict(f"A contact can be restored for {window} days after its deletion")
        return "restored", {}

    def _transaction_change(
        self, request: Request, current: TransactionState | None
    ) -> tuple[str | None, dict[str, Any]]:
        if request.op is Op.CREATE:
            return "created", to_payload(self._new_transaction(request.data))
        assert current is not None
        self._open_contact(current.contact_id)
        if request.op is Op.UPDATE:
            update = parse(TransactionUpdate, request.data)
            changes = _changed_fields(current, update, {"amount", "description", "occurred_at"})
            if "amount" in changes:
                if current.settles_id is not None:
                    raise Conflict("A settlement's amount is fixed: delete it and settle again")
                if changes["amount"] < self.settled.get(current.id, 0):
                    raise ValidationFailed("amount", "must not be less than what is settled")
            return ("updated" if changes else None), to_payload(changes)
        if request.op is Op.DELETE:
            if self.settled.get(current.id, 0) > 0:
                raise Conflict("The transaction has settlements: delete them first")
            return "deleted", {}
        raise ValidationFailed("op", "a transaction is deleted for good and cannot be restored")

    def _new_transaction(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("settles_id") is not None:
            return self._new_settlement(data)
        body = parse(TransactionIn, {k: v for k, v in data.items() if k != "settles_id"})
        if body.currency not in CURRENCIES:
            raise ValidationFailed("currency", "must be an ISO 4217 currency code")
        self._open_contact(body.contact_id)
        values = body.model_dump()
        values["occurred_at"] = utc(body.occurred_at) or self.now
        values["due_at"] = utc(body.due_at)
        values["direction"] = body.direction.value
        values["settles_id"] = None
        return values

    def _new_settlement(self, data: dict[str, Any]) -> dict[str, Any]:
        data = dict(data)
        try:
            settles_id = UUID(str(data.pop("settles_id")))
        except ValueError:
            raise ValidationFailed("settles_id", "must be a UUID") from None
        body = parse(SettlementIn, data)
        parent = self.transaction(settles_id)
        if parent is None:
            raise NotFound("Transaction not found")
        if parent.settles_id is not None:
            raise Conflict("A settlement cannot itself be settled")
        self._open_contact(parent.contact_id)
        if body.amount > parent.amount - self.settled.get(parent.id, 0):
            raise ValidationFailed("amount", "must not exceed what is still open")
        opposite = Direction.BORROWED if parent.direction == Direction.LENT else Direction.LENT
        return {
            "contact_id": parent.contact_id,
            "direction": opposite.value,
            "amount": body.amount,
            "currency": parent.currency,
            "description": body.description,
            "occurred_at": utc(body.occurred_at) or self.now,
            "due_at": None,
            "settles_id": parent.id,
        }

    def _open_contact(self, contact_id: UUID) -> None:
        found = self.contact(contact_id)
        if found is None:
            raise NotFound("Contact not found")
        if found.deleted_at is not None:
            raise Conflict("The contact is deleted: restore it first")

    def _transaction_changed(
        self, before: TransactionState | None, after: TransactionState | None
    ) -> None:
        state = after or before
        assert state is not None
        self.transactions[state.id] = after
        self.transactions_changed[state.id] = None
        for side, sign in ((before, -1), (after, 1)):
            if side is not None:
                key = (side.contact_id, side.currency)
                change = sign * signed(side.direction, side.amount)
                self.balance_changes[key] = self.balance_changes.get(key, 0) + change
        if state.settles_id is not None:
            self.transaction(state.settles_id)  # loaded before the delta, never after
            self.parents.add(state.settles_id)
            delta = (after.amount if after else 0) - (before.amount if before else 0)
            self.settled[state.settles_id] = self.settled.get(state.settles_id, 0) + delta

    # ---- the end of the batch ------------------------------------------------------------

    def flush(self, results: list[tuple[str, str, dict[str, Any]]] | None = None) -> None:
        """Write the events, the projections and `results` (key, request hash, result)."""
        live_parents = [p for p in self.parents if self.transactions[p] is not None]
        store.write(
            self.conn,
            self.owner,
            self.device_id,
            self.events,
            {i: self.contacts[i] for i in self.contacts_changed},
            {i: self.transactions[i] for i in self.transactions_changed},
            results or [],
            live_parents,
            self.balance_changes,
        )


def _changed_fields(current: State, update: BaseModel, required: set[str]) -> dict[str, Any]:
    """The fields the update sends with a new value (`version` is not a field)."""
    changes: dict[str, Any] = {}
    for name in update.model_fields_set - {"version"}:
        value = getattr(update, name)
        if value is None and name in required:
            raise ValidationFailed(name, "cannot be null")
        if isinstance(value, datetime):
            value = utc(value)
        if getattr(current, name) != value:
            changes[name] = value
    return changes


def change(owner: UUID, request: Request) -> State | None:
    """One change, in its own transaction (REST). Raises when refused."""
    with db.transaction() as conn:
        batch = Batch(conn, owner, None)
        after, _ = batch.apply(request)
        batch.flush()
        return after
