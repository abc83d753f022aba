"""data_processing: the count/sum/process operations and their error texts, plus avg/min/max."""

from __future__ import annotations

from typing import Any

import pytest

from shared.tasks.registry import PermanentTaskError
from tests.handlers.conftest import Run


@pytest.mark.parametrize(
    ("operation", "data", "expected"),
    [
        ("count", [1, "a", None], {"count": 3}),
        ("sum", [1, 2.5, "x", True, 3], {"sum": 6.5}),
        ("sum", [], {"sum": 0}),
        ("avg", [1, 2, 3, "x"], {"avg": 2.0, "count": 3}),
        ("min", [4, -1.5, 9], {"min": -1.5}),
        ("max", [4, -1.5, 9], {"max": 9.0}),
    ],
)
def test_operations(run: Run, operation: str, data: Any, expected: dict[str, Any]) -> None:
    assert run("data_processing", {"data": data, "operation": operation}).result == expected


def test_process_is_the_default_operation(run: Run) -> None:
    result = run("data_processing", {"data": {"anything": 1}}).result
    assert result["processed"] is True
    assert result["timestamp"].endswith("Z")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"data": {"a": 1}, "operation": "count"}, "Data is not an array for count operation"),
        ({"data": "text", "operation": "sum"}, "Data is not an array for sum operation"),
        ({"data": 5, "operation": "avg"}, "Data is not an array for avg operation"),
        ({"data": [1], "operation": "median"}, "Unknown operation: median"),
        ({"data": ["a"], "operation": "max"}, "No numeric values for max operation"),
        ({"operation": "count"}, "Missing 'data' field in payload"),
    ],
)
def test_bad_input_fails_permanently_with_a_clear_text(
    run: Run, payload: dict[str, Any], message: str
) -> None:
    with pytest.raises(PermanentTaskError, match=f"^{message}$"):
        run("data_processing", payload)


def test_a_non_object_payload_is_a_permanent_validation_error(run: Run) -> None:
    with pytest.raises(PermanentTaskError, match="Invalid payload"):
        run("data_processing", [1, 2])
    with pytest.raises(PermanentTaskError, match="operation"):
        run("data_processing", {"data": [], "operation": 5})
