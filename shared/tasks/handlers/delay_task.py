"""`delay_task`: sleeps, optionally before a deadline. For tests and benchmarks."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel

from shared.tasks.registry import PermanentTaskError, TaskContext, task_handler
from shared.tasks.states import TaskStatus
from shared.timestamps import format_timestamp


class DelayPayload(BaseModel):
    delay_seconds: int = 1
    task_id: str = "unknown"
    test_scenario: str = "general"
    deadline: AwareDatetime | None = None


@task_handler(
    "delay_task",
    "Sleeps for delay_seconds, optionally before a deadline",
    DelayPayload,
    example={"delay_seconds": 1},
)
def delay_task(payload: DelayPayload, ctx: TaskContext) -> dict[str, Any]:
    tid, delay, deadline = payload.task_id, payload.delay_seconds, payload.deadline
    if deadline is not None:
        now = datetime.now(UTC)
        if now >= deadline:
            raise PermanentTaskError(f"Task {tid} missed deadline: {format_timestamp(deadline)}")
        remaining = int((deadline - now).total_seconds())
        if remaining < delay:
            raise PermanentTaskError(
                f"Task {tid} insufficient time: {remaining}s remaining, {delay}s needed"
            )
    if delay > 0:
        time.sleep(delay)
    if deadline is not None and datetime.now(UTC) > deadline:
        raise PermanentTaskError(
            f"Task {tid} completed past deadline: {format_timestamp(deadline)}"
        )
    return {
        "task_id": tid,
        "delay_seconds": delay,
        "test_scenario": payload.test_scenario,
        "attempt": ctx.attempt,
        "completed_at": format_timestamp(datetime.now(UTC)),
        "status": TaskStatus.COMPLETED,
    }
