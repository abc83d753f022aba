"""/api/v1/transactions and /api/v1/balances: thin routes over shared.ledger.transactions.
Every route is the caller's own: another user's transaction answers 404."""

# No `from __future__ import annotations`: FastAPI reads the annotations at runtime.

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Query

from shared.errors import Conflict, NotFound
from shared.http.envelope import Envelope, ok
from shared.http.routing import beyond_schema, errors, group_router
from shared.identity.dependencies import CurrentUser
from shared.ledger import transactions as service
from shared.ledger.schemas import (
    CURRENCY,
    Balance,
    SettlementIn,
    TransactionIn,
    TransactionOut,
    TransactionPage,
    TransactionUpdate,
    utc,
)
from shared.timestamps import IsoDatetime

# One function serves both prefixes: balances are a read of the transactions.
router = group_router("/api/v1", "Transactions")


@router.post("/transactions", summary="Record a transaction", responses=errors(NotFound, Conflict))
async def create(body: TransactionIn, user: CurrentUser) -> Envelope[TransactionOut]:
    return ok(service.create(user.id, body))


@router.get(
    "/transactions",
    summary="List transactions, newest first, with a cursor",
    openapi_extra=beyond_schema("cursor"),  # must be one this list returned
)
async def list_transactions(
    user: CurrentUser,
    contact_id: UUID | None = None,
    currency: Annotated[str | None, Query(pattern=CURRENCY)] = None,
    status: Annotated[
        Literal["open", "settled"] | None,
        Query(description="open: still owed; settled: fully settled, and settlements."),
    ] = None,
    due_after: IsoDatetime | None = None,
    due_before: IsoDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Envelope[TransactionPage]:
    f = service.TransactionFilter(
        contact_id=contact_id,
        currency=currency,
        settled=None if status is None else status == "settled",
        due_after=utc(due_after),
        due_before=utc(due_before),
    )
    return ok(service.search(user.id, f, limit, cursor))


@router.get(
    "/transactions/{transaction_id}", summary="Get a transaction", responses=errors(NotFound)
)
async def get(transaction_id: UUID, user: CurrentUser) -> Envelope[TransactionOut]:
    return ok(service.get(user.id, transaction_id))


@router.patch(
    "/transactions/{transaction_id}",
    summary="Change a transaction (send `version` to refuse a stale write)",
    responses=errors(NotFound, Conflict),
    # amount: not below what is settled; these three may be left out, not null
    openapi_extra=beyond_schema("amount", "description", "occurred_at"),
)
async def update(
    transaction_id: UUID, body: TransactionUpdate, user: CurrentUser
) -> Envelope[TransactionOut]:
    return ok(service.update(user.id, transaction_id, body))


@router.delete(
    "/transactions/{transaction_id}",
    summary="Delete a transaction (its settlements first)",
    responses=errors(NotFound, Conflict),
)
async def delete(transaction_id: UUID, user: CurrentUser) -> Envelope[None]:
    service.delete(user.id, transaction_id)
    return ok(None, "Transaction deleted")


@router.post(
    "/transactions/{transaction_id}/settlements",
    summary="Settle a transaction, partly or fully",
    responses=errors(NotFound, Conflict),
    openapi_extra=beyond_schema("amount"),  # at most what is still open
)
async def settle(
    transaction_id: UUID, body: SettlementIn, user: CurrentUser
) -> Envelope[TransactionOut]:
    return ok(service.settle(user.id, transaction_id, body))


@router.get(
    "/balances",
    summary="Your net per contact and currency (currencies never mixed)",
    tags=["Balances"],
)
async def balances(user: CurrentUser) -> Envelope[list[Balance]]:
    return ok(service.balances(user.id))
