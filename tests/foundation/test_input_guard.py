"""Hostile input never reaches the database and never answers 500: NUL, lone surrogates and
invalid UTF-8 in the body, query, path and headers; JSON nested too deep; bodies too large.
Through the real Lambda handlers, with API Gateway v2 events."""

from __future__ import annotations

from typing import Any

import pytest

from functions.monitoring.handler import handler as monitoring_handler
from functions.tasks.handler import handler as tasks_handler
from shared import db
from tests.lambda_client import LambdaClient
from tests.users import create_user


@pytest.fixture
def monitoring(database_url: str) -> LambdaClient:
    return LambdaClient(monitoring_handler, token=create_user()[1])


@pytest.fixture
def tasks(database_url: str) -> LambdaClient:
    from shared.tasks import service

    service.sync_task_types(database_url)
    return LambdaClient(tasks_handler, token=create_user()[1])


def refused(response: Any, field: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_FAILED" and field in error["message"], error


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"event_type":"log","source":"s","message":"nul \\u0000 here"}', "body.message"),
        ('{"event_type":"log","source":"s","message":"lone \\ud800"}', "body.message"),
        ('{"event_type":"log","source":"s","tags":{"k\\u0000":"v"}}', "body.tags"),
        ('{"event_type":"log","source":"s","tags":{"k":"\\udfff"}}', "body.tags.k"),
    ],
)
def test_unsafe_strings_in_json_are_400(monitoring: LambdaClient, raw: str, field: str) -> None:
    response = monitoring.post(
        "/api/v1/monitoring/events", body=raw, headers={"content-type": "application/json"}
    )
    refused(response, field)
    row = db.connection().execute("SELECT count(*) AS n FROM events").fetchone()
    assert row is not None and row["n"] == 0  # nothing was stored


def test_invalid_utf8_body_is_400(monitoring: LambdaClient) -> None:
    body = b'{"event_type":"log","source":"s","message":"\xff\xfe"}'
    response = monitoring.post(
        "/api/v1/monitoring/events", body=body, headers={"content-type": "application/json"}
    )
    refused(response, "body")


def test_json_nested_deeper_than_32_levels_is_400(tasks: LambdaClient) -> None:
    deep: Any = "leaf"
    for _ in range(40):
        deep = {"d": deep}
    response = tasks.post(
        "/api/v1/tasks", json_body={"task_type": "data_processing", "payload": deep}
    )
    refused(response, "nests deeper than 32 levels")
    thousand = "[" * 1000 + "]" * 1000
    response = tasks.post(
        "/api/v1/tasks",
        body='{"task_type":"data_processing","payload":' + thousand + "}",
        headers={"content-type": "application/json"},
    )
    refused(response, "nests deeper")


def test_32_levels_are_accepted(tasks: LambdaClient) -> None:
    deep: Any = 1
    for _ in range(29):
        deep = [deep]
    response = tasks.post(
        "/api/v1/tasks",
        json_body={"task_type": "data_processing", "payload": {"operation": "count", "data": deep}},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=%00", "status"),
        ("task_type=%ED%A0%80", "task_type"),  # an encoded lone surrogate: invalid UTF-8
        ("task_type=%FF", "task_type"),
        ("na%00me=x", "query"),
    ],
)
def test_unsafe_query_strings_are_400(tasks: LambdaClient, query: str, field: str) -> None:
    refused(tasks.get("/api/v1/tasks", params=query), field)


def test_nul_in_the_path_is_400(tasks: LambdaClient) -> None:
    refused(tasks.get("/api/v1/tasks/abc\x00def"), "path")


def test_nul_in_a_read_header_is_400(database_url: str) -> None:
    client = LambdaClient(tasks_handler)
    response = client.get("/api/v1/tasks", headers={"x-request-id": "abc\x00"})
    refused(response, "x-request-id")


def test_bodies_over_one_mebibyte_are_413(tasks: LambdaClient) -> None:
    payload = {"task_type": "data_processing", "payload": {"blob": "x" * (1024 * 1024)}}
    response = tasks.post("/api/v1/tasks", json_body=payload)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
