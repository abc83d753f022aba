"""Fixtures for the built-in handlers: one moto server per session (real HTTP, so presigned URLs
can be fetched), a fresh reports bucket and SES identity per test, and a task context."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from shared import aws
from shared.tasks import registry
from shared.tasks.registry import TaskContext, TaskOutput
from tests.conftest import Configure

SENDER = "reports@example.com"


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    aws.reset()
    yield moto_endpoint
    aws.reset()


@pytest.fixture
def bucket(aws_env: str, configure: Configure) -> Iterator[str]:
    name = f"reports-{uuid.uuid4().hex[:12]}"
    aws.s3().create_bucket(Bucket=name)
    configure(REPORTS_BUCKET=name)
    yield name


@pytest.fixture
def ses(aws_env: str, configure: Configure) -> Iterator[Any]:
    aws.sesv2().create_email_identity(EmailIdentity=SENDER)
    configure(EMAIL_SENDER=SENDER)
    yield aws.sesv2()


def context(created_by: uuid.UUID | None = None, seconds: float = 60.0) -> TaskContext:
    return TaskContext(uuid.uuid4(), 1, 3, time.monotonic() + seconds, created_by)


Run = Callable[..., TaskOutput]


@pytest.fixture
def run() -> Run:
    """Run a handler as the worker does: through the registry, which validates the payload."""

    def call(task_type: str, payload: Any, ctx: TaskContext | None = None) -> TaskOutput:
        handler = registry.get(task_type)
        assert handler is not None
        return handler.run(payload, ctx or context())

    return call


def s3_age(bucket: str, key: str, when: datetime) -> None:
    """Backdate an object in moto (S3 cannot set LastModified): test setup of the fake only."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    obj = s3_backends[DEFAULT_ACCOUNT_ID]["global"].buckets[bucket].keys[key]
    obj.last_modified = when.astimezone(UTC).replace(tzinfo=None)
