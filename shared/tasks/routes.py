"""/api/v1/tasks: thin routes over shared.tasks.service."""

# No `from __future__ import annotations`: FastAPI would eval() every string annotation of
# every route at import; real annotations are evaluated once, by the interpreter.

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from shared.errors import Forbidden, NotFound
from shared.http.envelope import Envelope, ok
from shared.http.pagination import pagination
from shared.http.routing import beyond_schema, errors, group_router
from shared.identity.dependencies import AdminUser, CurrentUser
from shared.paging import Page
from shared.tasks import service
from shared.tasks.schemas import (
    CreateTask,
    Priority,
    TaskDay,
    TaskDetail,
    TaskOut,
    TaskStats,
    TaskTypeIn,
    TaskTypeOut,
)
from shared.tasks.states import TaskStatus

router = group_router("/api/v1/tasks", "Tasks")
TaskPage = Annotated[Page, Depends(pagination(default_limit=100, max_limit=1000))]


@router.get("/types", summary="Active task types (public)")
async def list_types() -> Envelope[list[TaskTypeOut]]:
    return ok(service.list_types())


@router.post("/types", summary="Describe, activate or deactivate a registered task type (admin)")
async def upsert_type(body: TaskTypeIn, _: AdminUser) -> Envelope[TaskTypeOut]:
    return ok(service.upsert_type(body.task_type, body.description, body.is_active))


@router.post(
    "",
    summary="Create a task",
    openapi_extra=beyond_schema("task_type", "payload", "request", "retry_strategy"),
)
async def create_task(body: CreateTask, user: CurrentUser) -> Envelope[TaskOut]:
    task = service.submit(
        body.task_type,
        body.payload,
        priority=body.priority,
        scheduled_at=body.scheduled_at,
        metadata={"api_created": True, **(body.metadata or {})},
        retry_strategy=body.retry_strategy,
        timeout_seconds=body.timeout_seconds,
        created_by=user.id,
    )
    return ok(task)


@router.get("", summary="List tasks: own tasks, or every task for moderators and admins")
async def list_tasks(
    user: CurrentUser,
    page: TaskPage,
    task_type: str | None = None,
    status: TaskStatus | None = None,
    priority: Priority | None = None,
    created_by: Annotated[UUID | None, Query(description="Moderators and admins only")] = None,
) -> Envelope[list[TaskOut]]:
    f = service.TaskFilter(task_type, status, priority, created_by)
    return ok(service.list_tasks(user, f, page.limit, page.offset))


@router.get("/stats", summary="Task statistics (moderators and admins)")
async def stats(user: CurrentUser) -> Envelope[TaskStats]:
    if not user.is_moderator:
        raise Forbidden("Moderator access required")
    return ok(service.stats())


@router.get("/stats/daily", summary="Tasks created, completed and failed per UTC day")
async def daily_stats(
    user: CurrentUser,
    days: Annotated[int, Query(ge=1, le=366, description="Days back, today included")] = 14,
) -> Envelope[list[TaskDay]]:
    if not user.is_moderator:
        raise Forbidden("Moderator access required")
    return ok(service.daily(days))


@router.get("/dead-letter", summary="Failed tasks: own, or all for moderators and admins")
async def dead_letter(user: CurrentUser, page: TaskPage) -> Envelope[list[TaskOut]]:
    return ok(service.dead_letter(user, page.limit, page.offset))


@router.get(
    "/{task_id}", summary="A task with its payload, result and attempts", responses=errors(NotFound)
)
async def get_task(task_id: UUID, user: CurrentUser) -> Envelope[TaskDetail]:
    return ok(service.get_task(user, task_id))


@router.post(
    "/{task_id}/cancel", summary="Cancel a pending or retrying task", responses=errors(NotFound)
)
async def cancel_task(task_id: UUID, user: CurrentUser) -> Envelope[str]:
    service.cancel(user, task_id)
    return ok("Task cancelled successfully", f"Task {task_id} has been cancelled")


@router.post(
    "/{task_id}/retry", summary="Reset a failed task and enqueue it", responses=errors(NotFound)
)
async def retry_task(task_id: UUID, user: CurrentUser) -> Envelope[str]:
    service.retry_task(user, task_id)
    return ok("Task retried successfully", f"Task {task_id} has been reset to pending status")


@router.delete(
    "/{task_id}", summary="Delete a completed, failed or cancelled task", responses=errors(NotFound)
)
async def delete_task(task_id: UUID, user: CurrentUser) -> Envelope[str]:
    service.delete(user, task_id)
    return ok("Task deleted successfully", f"Task {task_id} has been permanently deleted")
