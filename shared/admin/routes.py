"""/api/v1/admin: user statistics and deactivated accounts, detailed health with error text,
the audit trail, and a user's debts ledger (read with a reason, audit-logged); admins only."""

# No `from __future__ import annotations`: FastAPI would eval() every string annotation of
# every route at import; real annotations are evaluated once, by the interpreter.

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query, Response

from shared.admin import ledger
from shared.errors import NotFound
from shared.health import service as health
from shared.health.routes import DetailedHealth, detailed_envelope, unhealthy
from shared.http.envelope import Envelope, ok
from shared.http.pagination import pagination
from shared.http.routing import beyond_schema, errors, group_router
from shared.identity import audit, users
from shared.identity.dependencies import AdminUser
from shared.identity.models import DailyRegistrations, UserProfile, UserStats
from shared.paging import Page
from shared.timestamps import IsoDatetime

router = group_router("/api/v1/admin", "Admin")


@router.get("/users/stats", summary="User statistics")
async def user_stats(_: AdminUser) -> Envelope[UserStats]:
    return ok(users.stats())


@router.get("/users/deactivated", summary="Deactivated accounts, to reactivate (admin)")
async def deactivated_users(
    _: AdminUser, page: Annotated[Page, Depends(pagination(50, 100))]
) -> Envelope[list[UserProfile]]:
    return ok(users.list_deactivated(page))


@router.get("/users/registrations", summary="Accounts created per UTC day, zero-filled")
async def registrations(
    _: AdminUser,
    days: Annotated[int, Query(ge=1, le=366, description="Days back, today included")] = 30,
) -> Envelope[list[DailyRegistrations]]:
    return ok(users.registrations_by_day(days))


@router.get(
    "/health", summary="Detailed health, with error details", responses=unhealthy(DetailedHealth)
)
async def admin_health(_: AdminUser, response: Response) -> Envelope[DetailedHealth]:
    return detailed_envelope(health.detailed(expose_errors=True), response)


@router.get("/audit", summary="The audit trail of moderator/admin actions, newest first")
async def audit_trail(
    _: AdminUser,
    page: Annotated[Page, Depends(pagination(50, 1000))],
    actor_id: UUID | None = None,
    target_id: UUID | None = None,
    action: audit.Action | None = None,
    since: Annotated[IsoDatetime | None, Query(description="created_at >= since")] = None,
    until: Annotated[IsoDatetime | None, Query(description="created_at < until")] = None,
) -> Envelope[list[audit.AuditEntry]]:
    return ok(audit.entries(audit.AuditFilter(actor_id, target_id, action, since, until), page))


@router.get(
    "/users/{user_id}/ledger",
    summary="A user's contacts and balances (audit-logged, with the reason given)",
    responses=errors(NotFound),
    openapi_extra=beyond_schema("cursor"),  # must be one this list returned
)
async def user_ledger(
    user_id: UUID,
    admin: AdminUser,
    reason: Annotated[
        str,
        Query(
            min_length=3,
            max_length=1000,
            pattern=r"^[^\x00]*\S[^\x00]*$",
            description="Why you read it: kept in the audit trail.",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Envelope[ledger.LedgerView]:
    return ok(ledger.read(admin, user_id, reason, limit, cursor))
