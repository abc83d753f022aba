"""One PostgreSQL connection per Lambda execution environment.

Created lazily on first use, reused across invocations, replaced when broken. Connections run in
autocommit so a single statement is a single round trip; multi-statement work uses `transaction()`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.rows import DictRow, dict_row

from shared.settings import Settings, get_settings

Connection = psycopg.Connection[DictRow]

_conn: Connection | None = None
_last_used = 0.0


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
    """The execution environment's connection, (re)connecting when needed."""
    global _conn, _last_used
    settings = get_settings()
    now = time.monotonic()
    if _conn is not None and (_conn.closed or _conn.broken):
        _conn = None
    if (
        _conn is not None
        and now - _last_used > settings.db_ping_after_idle_seconds
        and not _alive(_conn)
    ):
        # The environment was frozen long enough for the server or a proxy to drop us.
        reset()
    if _conn is None:
        _conn = _connect(settings)
    _last_used = now
    return _conn


def reset() -> None:
    """Close and forget the connection (settings changed, or the connection went bad)."""
    global _conn
    if _conn is not None:
        with suppress(psycopg.Error):
            _conn.close()
    _conn = None


@contextmanager
def transaction() -> Iterator[Connection]:
    """A transaction on the shared connection; rolled back on any exception."""
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
