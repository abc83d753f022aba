"""shared.db: one connection per thread, reused, replaced after reset() or when broken."""

from __future__ import annotations

import threading

import psycopg
import pytest

from shared import db


@pytest.mark.usefixtures("database_url")
def test_connection_is_reused_within_a_thread() -> None:
    assert db.connection() is db.connection()


@pytest.mark.usefixtures("database_url")
def test_a_statement_from_another_thread_never_joins_an_open_transaction() -> None:
    db.connection().execute("CREATE TABLE marks (v int)")
    inside = threading.Event()
    written = threading.Event()

    def rolled_back_writer() -> None:
        with pytest.raises(RuntimeError), db.transaction() as conn:
            conn.execute("INSERT INTO marks VALUES (1)")
            inside.set()
            written.wait(5)
            raise RuntimeError("roll back")

    def autocommit_writer() -> None:
        inside.wait(5)
        db.connection().execute("INSERT INTO marks VALUES (2)")
        written.set()

    threads = [
        threading.Thread(target=rolled_back_writer),
        threading.Thread(target=autocommit_writer),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = db.connection().execute("SELECT v FROM marks").fetchall()
    assert rows == [{"v": 2}]


@pytest.mark.usefixtures("database_url")
def test_reset_replaces_every_threads_connection() -> None:
    seen: list[db.Connection] = []
    go = threading.Event()
    done = threading.Event()

    def worker() -> None:
        seen.append(db.connection())
        go.wait(5)
        seen.append(db.connection())
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    while not seen:
        pass
    db.reset()
    go.set()
    done.wait(5)
    thread.join()
    assert seen[0] is not seen[1]
    assert seen[1].execute("SELECT 1").fetchone() == {"?column?": 1}


def test_a_killed_connection_is_replaced(database_url: str, pg_admin_url: str) -> None:
    first = db.connection()
    pid = first.info.backend_pid
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(psycopg.OperationalError):
        first.execute("SELECT 1")
    second = db.connection()
    assert second is not first
    assert second.execute("SELECT 1").fetchone() == {"?column?": 1}
