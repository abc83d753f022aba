"""Request and response models of /api/v1/tasks."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StrictBool, field_validator

from shared.field_rules import JsonInt, rule
from shared.tasks.states import TaskStatus
from shared.timestamps import IsoDatetime, Timestamp

Priority = Literal["low", "normal", "high", "critical"]


def _registered_types(schema: dict[str, Any]) -> None:
    """The task types the registry knows, listed when the schema is built (not at import)."""
    from shared.tasks import registry

    schema["enum"] = [handler.name for handler in registry.handlers()]


class CreateTask(BaseModel):
    task_type: str = Field(
        json_schema_extra=_registered_types, description="A registered, active task type"
    )
    payload: Any = Field(description="Any JSON value; at most 1 MB serialised.")
    priority: Priority | None = Field(default=None, description="Default: normal.")
    scheduled_at: IsoDatetime | None = None
    metadata: dict[str, Any] | None = None
    retry_strategy: Any = Field(
        default=None,
        description=(
            'e.g. {"type": "exponential", "base_delay_seconds": 1, "multiplier": 2, '
            '"max_delay_seconds": 300, "max_attempts": 5, "jitter": true}; also "linear" '
            '(increment_seconds), "fixed" (interval_seconds) and "none". At most 20 attempts '
            "and 24 h per delay. Default: the exponential example."
        ),
    )
    timeout_seconds: JsonInt | None = rule(None, minimum=1, maximum=900, description="Default 300")


class TaskOut(BaseModel):
    id: UUID
    task_type: str
    status: TaskStatus
    priority: Priority
    max_attempts: int
    current_attempt: int
    last_error: str | None
    created_at: Timestamp
    updated_at: Timestamp
    scheduled_at: Timestamp | None
    started_at: Timestamp | None
    completed_at: Timestamp | None
    created_by: UUID | None
    metadata: dict[str, Any]
    result: Any
    retry_strategy: dict[str, Any]
    timeout_seconds: int

    @field_validator("metadata", mode="before")
    @classmethod
    def _object_only(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}  # a non-object payload reads as empty


class AttemptOut(BaseModel):
    attempt: int
    started_at: Timestamp
    finished_at: Timestamp
    outcome: Literal[
        "success",
        "permanent_error",
        "transient_error",
        "timeout",
        "lease_expired",
        "delivery_failed",
    ]
    error: str | None
    duration_ms: int | None


class TaskDetail(TaskOut):
    payload: Any
    attempts: list[AttemptOut]


class TaskTypeIn(BaseModel):
    task_type: str = Field(json_schema_extra=_registered_types)
    description: str | None = Field(default=None, max_length=1000, pattern=r"^[^\x00]*$")
    is_active: StrictBool | None = None


class TaskTypeOut(BaseModel):
    task_type: str
    description: str | None
    is_active: bool
    created_at: Timestamp
    updated_at: Timestamp
    example_payload: Any = Field(
        default=None, description="A payload this type accepts, to start from when composing one"
    )


class TaskDay(BaseModel):
    day: date = Field(description="A UTC day")
    created: int
    completed: int
    failed: int


class StatusCounts(BaseModel):
    total: int
    pending: int
    running: int
    completed: int
    failed: int
    cancelled: int
    retrying: int


class TaskStats(StatusCounts):
    by_type: dict[str, StatusCounts]
    by_priority: dict[str, StatusCounts]
    success_rate: float | None = Field(description="completed / (completed + failed)")
    avg_duration_ms: float | None = Field(description="Completed tasks: completed - started.")
    p95_duration_ms: float | None
    queue_lag_seconds: float = Field(description="Age of the oldest due, unstarted task.")
