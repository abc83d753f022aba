"""One PostgreSQL connection per Lambda execution environment.

Created lazily on first use, reused across invocations, replaced when broken. Connections run in
autocommit so a single statement is a single round trip; multi-statement work uses `transaction()`.

The connection belongs to the thread that opened it, so two threads never interleave statements
inside one transaction. In Lambda that is still one connection: an environment handles one event
at a time, and FastAPI's sync code reuses the same worker thread. The local stack, which runs every
function in one process, gets one per function thread.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.rows import DictRow, dict_row

from shared.settings import Settings, get_settings

Connection = psycopg.Connection[DictRow]


class _ThreadConnection(threading.local):
    conn: Connection | None = None
    last_used = 0.0
    generation = 0


_local = _ThreadConnection()
_generation = 0  # bumped by reset(): every thread's connection is then replaced on next use


def conninfo(settings: Settings) -> str:
    """DATABASE_URL if set, else the RDS-style JSON secret named by DATABASE_SECRET_ARN."""
    if settings.database_url:
        return settings.database_url
    if not settings.database_secret_arn:
        raise RuntimeError("set DATABASE_URL or DATABASE_SECRET_ARN")
    from aws_lambda_powertools.utilities.parameters import get_secret  # only deployed envs pay

    secret: dict[str, Any] = json.loads(str(get_secret(settings.database_secret_arn, max_age=300)))
    user, password = quote(secret["username"], safe=""), quote(secret["password"], safe="")
    port = secret.get("port", 5432)
    dbname = secret.get("dbname", "postgres")
    return f"postgresql://{user}:{password}@{secret['host']}:{port}/{dbname}?sslmode=require"


def _connect(settings: Settings) -> Connection:
    conn = psycopg.connect(
        conninfo(settings),
        autocommit=True,
        row_factory=dict_row,
        connect_timeout=settings.db_connect_timeout_seconds,
        application_name=settings.service_name,
        options=f"-c statement_timeout={settings.db_statement_timeout_ms}",
    )
    conn.prepare_threshold = settings.db_prepare_threshold
    return conn


def _alive(conn: Connection) -> bool:
    try:
        conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def connection() -> Connection:
    """This thread's connection, (re)connecting when needed."""
    settings = get_settings()
    now = time.monotonic()
    conn = _local.conn
    if conn is not None and (conn.closed or conn.broken or _local.generation != _generation):
        _discard()
        conn = None
    if (
        conn is not None
        and now - _local.last_used > settings.db_ping_after_idle_seconds
        and not _alive(conn)
    ):
        # The environment was frozen long enough for the server or a proxy to drop us.
        _discard()
        conn = None
    if conn is None:
        conn = _local.conn = _connect(settings)
        _local.generation = _generation
    _local.last_used = now
    return conn


def _discard() -> None:
    if _local.conn is not None:
        with suppress(psycopg.Error):
            _local.conn.close()
    _local.conn = None


def reset() -> None:
    """Forget every thread's connection (settings changed, or the connection went bad)."""
    global _generation
    _generation += 1
    _discard()


@contextmanager
def transaction() -> Iterator[Connection]:
    """A transaction on this thread's connection; rolled back on any exception."""
    conn = connection()
    with conn.transaction():
        yield conn


@contextmanager
def dedicated() -> Iterator[Connection]:
    """A connection of its own, in a transaction, for long streaming reads (server-side cursors)
    that must not hold the shared connection other threads of the worker use meanwhile."""
    settings = get_settings()
    with _connect(settings) as conn, conn.transaction():
        yield conn
