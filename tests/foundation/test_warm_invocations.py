"""A warm execution environment: 1,000 invocations across the HTTP functions keep one database
connection, one event loop and no extra threads (async routes: no thread pool, nothing created
per request)."""

from __future__ import annotations

import asyncio
import threading

import psycopg

from functions.auth.handler import handler as auth
from functions.health.handler import handler as health
from functions.tasks.handler import handler as tasks
from functions.users.handler import handler as users
from shared import db
from shared.identity.principal import Role
from tests.lambda_client import LambdaClient
from tests.users import create_user

INVOCATIONS = 1000


def _connections(database_url: str) -> int:
    """Sessions on the test database other than the one counting."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_thousand_warm_invocations_keep_one_connection(database_url: str) -> None:
    _, token = create_user(Role.ADMIN)
    calls = [
        (LambdaClient(health), "/api/v1/health"),
        (LambdaClient(auth, token=token), "/api/v1/auth/me"),
        (LambdaClient(tasks, token=token), "/api/v1/tasks"),
        (LambdaClient(users, token=token), "/api/v1/users"),
        (LambdaClient(tasks, token=token), "/api/v1/tasks/not-a-uuid"),  # an error path too
    ]
    client, path = calls[0]
    assert client.get(path).status_code == 200
    backend = db.connection().info.backend_pid
    loop = asyncio.get_event_loop()
    threads = threading.active_count()

    statuses = [
        calls[i % len(calls)][0].get(calls[i % len(calls)][1]).status_code
        for i in range(INVOCATIONS)
    ]

    assert set(statuses) == {200, 400}
    assert db.connection().info.backend_pid == backend  # the same connection throughout
    assert _connections(database_url) == 1
    assert asyncio.get_event_loop() is loop  # Mangum reused the thread's loop
    assert threading.active_count() == threads  # no thread pool behind a sync route
    assert not [t.name for t in threading.enumerate() if "AnyIO" in t.name]
