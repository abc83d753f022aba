"""The project-local PostgreSQL: installed binaries, and the pip fallback when there are none."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tools import pg


@pytest.fixture
def tmp_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A temp dir the unprivileged server account can reach (pytest's own is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="starter-pgtest-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_binaries_cluster_survives_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "cluster"
    cluster = pg.start(data_dir, durable=True)
    url = pg.ensure_database(cluster, "keep")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)")
    pg.stop(data_dir)
    again = pg.start(data_dir)
    with psycopg.connect(again.url("keep")) as conn:
        row = conn.execute("SELECT v FROM kept").fetchone()
    pg.stop(data_dir)
    assert row == (7,)
    assert list(tmp_path.iterdir()) == [data_dir]  # no port file left behind


def test_parent_directories_keep_their_owner_and_mode(tmp_path: Path) -> None:
    before = os.stat(tmp_path)
    pg.start(tmp_path / "a" / "b", durable=False)
    pg.stop(tmp_path / "a" / "b")
    after = os.stat(tmp_path)
    assert (after.st_uid, stat.S_IMODE(after.st_mode)) == (
        before.st_uid,
        stat.S_IMODE(before.st_mode),
    )


def test_falls_back_to_pgserver_without_binaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pgserver")
    monkeypatch.setattr(pg, "find_bindir", lambda: None)
    cluster = pg.start(tmp_path / "fallback")
    try:
        with psycopg.connect(pg.ensure_database(cluster, "starter")) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        pg.stop(tmp_path / "fallback")
    assert not (tmp_path / "fallback" / "pgserver" / "postmaster.pid").exists()
