"""/api/v1/sync: thin routes over shared.ledger.sync."""

# No `from __future__ import annotations`: FastAPI reads the annotations at runtime.

from shared.errors import Conflict, NotFound
from shared.http.envelope import Envelope, ok
from shared.http.routing import errors, group_router
from shared.identity.dependencies import CurrentUser
from shared.ledger import sync as service
from shared.ledger.schemas import PullIn, PullOut, PushIn, PushOut

router = group_router("/api/v1/sync", "Sync")


@router.post(
    "/push",
    summary="Apply a batch of changes in order; conflicts come back, never overwrite",
    # A change's 404 or 409 is its result's status; the statuses are listed because the code
    # that makes a change is the one the REST routes share.
    responses=errors(NotFound, Conflict),
)
async def push(body: PushIn, user: CurrentUser) -> Envelope[PushOut]:
    return ok(service.push(user.id, body))


@router.post("/pull", summary="The changes after a cursor, from all your devices")
async def pull(body: PullIn, user: CurrentUser) -> Envelope[PullOut]:
    return ok(service.pull(user.id, body))
