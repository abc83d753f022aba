"""/api/v1/reminders: thin routes over shared.reminders.service."""

# No `from __future__ import annotations`: FastAPI reads the annotations at runtime.

from typing import Annotated
from uuid import UUID

from fastapi import Query

from shared.errors import NotFound
from shared.http.envelope import Envelope, ok
from shared.http.routing import beyond_schema, errors, group_router
from shared.identity.dependencies import CurrentUser, ModeratorUser
from shared.reminders import service
from shared.reminders.schemas import (
    BulkCreate,
    BulkDelete,
    BulkResult,
    BulkUpdates,
    ReminderIn,
    ReminderOut,
    ReminderPage,
    ReminderQuery,
    ReminderUpdate,
    SortBy,
    SortOrder,
    Status,
)
from shared.timestamps import IsoDatetime

router = group_router("/api/v1/reminders", "Reminders")
TEXT = r"^[^\x00]*$"


@router.post("", summary="Create a reminder")
async def create(body: ReminderIn, user: CurrentUser) -> Envelope[ReminderOut]:
    return ok(service.create(user, body))


@router.get(
    "",
    summary="List reminders: filters, sorting and a cursor",
    # metadata must parse as a JSON object, cursor must come from this list and order, and
    # priority_min may not exceed priority_max.
    openapi_extra=beyond_schema("metadata", "cursor", "priority_min"),
)
async def list_reminders(
    user: CurrentUser,
    status: Annotated[list[Status] | None, Query(description="Repeat for several.")] = None,
    priority_min: Annotated[int | None, Query(ge=0, le=100)] = None,
    priority_max: Annotated[int | None, Query(ge=0, le=100)] = None,
    created_after: IsoDatetime | None = None,
    created_before: IsoDatetime | None = None,
    metadata: Annotated[
        str | None, Query(max_length=2000, description='A JSON object rows contain: {"k": "v"}')
    ] = None,
    search: Annotated[str | None, Query(max_length=200, pattern=TEXT)] = None,
    sort_by: SortBy = SortBy.CREATED_AT,
    sort_order: SortOrder = SortOrder.DESC,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000, pattern=TEXT)] = None,
) -> Envelope[ReminderPage]:
    query = ReminderQuery(
        status=status or [],
        priority_min=priority_min,
        priority_max=priority_max,
        created_after=created_after,
        created_before=created_before,
        metadata=service.metadata_filter(metadata),
        search=search,
        sort_by=sort_by,
        sort_order=sort_order,
        limit=limit,
        cursor=cursor,
    )
    return ok(service.list_reminders(user, query))


@router.post("/bulk/create", summary="Create many (moderators), in one transaction")
async def bulk_create(body: BulkCreate, user: ModeratorUser) -> Envelope[BulkResult]:
    return ok(service.bulk_create(user, body))


@router.post(
    "/bulk/update",
    summary="Update many (moderators), in one transaction",
    responses=errors(NotFound),
    openapi_extra=beyond_schema("items"),  # a row that is not there is a 400 naming items[i]
)
async def bulk_update(body: BulkUpdates, user: ModeratorUser) -> Envelope[BulkResult]:
    return ok(service.bulk_update(user, body))


@router.post(
    "/bulk/delete",
    summary="Delete many (moderators), in one transaction",
    responses=errors(NotFound),
    openapi_extra=beyond_schema("items"),  # a row that is not there is a 400 naming items[i]
)
async def bulk_delete(body: BulkDelete, user: ModeratorUser) -> Envelope[BulkResult]:
    return ok(service.bulk_delete(user, body))


@router.get(
    "/{item_id}",
    summary="Get a reminder",
    responses=errors(NotFound),
)
async def get(item_id: UUID, user: CurrentUser) -> Envelope[ReminderOut]:
    return ok(service.get(user, item_id))


@router.put(
    "/{item_id}",
    summary="Update a reminder",
    responses=errors(NotFound),
)
async def update(item_id: UUID, body: ReminderUpdate, user: CurrentUser) -> Envelope[ReminderOut]:
    return ok(service.update(user, item_id, body))


@router.delete(
    "/{item_id}",
    summary="Delete a reminder",
    responses=errors(NotFound),
)
async def delete(item_id: UUID, user: CurrentUser) -> Envelope[None]:
    service.delete(user, item_id)
    return ok(None, "Reminder deleted")
