"""The task handler registry: the source of truth for task types.

    class DelayPayload(BaseModel): ...

    @task_handler("delay_task", "Sleeps, then reports", DelayPayload)
    def delay_task(payload: DelayPayload, ctx: TaskContext) -> Any: ...

A handler returns its result (any JSON value) or a `TaskOutput(result, metadata)` whose metadata is
merged into the task's. It raises `PermanentTaskError` for failures a retry cannot fix and
`TransientTaskError` for ones it can; any other exception counts as transient. A payload that does
not fit the model is a permanent error naming the field.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ValidationError

HANDLERS_PACKAGE = "shared.tasks.handlers"


class PermanentTaskError(Exception):
    """The task cannot succeed: fail it now, without retrying."""


class TransientTaskError(Exception):
    """The task may succeed later. `retry_after` (seconds, e.g. a Retry-After header) is waited
    instead of the strategy's delay when it is longer (capped at 24 h)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class TaskContext:
    task_id: UUID
    attempt: int  # 1-based
    max_attempts: int
    deadline: float  # time.monotonic() value after which the worker stops waiting
    created_by: UUID | None = None  # the submitting user (admin-only handlers check the role)

    def remaining_seconds(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


@dataclass(frozen=True, slots=True)
class TaskOutput:
    result: Any = None
    metadata: dict[str, Any] = field(default_factory=dict)


HandlerFn = Callable[[Any, TaskContext], Any]
AdmitFn = Callable[[Any], None]


@dataclass(frozen=True, slots=True)
class TaskHandler:
    name: str
    description: str
    payload_model: type[BaseModel]
    fn: HandlerFn
    # Checks run when the task is submitted, so a payload that can never succeed is refused
    # at once (400) instead of failing later in the worker. Raises PermanentTaskError.
    admit_fn: AdmitFn | None = None
    # A payload that passes the model, offered to people composing a task (the dashboard's form).
    example: Any = None

    def _model(self, payload: Any) -> BaseModel:
        try:
            return self.payload_model.model_validate(payload)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "payload"
            raise PermanentTaskError(f"Invalid payload: {where}: {first['msg']}") from None

    def admit(self, payload: Any) -> None:
        if self.admit_fn is not None:
            self.admit_fn(self._model(payload))

    def run(self, payload: Any, ctx: TaskContext) -> TaskOutput:
        out = self.fn(self._model(payload), ctx)
        return out if isinstance(out, TaskOutput) else TaskOutput(result=out)


MAX_NAME_BYTES = 128


def valid_name(name: str) -> bool:
    """Task type names: 1-128 bytes of alphanumerics, underscores and hyphens."""
    return 0 < len(name.encode()) <= MAX_NAME_BYTES and all(c.isalnum() or c in "_-" for c in name)


_handlers: dict[str, TaskHandler] = {}
_builtins_loaded = False


def task_handler(
    name: str,
    description: str,
    payload_model: type[BaseModel],
    *,
    admit: AdmitFn | None = None,
    example: Any = None,
) -> Callable[[HandlerFn], HandlerFn]:
    if not valid_name(name):
        raise ValueError(f"invalid task type name {name!r}")

    def register(fn: HandlerFn) -> HandlerFn:
        existing = _handlers.get(name)
        if existing is not None and existing.fn is not fn:
            raise ValueError(f"task type {name!r} is already registered")
        _handlers[name] = TaskHandler(name, description, payload_model, fn, admit, example)
        return fn

    return register


def unregister(name: str) -> None:
    """For tests that register throwaway handlers."""
    _handlers.pop(name, None)


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        importlib.import_module(HANDLERS_PACKAGE)
        _builtins_loaded = True


def get(name: str) -> TaskHandler | None:
    _load_builtins()
    return _handlers.get(name)


def handlers() -> list[TaskHandler]:
    _load_builtins()
    return sorted(_handlers.values(), key=lambda h: h.name)
