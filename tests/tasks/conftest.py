"""Fixtures for the task engine: a migrated database with the registry synced, moto SQS queues
built from template.yaml, the real Lambda handlers, and users of each role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from shared import db
from shared.identity.principal import AuthUser, Role
from shared.settings import get_settings
from shared.tasks import queue, service
from tests.lambda_client import LambdaClient
from tests.tasks import handlers as test_handlers
from tests.tasks.sqs import Queues, template_queues
from tests.users import create_user

# Real time is short in tests: no grace before the sweeper resends, small lease margin.
TEST_SETTINGS = {
    "TASK_ENQUEUE_GRACE_SECONDS": "0",
    "TASK_LEASE_MARGIN_SECONDS": "1",
}


@pytest.fixture
def queues(monkeypatch: pytest.MonkeyPatch) -> Iterator[Queues]:
    with mock_aws():
        import boto3

        client = boto3.client("sqs", region_name="us-east-1")
        props = template_queues()
        urls: dict[str, str] = {}
        dlq = client.create_queue(QueueName="TaskDeadLetterQueue")["QueueUrl"]
        urls["TaskDeadLetterQueue"] = dlq
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        for name in ("TaskQueue", "PriorityTaskQueue"):
            redrive = props[name]["RedrivePolicy"]
            urls[name] = client.create_queue(
                QueueName=name,
                Attributes={
                    "VisibilityTimeout": str(props[name]["VisibilityTimeout"]),
                    "RedrivePolicy": json.dumps(
                        {
                            "deadLetterTargetArn": dlq_arn,
                            "maxReceiveCount": redrive["maxReceiveCount"],
                        }
                    ),
                },
            )["QueueUrl"]
        monkeypatch.setenv("TASK_QUEUE_URL", urls["TaskQueue"])
        monkeypatch.setenv("PRIORITY_TASK_QUEUE_URL", urls["PriorityTaskQueue"])
        get_settings.cache_clear()
        queue.reset()
        yield Queues(client, urls)
        queue.reset()


@pytest.fixture
def tasks_db(database_url: str, queues: Queues, monkeypatch: pytest.MonkeyPatch) -> str:
    for key, value in TEST_SETTINGS.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    service.sync_task_types(database_url)
    db.connection().execute(test_handlers.RUNS_TABLE)
    return database_url


@pytest.fixture
def worker() -> Any:
    from functions.worker.handler import handler

    return handler


@pytest.fixture
def sweeper() -> Any:
    from functions.sweeper.handler import handler

    return handler


@pytest.fixture
def reconciler() -> Any:
    from functions.dlq_reconciler.handler import handler

    return handler


@pytest.fixture
def api(tasks_db: str) -> LambdaClient:
    from functions.tasks.handler import handler

    return LambdaClient(handler)


@pytest.fixture
def user(tasks_db: str) -> tuple[AuthUser, str]:
    return create_user(Role.USER)


@pytest.fixture
def other_user(tasks_db: str) -> tuple[AuthUser, str]:
    return create_user(Role.USER)


@pytest.fixture
def moderator(tasks_db: str) -> tuple[AuthUser, str]:
    return create_user(Role.MODERATOR)


@pytest.fixture
def admin(tasks_db: str) -> tuple[AuthUser, str]:
    return create_user(Role.ADMIN)
