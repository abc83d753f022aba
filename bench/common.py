"""Shared benchmark plumbing: a throwaway migrated database and latency statistics."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from shared import db, migrations
from shared.settings import get_settings
from tools import pg
from tools.lambda_events import FakeLambdaContext, http_api_event

BENCH_ENV = {
    "ENVIRONMENT": "test",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "POWERTOOLS_SERVICE_NAME": "serverless-starter",
    "POWERTOOLS_METRICS_NAMESPACE": "ServerlessStarter",
}


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server in its own process, as the local stack runs it; AWS_ENDPOINT_URL (and
    placeholder credentials) point every client at it. Yields its endpoint once it answers."""
    port = pg.free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        server.wait()


@contextmanager
def bench_database() -> Iterator[str]:
    """A freshly migrated database on the benchmark cluster; dropped afterwards."""
    cluster = pg.start(pg.data_dir_for("pg-bench"), durable=False)
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = cluster.url(name)
    migrations.up(url)
    try:
        yield url
    finally:
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def use_environment(database_url: str) -> None:
    """Point settings and the shared connection at `database_url` (benchmarks run in sequence)."""
    os.environ.update(BENCH_ENV)
    os.environ["DATABASE_URL"] = database_url
    get_settings.cache_clear()
    db.reset()


def summarize(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "p50": statistics.median(ordered),
        "p90": ordered[min(len(ordered) - 1, int(len(ordered) * 0.90))],
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "mean": statistics.fmean(ordered),
    }


def elapsed_ms(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def time_calls(call: Callable[[], Any], count: int, warmup: int = 50) -> dict[str, float]:
    for _ in range(warmup):
        call()
    return summarize([elapsed_ms(call) for _ in range(count)])


def http_call(
    handler: Callable[[dict[str, Any], Any], dict[str, Any]],
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Callable[[], dict[str, Any]]:
    """A zero-argument call that sends one API Gateway v2 event through `handler`."""

    def call() -> dict[str, Any]:
        event = http_api_event(method, path, headers=headers, body=body)
        return handler(event, FakeLambdaContext())

    return call


def report(title: str, rows: dict[str, str]) -> None:
    print(f"\n{title}")
    width = max(len(k) for k in rows)
    for key, value in rows.items():
        print(f"  {key:<{width}}  {value}")


def production_environment(database_url: str, function: str) -> dict[str, str]:
    """The environment template.yaml gives `function` in a prod stage with every parameter at
    its default (tracing off unless EnableTracing), pointed at `database_url`, plus what the
    Lambda runtime itself sets (libraries such as the X-Ray SDK behave differently on Lambda)."""
    from tools.devstack import template
    from tools.devstack.services import resource_names

    parsed = template.parse(template.load())
    names = resource_names(
        parsed,
        {},
        {
            "Stage": "prod",
            "CorsAllowedOrigins": "https://app.example.com",
            "WebhookSigningSecret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook",
        },
    )
    env = template.environment_of(parsed.functions[function], names)
    env.pop("DATABASE_SECRET_ARN", None)
    return env | {
        "DATABASE_URL": database_url,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_FUNCTION_VERSION": "1",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function}",
        "LAMBDA_TASK_ROOT": str(Path(__file__).resolve().parents[1]),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        # The trace header Lambda sets per invocation, sampled: with tracing on, segments are
        # built and sent (over UDP, to a daemon that is not there).
        "_X_AMZN_TRACE_ID": (
            "Root=1-6a5c0c1e-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
        ),
    }


Statement = tuple[str, Any, Any]  # ("sql" | "many", query, params) | ("begin" | "commit", ...)


@contextmanager
def recording() -> Iterator[list[Statement]]:
    """Every statement and transaction boundary psycopg sends meanwhile, in order: each one is
    a round trip (autocommit connections, no pipelining)."""
    seen: list[Statement] = []
    execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany
    enter, leave = psycopg.Transaction.__enter__, psycopg.Transaction.__exit__

    def on_execute(self: psycopg.Cursor[Any], query: Any, params: Any = None, **kw: Any) -> Any:
        seen.append(("sql", query, params))
        return execute(self, query, params, **kw)

    def on_many(self: psycopg.Cursor[Any], query: Any, params: Any, **kw: Any) -> Any:
        seen.append(("many", query, list(params)))
        return executemany(self, query, seen[-1][2], **kw)

    def on_enter(self: psycopg.Transaction) -> psycopg.Transaction:
        seen.append(("begin", None, None))
        return enter(self)

    def on_exit(self: psycopg.Transaction, *exc: Any) -> Any:
        seen.append(("commit", None, None))
        return leave(self, *exc)

    patches = {
        (psycopg.Cursor, "execute"): on_execute,
        (psycopg.Cursor, "executemany"): on_many,
        (psycopg.Transaction, "__enter__"): on_enter,
        (psycopg.Transaction, "__exit__"): on_exit,
    }
    originals = {key: getattr(*key) for key in patches}
    for (owner, name), patched in patches.items():
        setattr(owner, name, patched)
    try:
        yield seen
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)
