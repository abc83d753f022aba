"""Fixtures for the local stack's tests: one moto server per session, fresh queues per test."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.devstack.sqs import LocalQueue, create_queues, sqs_client
from tools.devstack.template import Template, load, parse


@pytest.fixture
def sqs(moto_endpoint: str) -> Any:
    return sqs_client(moto_endpoint)


@pytest.fixture
def stop() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def template_from(tmp_path: Path, text: str) -> Template:
    """Parse template text the way the stack parses template.yaml (short tags included)."""
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return parse(load(path))


def unique_queues(sqs: Any, template: Template) -> dict[str, LocalQueue]:
    """Create the template's queues under names unique to this test (moto is session-wide)."""
    from dataclasses import replace

    suffix = uuid.uuid4().hex[:8]
    queues = [
        replace(q, properties={**q.properties, "QueueName": f"{q.logical_id}-{suffix}"})
        for q in template.queues.values()
    ]
    return create_queues(sqs, queues)
