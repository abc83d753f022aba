"""Numbered plain-SQL migrations: NNNN_name.up.sql / NNNN_name.down.sql in ./sql.

Each migration runs in its own transaction and is recorded in schema_migrations with a checksum.
A session-level advisory lock serialises concurrent runners (two deploys, a deploy and the local
stack): the second waits, then finds nothing left to do.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

SQL_DIR = Path(__file__).parent / "sql"
ADVISORY_LOCK_KEY = 7_246_413_001  # arbitrary, stable: "serverless-starter migrations"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$")


def _statements(text: str) -> str:
    """The SQL without whole-line `--` comments, blank lines and trailing spaces."""
    lines = (line.rstrip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.lstrip().startswith("--"))


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up_sql: str
    down_sql: str

    @property
    def checksum(self) -> str:
        """Of the statements only: a comment can be reworded without failing the next deploy."""
        return hashlib.sha256(_statements(self.up_sql).encode()).hexdigest()


@dataclass(frozen=True)
class MigrationStatus:
    version: int
    name: str
    applied: bool
    checksum_ok: bool


def discover(directory: Path = SQL_DIR) -> list[Migration]:
    files: dict[tuple[int, str], dict[str, str]] = {}
    for path in directory.iterdir():
        match = _FILE.match(path.name)
        if match is None:
            if path.suffix == ".sql":
                raise MigrationError(f"misnamed migration file: {path.name}")
            continue
        key = (int(match[1]), match[2])
        files.setdefault(key, {})[match[3]] = path.read_text()
    migrations: list[Migration] = []
    for (version, name), parts in sorted(files.items()):
        if set(parts) != {"up", "down"}:
            raise MigrationError(f"migration {version:04d}_{name} needs both .up.sql and .down.sql")
        migrations.append(Migration(version, name, parts["up"], parts["down"]))
    versions = [m.version for m in migrations]
    if len(versions) != len(set(versions)):
        raise MigrationError("two migrations share a version number")
    return migrations


@contextmanager
def _exclusive(conninfo: str) -> Iterator[tuple[psycopg.Connection[object], dict[int, str]]]:
    """A connection holding the migrations lock, and the applied versions with checksums."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        try:
            conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version    INTEGER PRIMARY KEY,
                       name       TEXT NOT NULL,
                       checksum   TEXT NOT NULL,
                       applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())"""
            )
            yield conn, _applied(conn)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))


def _applied(conn: psycopg.Connection[object]) -> dict[int, str]:
    rows = conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()
    return {int(r[0]): str(r[1]) for r in rows}  # type: ignore[index]


def up(conninfo: str, target: int | None = None, directory: Path = SQL_DIR) -> list[Migration]:
    """Apply pending migrations up to `target` (all when None). Returns what was applied."""
    done: list[Migration] = []
    with _exclusive(conninfo) as (conn, applied):
        for migration in discover(directory):
            if target is not None and migration.version > target:
                break
            recorded = applied.get(migration.version)
            if recorded is not None:
                if recorded != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} was edited "
                        "after it was applied; add a new migration instead"
                    )
                continue
            with conn.transaction():
                conn.execute(sql.SQL(migration.up_sql))
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.checksum),
                )
            done.append(migration)
    return done


def down(conninfo: str, target: int, directory: Path = SQL_DIR) -> list[Migration]:
    """Revert applied migrations newer than `target` (0 reverts everything), newest first."""
    done: list[Migration] = []
    with _exclusive(conninfo) as (conn, applied):
        for migration in reversed(discover(directory)):
            if migration.version <= target or migration.version not in applied:
                continue
            with conn.transaction():
                conn.execute(sql.SQL(migration.down_sql))
                conn.execute(
                    "DELETE FROM schema_migrations WHERE version = %s", (migration.version,)
                )
            done.append(migration)
    return done


def status(conninfo: str, directory: Path = SQL_DIR) -> list[MigrationStatus]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        try:
            applied = _applied(conn)
        except psycopg.errors.UndefinedTable:
            applied = {}
    return [
        MigrationStatus(
            m.version,
            m.name,
            m.version in applied,
            applied.get(m.version, m.checksum) == m.checksum,
        )
        for m in discover(directory)
    ]


def latest_version() -> int:
    migrations = discover()
    return migrations[-1].version if migrations else 0
