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
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "mean": statistics.fmean(ordered),
    }


def time_calls(call: Callable[[], Any], count: int, warmup: int = 50) -> dict[str, float]:
    for _ in range(warmup):
        call()
    samples: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return summarize(samples)


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
