"""Test-only functions for a stack booted from a test template; they run in the stack's process
and append what they received to the file named by DEVSTACK_TEST_OUT."""

from __future__ import annotations

import json
import os
from typing import Any


def _record(kind: str, event: dict[str, Any]) -> None:
    with open(os.environ["DEVSTACK_TEST_OUT"], "a") as out:
        out.write(json.dumps({"kind": kind, "event": event}) + "\n")


def worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record("sqs", event)
    return {"batchItemFailures": []}


def scheduled(event: dict[str, Any], context: Any) -> None:
    _record("schedule", event)
