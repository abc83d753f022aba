"""Test-only functions for a stack booted from a test template; they run in the stack's process
and append what they received to the file named by DEVSTACK_TEST_OUT."""

from __future__ import annotations

import json
import os
import threading
from typing import Any


def _record(kind: str, event: dict[str, Any]) -> None:
    with open(os.environ["DEVSTACK_TEST_OUT"], "a") as out:
        out.write(json.dumps({"kind": kind, "event": event}) + "\n")


def worker(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _record("sqs", event)
    return {"batchItemFailures": []}


def scheduled(event: dict[str, Any], context: Any) -> None:
    _record("schedule", event)


# Two functions logging through the shared Powertools logger, interleaved: `slow` logs, waits
# until `fast` has run (and set its own Lambda context keys), then logs again.
fast_done = threading.Event()


def _slow(event: dict[str, Any], context: Any) -> None:
    from shared.observability import logger

    logger.warning("slow: before")
    fast_done.wait(10)
    logger.warning("slow: after")


def _fast(event: dict[str, Any], context: Any) -> None:
    from shared.observability import logger

    logger.warning("fast")
    fast_done.set()


def _instrumented(handler: Any) -> Any:
    from shared.observability import instrumented

    return instrumented(handler)


slow = _instrumented(_slow)
fast = _instrumented(_fast)
