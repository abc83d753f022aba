"""Fixtures for the task engine: a migrated database with the registry synced, moto SQS queues
built from template.yaml, the real Lambda handlers, and users of each role."""

from __future__ import annotations

from typing import Any

import pytest

from shared import db
from shared.identity.principal import AuthUser, Role
from shared.tasks import service
from tests.conftest import Configure
from tests.lambda_client import LambdaClient
from tests.tasks import handlers as test_handlers
from tests.tasks.sqs import Queues
from tests.users import create_user

# Real time is short in tests: no grace before the sweeper resends, small lease margin.
TEST_SETTINGS = {
    "TASK_ENQUEUE_GRACE_SECONDS": "0",
    "TASK_LEASE_MARGIN_SECONDS": "1",
}


@pytest.fixture
def tasks_db(database_url: str, queues: Queues, configure: Configure) -> str:
    configure(**TEST_SETTINGS)
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
