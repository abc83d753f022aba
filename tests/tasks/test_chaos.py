"""Chaos, CI-sized: 300 tasks, 30 % with transient failures, random duplicate deliveries and
simulated worker crashes. Every task ends as its strategy dictates; none lost, none run twice."""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

from shared import db
from shared.tasks import claims
from tests.conftest import Configure
from tests.tasks.helpers import submit
from tests.tasks.sqs import Queues
from tools.lambda_events import FakeLambdaContext, scheduled_event

TASKS = 300
MAX_ATTEMPTS = 3
STRATEGY = {"type": "fixed", "interval_seconds": 0, "max_attempts": MAX_ATTEMPTS, "jitter": False}


def test_chaos(
    tasks_db: str, queues: Queues, worker: Any, sweeper: Any, configure: Configure
) -> None:
    # 30 % failures would open the breaker and defer work for a minute (its own tests cover it).
    configure(TASK_BREAKER_FAILURE_THRESHOLD="100000")
    rng = random.Random(20261121)
    started = time.monotonic()
    plan: dict[Any, int] = {}
    for i in range(TASKS):
        failures = rng.choice([1, 2, 3]) if rng.random() < 0.3 else 0
        priority = rng.choice(["low", "normal", "high", "critical"])
        plan[
            submit(
                payload={"transient_failures": failures},
                retry_strategy=STRATEGY,
                priority=priority,
                metadata={"chaos": i},
            )
        ] = failures
    figures: Counter[str] = Counter()
    crashed: set[Any] = set()
    for phase in range(6):
        while True:
            name, messages = next(
                (
                    (n, got)
                    for n in ("PriorityTaskQueue", "TaskQueue")
                    if (got := queues.receive(n))
                ),
                ("", []),
            )
            if not messages:
                break
            figures["batches"] += 1
            figures["messages"] += len(messages)
            if rng.random() < 0.15:  # the same messages delivered again later
                for m in messages:
                    queues.send_raw(name, m.body)
                figures["duplicates"] += len(messages)
            if phase == 0 and len(crashed) < 20 and rng.random() < 0.1:
                # A worker claims the batch and dies: nothing acknowledged, leases held.
                ids = [submitted for m in messages if (submitted := _task_id(m.body)) is not None]
                crashed.update(c.id for c in claims.claim(ids).claims)
                for m in messages:
                    queues.client.change_message_visibility(
                        QueueUrl=queues.urls[name],
                        ReceiptHandle=m.receipt_handle,
                        VisibilityTimeout=0,
                    )
                figures["crashes"] += 1
                continue
            queues.deliver(name, worker, messages)
        # Time passes: leases of dead workers expire, and the sweeper runs.
        db.connection().execute(
            "UPDATE tasks SET lease_expires_at = now() - interval '1 second'"
            " WHERE status = 'running'"
        )
        sweeper(scheduled_event("TaskSweeper"), FakeLambdaContext())
        if queues.count("PriorityTaskQueue") + queues.count("TaskQueue") == 0:
            break
    assert figures["crashes"] >= 1

    rows = {r["id"]: r for r in db.connection().execute("SELECT * FROM tasks").fetchall()}
    history: dict[Any, list[dict[str, Any]]] = {}
    for a in db.connection().execute("SELECT * FROM task_attempts ORDER BY task_id, attempt"):
        history.setdefault(a["task_id"], []).append(a)
    runs = Counter(
        (r["task_id"], r["attempt"])
        for r in db.connection().execute("SELECT task_id, attempt FROM test_task_runs")
    )

    assert len(rows) == TASKS
    lost = [t for t in rows.values() if t["status"] not in ("completed", "failed")]
    assert lost == [], f"{len(lost)} tasks did not finish"
    assert [k for k, n in runs.items() if n > 1] == [], "an attempt ran twice"
    for tid, failures in plan.items():
        t, h = rows[tid], history[tid]
        assert [a["attempt"] for a in h] == list(range(1, t["current_attempt"] + 1))
        executed = [a for a in h if a["outcome"] != "lease_expired"]
        assert {(tid, a["attempt"]) for a in executed} == {k for k in runs if k[0] == tid}
        for a in executed[:-1]:
            assert a["outcome"] == "transient_error" and a["attempt"] <= failures
        if t["status"] == "completed":
            assert h[-1]["outcome"] == "success" and h[-1]["attempt"] > failures
        else:  # failed only when the strategy's attempts are used up
            assert t["current_attempt"] == MAX_ATTEMPTS
            assert h[-1]["outcome"] in ("transient_error", "lease_expired")
        if tid not in crashed:
            expected = "completed" if failures < MAX_ATTEMPTS else "failed"
            assert t["status"] == expected
            assert t["current_attempt"] == min(failures + 1, MAX_ATTEMPTS)

    statuses = Counter(t["status"] for t in rows.values())
    print(  # noqa: T201 - the chaos figures are part of the test's output
        f"\nchaos: {TASKS} tasks, {sum(1 for f in plan.values() if f)} with transient failures, "
        f"{statuses['completed']} completed, {statuses['failed']} failed, 0 lost; "
        f"{sum(runs.values())} executions, 0 repeated; {figures['messages']} messages in "
        f"{figures['batches']} batches, {figures['duplicates']} duplicate deliveries, "
        f"{figures['crashes']} worker crashes ({len(crashed)} tasks recovered by lease expiry); "
        f"{time.monotonic() - started:.1f}s"
    )


def _task_id(body: str) -> Any:
    from shared.tasks.worker import parse_task_id

    return parse_task_id(body)
