"""`data_processing`: count, sum or process (mark processed) a list, plus avg/min/max over
its numeric items."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from shared.tasks.registry import PermanentTaskError, TaskContext, task_handler
from shared.timestamps import format_timestamp

NUMERIC_OPERATIONS = ("sum", "avg", "min", "max")


class DataProcessingPayload(BaseModel):
    data: Any = None
    operation: str = "process"


def _numbers(items: list[Any]) -> list[float]:
    """The numeric items (JSON true/false are not numbers)."""
    return [float(x) for x in items if isinstance(x, int | float) and not isinstance(x, bool)]


def _array(data: Any, operation: str) -> list[Any]:
    if not isinstance(data, list):
        raise PermanentTaskError(f"Data is not an array for {operation} operation")
    return data


@task_handler(
    "data_processing",
    "Counts, sums or summarises an array of data",
    DataProcessingPayload,
    example={"data": [3, 1, 4, 1, 5], "operation": "sum"},
)
def data_processing(payload: DataProcessingPayload, _ctx: TaskContext) -> dict[str, Any]:
    if "data" not in payload.model_fields_set:
        raise PermanentTaskError("Missing 'data' field in payload")
    op, data = payload.operation, payload.data
    if op == "process":
        return {"processed": True, "timestamp": format_timestamp(datetime.now(UTC))}
    if op == "count":
        return {"count": len(_array(data, op))}
    if op not in NUMERIC_OPERATIONS:
        raise PermanentTaskError(f"Unknown operation: {op}")
    numbers = _numbers(_array(data, op))
    if op == "sum":
        return {"sum": sum(numbers)}
    if not numbers:
        raise PermanentTaskError(f"No numeric values for {op} operation")
    if op == "avg":
        return {"avg": sum(numbers) / len(numbers), "count": len(numbers)}
    return {op: min(numbers) if op == "min" else max(numbers)}
