"""Per-request cost of the HTTP functions against the SQL floor.

Each request goes through the function's real Lambda handler (Mangum, Powertools, the app) as an
API Gateway HTTP API v2 event, with the environment template.yaml gives the function in prod.
The floor is the same SQL statements, recorded from that request and sent directly with psycopg
on one connection: what the request costs beyond it is our overhead. Floor and handler calls
alternate in blocks, so both see the same machine. POST /tasks hands its message to an SQS
client that accepts it at once: the send itself is SQS's latency, not ours (`python -m bench
tasks` times create with a real send to a moto server).

Targets (p50 overhead above the floor): health ≤ 0.25 ms in total, me ≤ 0.30 ms, a page of 50
tasks ≤ 1.00 ms, create ≤ 0.80 ms.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from bench.common import (
    Statement,
    bench_database,
    elapsed_ms,
    production_environment,
    recording,
    report,
    summarize,
)

BLOCKS = int(os.environ.get("BENCH_HTTP_BLOCKS", "20"))
PER_BLOCK = int(os.environ.get("BENCH_HTTP_PER_BLOCK", "50"))
LIST_SIZE = 50

Call = Callable[[], Any]


@dataclass(frozen=True)
class Case:
    label: str
    handler: Call
    target_ms: float | None  # None: a reference, not ours
    total: bool = False  # the target bounds the whole request, not the overhead


def floor_of(conn: psycopg.Connection[Any], statements: list[Statement]) -> Call:
    """The recorded statements replayed on `conn`. A transaction becomes BEGIN ... ROLLBACK
    when it wrote: the floor must not pile up rows the handler's reads would then see."""

    def replay() -> None:
        transaction: psycopg.Transaction | None = None
        for kind, query, params in statements:
            if kind == "begin":
                transaction = conn.transaction(force_rollback=True)
                transaction.__enter__()
            elif kind == "commit" and transaction is not None:
                transaction.__exit__(None, None, None)
                transaction = None
            elif kind == "many":
                conn.cursor().executemany(query, params)
            else:
                cursor = conn.execute(query, params)
                if cursor.description is not None:
                    cursor.fetchall()

    return replay


class InstantSqs:
    """An SQS client that accepts every message at once."""

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        return {"Successful": [{"Id": e["Id"], "MessageId": e["Id"]} for e in Entries]}


def alternate(ours: Call, floor: Call) -> tuple[list[float], list[float]]:
    for _ in range(PER_BLOCK):  # warm both
        ours()
        floor()
    mine: list[float] = []
    base: list[float] = []
    for _ in range(BLOCKS):
        mine += [elapsed_ms(ours) for _ in range(PER_BLOCK)]
        base += [elapsed_ms(floor) for _ in range(PER_BLOCK)]
    return mine, base


def main() -> None:
    from shared import aws

    saved_environment, saved_sqs = dict(os.environ), aws.sqs
    try:
        with bench_database() as url, contextlib.redirect_stdout(open(os.devnull, "w")):
            rows = run(url)
    finally:  # `python -m bench` runs the next benchmark in this process
        os.environ.clear()
        os.environ.update(saved_environment)
        aws.sqs = saved_sqs  # type: ignore[assignment]
    report(
        f"HTTP functions through Mangum, prod environment ({BLOCKS} alternating blocks of "
        f"{PER_BLOCK}; p50/p90/p99 ms)",
        rows,
    )


def run(url: str) -> dict[str, str]:
    queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/"
    env = production_environment(url, "TasksFunction")
    env |= {"TASK_QUEUE_URL": queue_url + "normal", "PRIORITY_TASK_QUEUE_URL": queue_url + "high"}
    os.environ.update(env)
    from shared.settings import get_settings

    get_settings.cache_clear()
    from bench import minimal_app
    from functions.auth.handler import handler as auth
    from functions.health.handler import handler as health
    from functions.tasks.handler import handler as tasks
    from shared import aws, db
    from shared.identity.principal import Role
    from shared.jobs.deploy import apply
    from tests.users import create_user
    from tools.lambda_events import FakeLambdaContext, http_api_event

    aws.sqs = lambda: InstantSqs()  # type: ignore[assignment,return-value]
    db.reset()
    apply(url)  # the deploy step: registers the task types
    _, token = create_user(Role.USER)
    bearer = {"authorization": f"Bearer {token}"}
    body = json.dumps({"task_type": "delay_task", "payload": {"delay_seconds": 0}}).encode()

    def via(
        handler: Any, method: str, path: str, query: str = "", data: bytes | None = None
    ) -> Call:
        headers = bearer | ({"content-type": "application/json"} if data else {})
        # Built once: what API Gateway does is not ours to time.
        event = http_api_event(method, path, query=query, headers=headers, body=data)
        context = FakeLambdaContext()

        def call() -> Any:
            result = handler(event, context)
            assert result["statusCode"] == 200, result
            return result

        return call

    create = via(tasks, "POST", "/api/v1/tasks", data=body)
    for _ in range(LIST_SIZE):
        create()
    cases = [
        Case(
            "minimal FastAPI + Mangum app, SELECT 1",
            via(minimal_app.handler, "GET", "/api/v1/health"),
            None,
        ),
        Case("GET /health/live (no SQL)", via(health, "GET", "/api/v1/health/live"), 0.25, True),
        Case("GET /health (SELECT 1)", via(health, "GET", "/api/v1/health"), 0.25),
        Case("GET /auth/me", via(auth, "GET", "/api/v1/auth/me"), 0.30),
        Case("GET /tasks?limit=50", via(tasks, "GET", "/api/v1/tasks", "limit=50"), 1.00),
        Case("POST /tasks (SQS answering at once)", create, 0.80),
    ]
    rows: dict[str, str] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.prepare_threshold = get_settings().database.db_prepare_threshold
        for case in cases:
            case.handler()
            with recording() as statements:
                case.handler()
            mine, base = alternate(case.handler, floor_of(conn, statements))
            ours, floor = summarize(mine), summarize(base)
            p50, p90, p99, f50 = ours["p50"], ours["p90"], ours["p99"], floor["p50"]
            trips = len(statements)
            rows[case.label] = (
                f"{p50:.2f} / {p90:.2f} / {p99:.2f}  floor {f50:.2f}  overhead {p50 - f50:.2f}  "
                f"{trips} round trip{'s' if trips != 1 else ''}"
            )
            if case.target_ms is not None:
                measured = p50 if case.total else p50 - f50
                verdict = "ok" if measured <= case.target_ms else "MISSED"
                kind = "total" if case.total else "overhead"
                rows[case.label] += f"  target {kind} ≤ {case.target_ms:.2f}: {verdict}"
    return rows
