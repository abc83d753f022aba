"""shared.db: one connection per execution environment, reused across invocations, replaced after
reset() or when broken; separate environments (local stack functions) never share a transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from functions.health.handler import handler
from shared import db
from shared.app import create_app, http_handler
from shared.http.envelope import Envelope, ok
from shared.http.routing import group_router
from tests.lambda_client import LambdaClient

probe = group_router("/api/v1/probe", "Probe")


@probe.get("/db")
def query() -> Envelope[int]:
    row = db.connection().execute("SELECT 1 AS one").fetchone()
    return ok(row["one"] if row else 0)


probe_handler = http_handler(create_app(probe, title="probe"))


def sessions_opened(admin_url: str, dbname: str) -> int:
    """Connections ever established to `dbname` (pg_stat_database.sessions, PostgreSQL 14+)."""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_stat_clear_snapshot()")
        row = admin.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", (dbname,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_one_connection_serves_every_invocation(database_url: str, pg_admin_url: str) -> None:
    client = LambdaClient(handler)
    dbname = str(psycopg.conninfo.conninfo_to_dict(database_url)["dbname"])
    assert client.get("/api/v1/health").status_code == 200  # the cold start connects
    before = sessions_opened(pg_admin_url, dbname)
    for _ in range(20):
        assert client.get("/api/v1/health").status_code == 200
    assert sessions_opened(pg_admin_url, dbname) == before


@contextmanager
def environment(slot: db.ConnectionSlot) -> Iterator[None]:
    """What a host of several functions does around an invocation (see tools/devstack)."""
    token = db.current_slot.set(slot)
    try:
        yield
    finally:
        db.current_slot.reset(token)


@pytest.mark.usefixtures("database_url")
def test_separate_environments_never_share_a_transaction() -> None:
    db.connection().execute("CREATE TABLE marks (v int)")
    inside = threading.Event()
    written = threading.Event()
    failures: list[BaseException] = []

    def rolled_back_writer() -> None:
        with environment(db.ConnectionSlot()):
            try:
                with db.transaction() as conn:
                    conn.execute("INSERT INTO marks VALUES (1)")
                    inside.set()
                    written.wait(5)
                    raise RuntimeError("roll back")
            except RuntimeError:
                pass
            except BaseException as error:
                failures.append(error)

    def autocommit_writer() -> None:
        with environment(db.ConnectionSlot()):
            inside.wait(5)
            db.connection().execute("INSERT INTO marks VALUES (2)")
            written.set()

    threads = [threading.Thread(target=f) for f in (rolled_back_writer, autocommit_writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert db.connection().execute("SELECT v FROM marks").fetchall() == [{"v": 2}]


@pytest.mark.usefixtures("database_url")
def test_reset_replaces_every_environments_connection() -> None:
    slot = db.ConnectionSlot()
    with environment(slot):
        before = db.connection()
    db.reset()
    with environment(slot):
        after = db.connection()
    assert after is not before and before.closed
    assert after.execute("SELECT 1 AS one").fetchone() == {"one": 1}


def test_a_killed_connection_is_replaced_by_the_next_request(
    database_url: str, pg_admin_url: str
) -> None:
    """Whatever libpq made of the kill, the request that meets it answers 503 (or 200 if the
    connection was already known dead) and the one after it is served by a new connection."""
    client = LambdaClient(probe_handler)
    assert client.get("/api/v1/probe/db").status_code == 200
    first = db.connection()
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first.info.backend_pid,))
    assert client.get("/api/v1/probe/db").status_code in (200, 503)
    assert client.get("/api/v1/probe/db").status_code == 200
    assert db.connection() is not first
