"""Test-only task handlers. Their side effects go to their own table, `test_task_runs`, so tests
can count executions independently of the engine's bookkeeping."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from shared import db
from shared.tasks.registry import (
    PermanentTaskError,
    TaskContext,
    TaskOutput,
    TransientTaskError,
    task_handler,
)

RUNS_TABLE = """CREATE TABLE IF NOT EXISTS test_task_runs (
    task_id UUID NOT NULL, attempt INTEGER NOT NULL, ran_at TIMESTAMPTZ NOT NULL DEFAULT now())"""


class Behaviour(BaseModel):
    transient_failures: int = 0  # fail this many first attempts
    permanent: bool = False
    sleep_seconds: float = 0.0
    retry_after: float | None = None
    call_hook: bool = False  # run `hook` (set by a test) after recording the run


hook: Callable[[], None] | None = None


def _record(ctx: TaskContext) -> None:
    db.connection().execute(
        "INSERT INTO test_task_runs (task_id, attempt) VALUES (%s, %s)", (ctx.task_id, ctx.attempt)
    )


@task_handler("test_task", "Records each run; fails as told", Behaviour)
def test_task(payload: Behaviour, ctx: TaskContext) -> Any:
    _record(ctx)
    if payload.call_hook and hook is not None:
        hook()
    if payload.sleep_seconds:
        time.sleep(payload.sleep_seconds)
    if payload.permanent:
        raise PermanentTaskError("told to fail permanently")
    if ctx.attempt <= payload.transient_failures:
        raise TransientTaskError(f"transient failure {ctx.attempt}", payload.retry_after)
    return TaskOutput(result={"attempt": ctx.attempt}, metadata={"handled_by": "test_task"})


class Empty(BaseModel):
    pass


@task_handler("noop_task", "Does nothing (benchmarks)", Empty)
def noop_task(payload: Empty, ctx: TaskContext) -> None:
    return None


def runs(task_id: object | None = None) -> int:
    if task_id is None:
        row = db.connection().execute("SELECT count(*) AS n FROM test_task_runs").fetchone()
    else:
        row = (
            db.connection()
            .execute("SELECT count(*) AS n FROM test_task_runs WHERE task_id = %s", (task_id,))
            .fetchone()
        )
    assert row is not None
    return int(row["n"])
