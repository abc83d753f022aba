"""/api/v1/contacts: thin routes over shared.ledger.contacts. Every route is the caller's own:
another user's contact answers 404."""

# No `from __future__ import annotations`: FastAPI reads the annotations at runtime.

from typing import Annotated
from uuid import UUID

from fastapi import Query

from shared.errors import Conflict, NotFound
from shared.http.envelope import Envelope, ok
from shared.http.routing import beyond_schema, errors, group_router
from shared.identity.dependencies import CurrentUser
from shared.ledger import contacts as service
from shared.ledger.schemas import TEXT, Balance, ContactIn, ContactOut, ContactPage, ContactUpdate

router = group_router("/api/v1/contacts", "Contacts")


# The create shares the ledger's change path, whose other uses answer 404/409.
@router.post("", summary="Create a contact", responses=errors(NotFound, Conflict))
async def create(body: ContactIn, user: CurrentUser) -> Envelope[ContactOut]:
    return ok(service.create(user.id, body))


@router.get(
    "",
    summary="List contacts by name, with a cursor",
    openapi_extra=beyond_schema("cursor"),  # must be one this list returned
)
async def list_contacts(
    user: CurrentUser,
    search: Annotated[
        str | None,
        Query(max_length=200, pattern=TEXT, description="In name, email, phone or note."),
    ] = None,
    deleted: Annotated[bool, Query(description="List the deleted ones instead.")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Envelope[ContactPage]:
    return ok(service.search(user.id, search, deleted, limit, cursor))


@router.get("/{contact_id}", summary="Get a contact (deleted ones too)", responses=errors(NotFound))
async def get(contact_id: UUID, user: CurrentUser) -> Envelope[ContactOut]:
    return ok(service.get(user.id, contact_id))


@router.patch(
    "/{contact_id}",
    summary="Change a contact (send `version` to refuse a stale write)",
    responses=errors(NotFound, Conflict),
    openapi_extra=beyond_schema("name"),  # may be left out, not null
)
async def update(contact_id: UUID, body: ContactUpdate, user: CurrentUser) -> Envelope[ContactOut]:
    return ok(service.update(user.id, contact_id, body))


@router.delete(
    "/{contact_id}",
    summary="Delete a contact (restorable for 30 days)",
    responses=errors(NotFound, Conflict),
)
async def delete(contact_id: UUID, user: CurrentUser) -> Envelope[ContactOut]:
    return ok(service.delete(user.id, contact_id), "Contact deleted")


@router.post(
    "/{contact_id}/restore",
    summary="Restore a deleted contact",
    responses=errors(NotFound, Conflict),
)
async def restore(contact_id: UUID, user: CurrentUser) -> Envelope[ContactOut]:
    return ok(service.restore(user.id, contact_id))


@router.get(
    "/{contact_id}/balance",
    summary="What the contact owes you (positive) or you owe them, per currency",
    responses=errors(NotFound),
)
async def balance(contact_id: UUID, user: CurrentUser) -> Envelope[list[Balance]]:
    return ok(service.balance(user.id, contact_id))
