"""The task lifecycle, declared once: the statuses and every legal transition between them.

Every statement that changes a task's status takes its status literals from here (`sql_in`,
`sql_literal`), so the SQL and this table cannot disagree; docs/tasks.md draws the same table.

    pending ──claim──▶ running ──succeed──▶ completed
       │  ▲              │ ▲ └──fail──────▶ failed ──manual_retry──▶ pending
       │  │              │ └─reclaim (expired lease, attempts left)
    cancel│            retry
       │  └──────────── retrying ◀── defer (circuit breaker open; no attempt used)
       ▼
    cancelled          any unfinished status ──dead_letter──▶ failed
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from shared.errors import Conflict


class TaskStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    RETRYING = "retrying"


class TaskEvent(StrEnum):
    CLAIM = "claim"  # a worker takes a due task
    RECLAIM = "reclaim"  # a worker takes a task whose previous worker's lease expired
    DEFER = "defer"  # the type's circuit breaker is open: later, without using an attempt
    SUCCEED = "succeed"
    RETRY = "retry"  # transient failure, timeout or expired lease, with attempts left
    FAIL = "fail"  # permanent failure, or no attempts left
    CANCEL = "cancel"
    DEAD_LETTER = "dead_letter"  # SQS gave up delivering it (crash loop)
    MANUAL_RETRY = "manual_retry"  # an operator or owner starts a failed task over


P, R, C, F, X, T = (
    TaskStatus.PENDING,
    TaskStatus.RUNNING,
    TaskStatus.COMPLETED,
    TaskStatus.FAILED,
    TaskStatus.CANCELLED,
    TaskStatus.RETRYING,
)

TRANSITIONS: dict[tuple[TaskStatus, TaskEvent], TaskStatus] = {
    (P, TaskEvent.CLAIM): R,
    (T, TaskEvent.CLAIM): R,
    (R, TaskEvent.RECLAIM): R,
    (P, TaskEvent.DEFER): T,
    (T, TaskEvent.DEFER): T,
    (R, TaskEvent.SUCCEED): C,
    (R, TaskEvent.RETRY): T,
    (R, TaskEvent.FAIL): F,
    (P, TaskEvent.CANCEL): X,
    (T, TaskEvent.CANCEL): X,
    (P, TaskEvent.DEAD_LETTER): F,
    (R, TaskEvent.DEAD_LETTER): F,
    (T, TaskEvent.DEAD_LETTER): F,
    (F, TaskEvent.MANUAL_RETRY): P,
}

FINISHED: frozenset[TaskStatus] = frozenset({C, F, X})
"""No transition leaves these but a manual retry; only these may be deleted or expire."""

WAITING: frozenset[TaskStatus] = frozenset({P, T})
"""Due or scheduled, waiting for a worker: what the queues and the outbox carry."""


def sources(event: TaskEvent) -> frozenset[TaskStatus]:
    """The statuses `event` is legal from."""
    return frozenset(source for source, e in TRANSITIONS if e is event)


def target(event: TaskEvent) -> TaskStatus:
    """The status `event` leads to (one per event)."""
    (result,) = {to for (_, e), to in TRANSITIONS.items() if e is event}
    return result


def apply(status: TaskStatus, event: TaskEvent, *, action: str = "changed") -> TaskStatus:
    """The status after `event`, or a 409 that names the status and what would be legal."""
    try:
        return TRANSITIONS[status, event]
    except KeyError:
        raise refusal(status, sources(event), action) from None


def refusal(status: str, allowed: Iterable[TaskStatus], action: str) -> Conflict:
    """The 409 for an operation not allowed from `status`: says which statuses allow it."""
    names = [s.value for s in TaskStatus if s in set(allowed)]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return Conflict(
        f"Task cannot be {action}: its status is '{status}' (only {listed} tasks can be {action})"
    )


def sql_literal(status: TaskStatus) -> str:
    """A status as an SQL literal (statuses are fixed identifiers: nothing to escape)."""
    return f"'{status.value}'"


def sql_in(statuses: Iterable[TaskStatus]) -> str:
    """`('a', 'b')` for `status IN ...`, in declaration order so statements stay stable."""
    chosen = set(statuses)
    return "(" + ", ".join(sql_literal(s) for s in TaskStatus if s in chosen) + ")"
