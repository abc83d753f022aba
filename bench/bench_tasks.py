"""Tasks: POST /api/v1/tasks latency through the Lambda handler, including the SQS send to a
local moto server, and worker throughput for no-op tasks given pre-built SQS batches of 10.

Targets: create p50 ≤ 5 ms; ≥ 1,000 no-op tasks/s in one process; the worker's SQL round trips
the same for a batch of 1, 5 or 10 tasks. Run: `python -m bench tasks`."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from pydantic import BaseModel

from bench.common import (
    bench_database,
    http_call,
    moto_server,
    recording,
    report,
    time_calls,
    use_environment,
)
from tools.lambda_events import FakeLambdaContext, sqs_event, sqs_message

CREATES = 500
WORKER_TASKS = 3000
BATCH = 10


class Empty(BaseModel):
    pass


@contextmanager
def moto_sqs() -> Iterator[dict[str, str]]:
    """The two task queues on a local moto server."""
    with moto_server():
        import boto3

        sqs = boto3.client("sqs")
        urls = {
            n: sqs.create_queue(QueueName=n)["QueueUrl"] for n in ("TaskQueue", "PriorityTaskQueue")
        }
        os.environ["TASK_QUEUE_URL"] = urls["TaskQueue"]
        os.environ["PRIORITY_TASK_QUEUE_URL"] = urls["PriorityTaskQueue"]
        yield urls


def bench_create(url: str, urls: dict[str, str]) -> dict[str, str]:
    from functions.tasks.handler import handler
    from shared.settings import get_settings
    from shared.tasks import queue
    from tests.users import create_user

    _, token = create_user()
    body = json.dumps({"task_type": "delay_task", "payload": {"delay_seconds": 0}}).encode()
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    call = http_call(handler, "POST", "/api/v1/tasks", headers, body)
    assert call()["statusCode"] == 200
    stats = time_calls(call, CREATES)
    with recording() as statements:
        call()
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM tasks WHERE enqueued_at IS NOT NULL").fetchone()
    assert row is not None and row[0] == CREATES + 52  # every create was sent
    send = time_calls(lambda: queue.send([queue.Outgoing(uuid.uuid4(), "normal")]), CREATES)
    os.environ["TASK_QUEUE_URL"] = ""  # no queue: the API's own share (the sweeper would send)
    get_settings.cache_clear()
    unsent = time_calls(call, CREATES)
    os.environ["TASK_QUEUE_URL"] = urls["TaskQueue"]
    get_settings.cache_clear()
    return {
        "create p50 / p99": f"{stats['p50']:.2f} ms / {stats['p99']:.2f} ms incl. the SQS send "
        "(target p50 ≤ 5 ms)",
        "  of which SQS send": f"p50 {send['p50']:.2f} ms (boto3 + moto server process)",
        "  without the send": f"p50 {unsent['p50']:.2f} ms / p99 {unsent['p99']:.2f} ms",
        "create SQL round trips": f"{len(statements)} (auth, insert, mark sent, lifecycle event)",
    }


def bench_worker(url: str) -> dict[str, str]:
    from functions.worker.handler import handler
    from shared.tasks.registry import TaskContext, task_handler
    from shared.tasks.service import sync_task_types

    @task_handler("bench_noop", "Does nothing", Empty)
    def bench_noop(payload: Empty, ctx: TaskContext) -> None:  # noqa: ARG001
        return None

    sync_task_types(url)
    with psycopg.connect(url, autocommit=True) as conn:
        ids = [
            r[0]
            for r in conn.execute(
                "INSERT INTO tasks (task_type, payload, enqueued_at) "
                "SELECT 'bench_noop', '{}', now() FROM generate_series(1, %s) RETURNING id",
                (WORKER_TASKS,),
            ).fetchall()
        ]
    events = [
        sqs_event("TaskQueue", [sqs_message({"task_id": str(i)}) for i in ids[s : s + BATCH]])
        for s in range(0, len(ids), BATCH)
    ]
    context: Any = FakeLambdaContext(timeout_seconds=900)
    # Round trips of single batches of 1, 5 and 10 tasks: constant per batch, not per task.
    trips: dict[int, int] = {}
    offset = 0
    for size in (1, 5, BATCH):
        batch = sqs_event(
            "TaskQueue", [sqs_message({"task_id": str(i)}) for i in ids[offset : offset + size]]
        )
        offset += size
        with recording() as statements:
            assert handler(batch, context)["batchItemFailures"] == []
        trips[size] = len(statements)
    events = [
        sqs_event("TaskQueue", [sqs_message({"task_id": str(i)}) for i in ids[s : s + BATCH]])
        for s in range(offset, len(ids), BATCH)
    ]
    started = time.perf_counter()
    for e in events:
        assert handler(e, context)["batchItemFailures"] == []
    elapsed = time.perf_counter() - started
    measured = len(ids) - offset
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM tasks WHERE status = 'completed'").fetchone()
    assert row is not None and row[0] == len(ids)
    sizes = " / ".join(str(n) for n in trips)
    return {
        "worker throughput": f"{measured / elapsed:,.0f} no-op tasks/s in one process "
        f"({measured} tasks, batches of {BATCH}; target ≥ 1,000)",
        "worker SQL round trips per batch": f"{' / '.join(str(n) for n in trips.values())} "
        f"for batches of {sizes} tasks (target: the same for every size)",
    }


def main() -> None:
    with bench_database() as url, moto_sqs() as urls:
        use_environment(url)
        from shared.jobs.deploy import apply

        apply(url)
        rows = bench_create(url, urls)
        rows |= bench_worker(url)
    report("tasks", rows)


if __name__ == "__main__":
    main()
