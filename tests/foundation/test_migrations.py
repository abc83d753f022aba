"""Migrations against a real database: up, down, up again; concurrent runners; the trigger function
survives later down migrations (no CASCADE strips its triggers); edited migrations are refused."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import psycopg
import pytest

from shared import migrations


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {r[0] for r in rows}


def function_exists(url: str, name: str) -> bool:
    with psycopg.connect(url) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_proc WHERE proname = %s", (name,)).fetchone() is not None
        )


@pytest.fixture
def sample_dir(tmp_path: Path) -> Path:
    """The real migrations plus two that use the shared trigger function."""
    for f in migrations.SQL_DIR.iterdir():
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "9001_widgets.up.sql").write_text(
        "CREATE TABLE widgets (id int PRIMARY KEY, updated_at timestamptz NOT NULL DEFAULT now());"
        "CREATE TRIGGER widgets_updated_at BEFORE UPDATE ON widgets"
        " FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();"
    )
    (tmp_path / "9001_widgets.down.sql").write_text("DROP TABLE widgets;")
    (tmp_path / "9002_gadgets.up.sql").write_text("CREATE TABLE gadgets (id int PRIMARY KEY);")
    (tmp_path / "9002_gadgets.down.sql").write_text("DROP TABLE gadgets;")
    return tmp_path


def test_real_migrations_up_down_up(empty_database_url: str) -> None:
    applied = migrations.up(empty_database_url)
    assert [m.version for m in applied] == [m.version for m in migrations.discover()]
    assert all(s.applied for s in migrations.status(empty_database_url))
    assert migrations.up(empty_database_url) == []  # idempotent
    migrations.down(empty_database_url, 0)
    assert not any(s.applied for s in migrations.status(empty_database_url))
    assert tables(empty_database_url) == {"schema_migrations"}
    assert [m.version for m in migrations.up(empty_database_url)] == [
        m.version for m in migrations.discover()
    ]


def test_down_to_a_version_keeps_the_shared_trigger(
    empty_database_url: str, sample_dir: Path
) -> None:
    migrations.up(empty_database_url, directory=sample_dir)
    reverted = migrations.down(empty_database_url, 9001, directory=sample_dir)
    assert [m.version for m in reverted] == [9002]
    assert "widgets" in tables(empty_database_url) and "gadgets" not in tables(empty_database_url)
    assert function_exists(empty_database_url, "update_updated_at_column")
    with psycopg.connect(empty_database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO widgets (id, updated_at) VALUES (1, '2000-01-01')")
        conn.execute("UPDATE widgets SET id = 1")
        year = conn.execute("SELECT extract(year FROM updated_at) FROM widgets").fetchone()
    assert year is not None and int(year[0]) > 2000  # trigger still attached


def test_up_to_target(empty_database_url: str, sample_dir: Path) -> None:
    migrations.up(empty_database_url, target=9001, directory=sample_dir)
    status = {
        s.version: s.applied for s in migrations.status(empty_database_url, directory=sample_dir)
    }
    assert status[9001] and not status[9002]


def test_concurrent_runners_apply_each_migration_once(
    empty_database_url: str, sample_dir: Path
) -> None:
    results: list[list[int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            barrier.wait()
            results.append(
                [m.version for m in migrations.up(empty_database_url, directory=sample_dir)]
            )
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    applied = sorted(v for r in results for v in r)
    assert applied == sorted(m.version for m in migrations.discover(sample_dir))
    with psycopg.connect(empty_database_url) as conn:
        count = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert count is not None and count[0] == len(applied)


def test_edited_migration_is_refused(empty_database_url: str, sample_dir: Path) -> None:
    migrations.up(empty_database_url, directory=sample_dir)
    (sample_dir / "9002_gadgets.up.sql").write_text("CREATE TABLE gadgets (id bigint PRIMARY KEY);")
    assert not {
        s.version: s.checksum_ok
        for s in migrations.status(empty_database_url, directory=sample_dir)
    }[9002]
    with pytest.raises(migrations.MigrationError, match="edited"):
        migrations.up(empty_database_url, directory=sample_dir)


def test_reworded_comment_is_not_an_edit(empty_database_url: str, sample_dir: Path) -> None:
    migrations.up(empty_database_url, directory=sample_dir)
    path = sample_dir / "9002_gadgets.up.sql"
    path.write_text(
        "-- reworded: why gadgets exist\n\n" + path.read_text() + "\n-- trailing note\n"
    )
    assert all(s.checksum_ok for s in migrations.status(empty_database_url, directory=sample_dir))


def test_failed_migration_rolls_back_and_is_not_recorded(
    empty_database_url: str, sample_dir: Path
) -> None:
    (sample_dir / "9003_broken.up.sql").write_text(
        "CREATE TABLE half (id int); SELECT no_such_function();"
    )
    (sample_dir / "9003_broken.down.sql").write_text("DROP TABLE half;")
    with pytest.raises(psycopg.Error):
        migrations.up(empty_database_url, directory=sample_dir)
    assert "half" not in tables(empty_database_url)
    status = {
        s.version: s.applied for s in migrations.status(empty_database_url, directory=sample_dir)
    }
    assert status[9002] and not status[9003]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (["0001_a.up.sql"], "needs both"),
        (
            ["0001_a.up.sql", "0001_a.down.sql", "0001_b.up.sql", "0001_b.down.sql"],
            "share a version",
        ),
        (["1_bad.sql"], "misnamed"),
    ],
)
def test_discover_rejects_bad_layouts(tmp_path: Path, files: list[str], message: str) -> None:
    for name in files:
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(migrations.MigrationError, match=message):
        migrations.discover(tmp_path)
