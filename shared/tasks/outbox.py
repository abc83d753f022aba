"""The outbox's second half: hand committed tasks to SQS, then record that they were sent.

A task row is committed with `enqueued_at` NULL first. If the process dies or SQS refuses between
the commit and the mark, `enqueued_at` stays NULL and the sweeper sends the task (a duplicate
message at worst, which the worker's atomic claim absorbs).
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from shared import db
from shared.observability import logger
from shared.tasks import queue
from shared.tasks.states import WAITING, sql_in


def dispatch(messages: Sequence[queue.Outgoing]) -> list[queue.Outgoing]:
    """Send and mark; returns the messages SQS accepted. Never raises."""
    if not messages:
        return []
    sent = set(queue.send(messages))
    if sent:
        try:
            mark_enqueued(db.connection(), list(sent))
        except psycopg.Error:
            # The messages are out; the sweeper will send duplicates, which the claim absorbs.
            logger.warning("could not record sent tasks")
    return [m for m in messages if m.task_id in sent]


_MARK_ENQUEUED = f"""UPDATE tasks SET enqueued_at = now()
    WHERE id = ANY(%s) AND status IN {sql_in(WAITING)}"""  # noqa: S608

_FORGET_SENT = f"""UPDATE tasks SET enqueued_at = NULL
    WHERE status IN {sql_in(WAITING)} AND enqueued_at IS NOT NULL"""  # noqa: S608


def forget_sent(conninfo: str) -> int:
    """For queues that start empty (the local stack's in-memory SQS): every waiting task that
    was sent lost its message, so the sweeper sends it again. Returns how many."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return conn.execute(_FORGET_SENT).rowcount


def mark_enqueued(conn: db.Connection, ids: Sequence[object]) -> None:
    conn.execute(
        _MARK_ENQUEUED,
        (list(ids),),
    )
