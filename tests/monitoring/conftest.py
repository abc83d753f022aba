"""The monitoring function's real Lambda handler, users of each role, and a quiet instrumentation.

Request metrics are flushed only when a test asks for it, so counts in other tests stay exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from functions.monitoring.handler import handler
from shared.identity.principal import AuthUser, Role
from shared.monitoring import instrumentation
from tests.conftest import Configure
from tests.lambda_client import LambdaClient
from tests.users import create_user

API = "/api/v1/monitoring"


@pytest.fixture(autouse=True)
def quiet_instrumentation(configure: Configure) -> Iterator[None]:
    configure(METRICS_FLUSH_MAX_REQUESTS="1000000", METRICS_FLUSH_INTERVAL_SECONDS="1000000")
    instrumentation.reset()
    yield
    instrumentation.reset()


@dataclass
class Caller:
    user: AuthUser
    api: LambdaClient


def caller(role: Role = Role.USER, username: str | None = None) -> Caller:
    user, token = create_user(role, username=username)
    return Caller(user, LambdaClient(handler, token=token))


@pytest.fixture
def anonymous(database_url: str) -> LambdaClient:
    return LambdaClient(handler)


@pytest.fixture
def alice(database_url: str) -> Caller:
    return caller(Role.USER, "alice")


@pytest.fixture
def bob(database_url: str) -> Caller:
    return caller(Role.USER, "bob")


@pytest.fixture
def moderator(database_url: str) -> Caller:
    return caller(Role.MODERATOR)


@pytest.fixture
def admin(database_url: str) -> Caller:
    return caller(Role.ADMIN)
