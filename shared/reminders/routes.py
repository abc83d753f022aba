"""/api/v1/reminders: thin routes over shared.reminders.service. Another user's reminder (or
transaction) answers 404."""

# No `from __future__ import annotations`: FastAPI reads the annotations at runtime.

from typing import Annotated
from uuid import UUID

from fastapi import Query

from shared.errors import NotFound
from shared.http.envelope import Envelope, ok
from shared.http.routing import beyond_schema, errors, group_router
from shared.identity.dependencies import CurrentUser
from shared.reminders import service
from shared.reminders.schemas import ReminderIn, ReminderOut, ReminderPage, ReminderUpdate

router = group_router("/api/v1/reminders", "Reminders")


@router.post(
    "",
    summary="Remind about a transaction",
    responses=errors(NotFound),
    # at: required when the transaction has no due date; the transaction must still be open
    openapi_extra=beyond_schema("at", "transaction_id"),
)
async def create(body: ReminderIn, user: CurrentUser) -> Envelope[ReminderOut]:
    return ok(service.create(user.id, body))


@router.get(
    "",
    summary="Your reminders, oldest first, with a cursor",
    openapi_extra=beyond_schema("cursor"),  # must be one this list returned
)
async def list_reminders(
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Envelope[ReminderPage]:
    return ok(service.search(user.id, limit, cursor))


@router.get("/{reminder_id}", summary="Get a reminder", responses=errors(NotFound))
async def get(reminder_id: UUID, user: CurrentUser) -> Envelope[ReminderOut]:
    return ok(service.get(user.id, reminder_id))


@router.patch(
    "/{reminder_id}",
    summary="Change a reminder",
    responses=errors(NotFound),
    # may be left out, not null; scheduling again needs a time
    openapi_extra=beyond_schema("at", "recurrence", "channels", "message", "active"),
)
async def update(
    reminder_id: UUID, body: ReminderUpdate, user: CurrentUser
) -> Envelope[ReminderOut]:
    return ok(service.update(user.id, reminder_id, body))


@router.delete("/{reminder_id}", summary="Delete a reminder", responses=errors(NotFound))
async def delete(reminder_id: UUID, user: CurrentUser) -> Envelope[None]:
    service.delete(user.id, reminder_id)
    return ok(None, "Reminder deleted")
