"""One PostgreSQL connection per Lambda execution environment.

Created lazily on first use, reused across invocations, replaced when broken. Connections run in
autocommit so a single statement is a single round trip; multi-statement work uses `transaction()`.

The connection lives in a `ConnectionSlot` found through the `current_slot` context variable,
whose default is the execution environment's one slot. A host that runs several functions in one
process (the local stack) sets it once on each function's thread; FastAPI's worker threads
inherit it. Lambda never sets it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import set_json_loads
from pydantic_core import from_json

from shared import aws, secrets, snapstart
from shared.settings import Settings, get_settings

Connection = psycopg.Connection[DictRow]


class ConnectionSlot:
    """Holds one execution environment's connection."""

    def __init__(self) -> None:
        self.conn: Connection | None = None
        self.last_used = 0.0
        self.generation = 0


# The default is deliberately one shared object: the execution environment's only slot.
current_slot: ContextVar[ConnectionSlot] = ContextVar(
    "db_connection_slot",
    default=ConnectionSlot(),  # noqa: B039
)
_generation = 0  # bumped by reset(): every slot's connection is then replaced on next use


def conninfo(settings: Settings) -> str:
    """DATABASE_URL if set, else the RDS-style JSON secret named by DATABASE_SECRET_ARN."""
    database = settings.database
    if database.database_url:
        return database.database_url
    if not database.database_secret_arn:
        raise RuntimeError("set DATABASE_URL or DATABASE_SECRET_ARN")
    secret: dict[str, Any] = json.loads(secrets.secret_value(database.database_secret_arn))
    host = database.db_proxy_endpoint or secret["host"]
    port = int(secret.get("port", 5432))
    if database.db_iam_auth:
        password = aws.rds().generate_db_auth_token(
            DBHostname=host, Port=port, DBUsername=secret["username"]
        )
    else:
        password = secret["password"]
    tls = "sslmode=require"
    if database.db_ssl_root_cert:
        bundle = database.db_ssl_root_cert
        if not os.path.isfile(bundle):  # say why, instead of libpq's "could not read" per request
            raise RuntimeError(f"{bundle} is missing: run `make rds-ca-bundle` before `sam build`")
        tls = f"sslmode=verify-full&sslrootcert={quote(bundle, safe='/')}"
    user, dbname = quote(secret["username"], safe=""), secret.get("dbname", "postgres")
    return f"postgresql://{user}:{quote(password, safe='')}@{host}:{port}/{dbname}?{tls}"


def _connect(settings: Settings) -> Connection:
    conn = psycopg.connect(
        conninfo(settings),
        autocommit=True,
        row_factory=dict_row,
        connect_timeout=settings.database.db_connect_timeout_seconds,
        application_name=settings.service_name,
        options=f"-c statement_timeout={settings.database.db_statement_timeout_ms}",
    )
    conn.prepare_threshold = settings.database.db_prepare_threshold
    # jsonb columns parsed by pydantic-core's JSON reader: a fifth of json.loads's cost per value,
    # which a page of 50 tasks (150 jsonb values) pays 150 times. Same Python types.
    set_json_loads(from_json, conn)
    return conn


def _alive(conn: Connection) -> bool:
    try:
        conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def connection() -> Connection:
    """The execution environment's connection, (re)connecting when needed."""
    settings = get_settings()
    slot = current_slot.get()
    now = time.monotonic()
    conn = slot.conn
    if conn is not None and (not _usable(conn) or slot.generation != _generation):
        _discard(slot)
        conn = None
    if (
        conn is not None
        and now - slot.last_used > settings.database.db_ping_after_idle_seconds
        and not _alive(conn)
    ):
        # The environment was frozen long enough for the server or a proxy to drop us.
        _discard(slot)
        conn = None
    if conn is None:
        conn = slot.conn = _connect(settings)
        slot.generation = _generation
    slot.last_used = now
    return conn


def _usable(conn: Connection) -> bool:
    return not (
        conn.closed or conn.broken or conn.info.transaction_status is TransactionStatus.UNKNOWN
    )


def _discard(slot: ConnectionSlot) -> None:
    if slot.conn is not None:
        with suppress(psycopg.Error):
            slot.conn.close()
    slot.conn = None


@snapstart.after_restore  # a connection made before the snapshot is not this environment's
def reset() -> None:
    """Forget the connection (settings changed, or it went bad); other slots follow on next use."""
    global _generation
    _generation += 1
    _discard(current_slot.get())


@contextmanager
def transaction() -> Iterator[Connection]:
    """A transaction on the environment's connection; rolled back on any exception."""
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


STREAM_FETCH_ROWS = 2000


def stream(conn: Connection, query: str, params: dict[str, Any]) -> Iterator[DictRow]:
    """The rows of `query` through a server-side cursor, so memory stays flat however many rows
    there are. `conn` must be in a transaction (see `dedicated`)."""
    with conn.cursor(name="stream") as cur:
        cur.itersize = STREAM_FETCH_ROWS
        cur.execute(query, params)
        yield from cur
