"""Sync for offline-first clients: push a batch of changes, pull the log after a cursor.

A push is applied in order in one transaction. A change made to a version the server has moved
past is not applied: it comes back as a conflict carrying the server's entity, and the client
decides (no silent last-write-wins). Each change's result is kept under its idempotency key, so
replaying a batch changes nothing and returns the same results. Pull reads the user's log by
sequence number; the stream's row lock makes sequence order commit order, so a cursor never
skips an event that commits late (docs/ledger.md).
"""

from __future__ import annotations

import hashlib
from typing import Literal
from uuid import UUID

from pydantic_core import to_json

from shared import db
from shared.errors import AppError
from shared.ledger import store
from shared.ledger.engine import Batch, Request, VersionConflict
from shared.ledger.schemas import (
    Change,
    ChangeError,
    ChangeResult,
    Entity,
    EventOut,
    PullIn,
    PullOut,
    PushIn,
    PushOut,
)
from shared.ledger.state import as_json
from shared.monitoring.system_events import record_counts

KEY_REUSED = ChangeError(
    code="IDEMPOTENCY_KEY_REUSED", message="This idempotency key was used for another change"
)


def push(owner: UUID, body: PushIn) -> PushOut:
    with db.transaction() as conn:
        batch = Batch(conn, owner, body.device_id)
        batch.preload(
            {c.entity_id for c in body.changes if c.entity is Entity.CONTACT}
            | _ids(body.changes, "contact_id"),
            {c.entity_id for c in body.changes if c.entity is Entity.TRANSACTION}
            | _ids(body.changes, "settles_id"),
        )
        stored = store.stored_results(conn, owner, [c.idempotency_key for c in body.changes])
        results: list[ChangeResult] = []
        new: list[tuple[str, str, dict[str, object]]] = []
        for change in body.changes:
            digest = request_hash(change)
            if change.idempotency_key in stored:
                earlier_digest, earlier = stored[change.idempotency_key]
                results.append(
                    ChangeResult.model_validate(earlier)
                    if earlier_digest == digest
                    else _result(change, "rejected", error=KEY_REUSED)
                )
                continue
            result = _apply(batch, change)
            results.append(result)
            document = result.model_dump(mode="json")
            stored[change.idempotency_key] = (digest, document)
            new.append((change.idempotency_key, digest, document))
        batch.flush(new)
        conflicts = sum(r.status == "conflict" for r in results)
        if conflicts:
            record_counts({"ledger_sync_conflicts": conflicts})
        return PushOut(results=results, cursor=batch.sequence)


def _apply(batch: Batch, change: Change) -> ChangeResult:
    request = Request(change.entity, change.entity_id, change.op, change.data, change.base_version)
    try:
        after, sequence = batch.apply(request)
    except VersionConflict as conflict:
        state = None if conflict.current is None else as_json(conflict.current)
        error = ChangeError(code=conflict.code, message=conflict.message)
        return _result(change, "conflict", server_state=state, error=error)
    except AppError as refused:
        return _result(
            change, "rejected", error=ChangeError(code=refused.code, message=refused.message)
        )
    version = after.version if after is not None else change.base_version + 1
    return _result(change, "applied", version=version, sequence=sequence)


def _result(
    change: Change,
    status: Literal["applied", "conflict", "rejected"],
    *,
    version: int | None = None,
    sequence: int | None = None,
    server_state: dict[str, object] | None = None,
    error: ChangeError | None = None,
) -> ChangeResult:
    return ChangeResult(
        idempotency_key=change.idempotency_key,
        entity=change.entity,
        entity_id=change.entity_id,
        status=status,
        version=version,
        sequence=sequence,
        server_state=server_state,
        error=error,
    )


def _ids(changes: list[Change], field: str) -> set[UUID]:
    """The ids the changes' data name in `field`, for preloading (a malformed one is left to
    the change's own validation)."""
    ids = set()
    for value in {c.data.get(field) for c in changes} - {None}:
        try:
            ids.add(UUID(str(value)))
        except ValueError:
            continue
    return ids


def pull(owner: UUID, body: PullIn) -> PullOut:
    rows = store.events(db.connection(), owner, body.cursor, body.limit + 1)
    page = [EventOut.model_validate(r) for r in rows[: body.limit]]
    cursor = page[-1].sequence if page else body.cursor
    return PullOut(changes=page, cursor=cursor, has_more=len(rows) > body.limit)


def request_hash(change: Change) -> str:
    """What a change asks for, to tell a replay from a key reused for something else. The
    data's keys are sorted: a client that re-encodes the same change sends the same request."""
    canonical = (
        change.entity.value,
        str(change.entity_id),
        change.op.value,
        change.base_version,
        sorted(change.data.items()),
    )
    return hashlib.sha256(to_json(canonical, inf_nan_mode="constants")).hexdigest()
