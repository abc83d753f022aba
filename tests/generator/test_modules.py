"""Generate and revert on a copy of the repository: what is written, the wiring, collisions,
--force, revert's refusals, the database migration, and a tree restored byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from shared import migrations
from tests.generator.conftest import ROOT, snapshot
from tools.cli import app
from tools.generator import modules
from tools.generator.naming import collisions, derive


def generate(
    repo: Path, name: str = "book", *, force: bool = False, **options: str
) -> modules.Manifest:
    return modules.generate(repo, modules.plan(repo, name, **options), force=force)


def test_generate_writes_the_group_and_wires_it(repo: Path) -> None:
    latest = modules._latest_migration(repo)
    manifest = generate(repo)
    version = f"{manifest.migration_version:04d}"
    assert manifest.migration_version == latest + 1
    for path in (
        "shared/books/service.py",
        "shared/books/routes.py",
        "shared/books/schemas.py",
        "functions/books/handler.py",
        f"shared/migrations/sql/{version}_books.up.sql",
        f"shared/migrations/sql/{version}_books.down.sql",
        "tests/books/test_books.py",
        "events/books-list.json",
    ):
        assert (repo / path).is_file(), path
    template = (repo / "template.yaml").read_text()
    assert "\n  BooksFunction:\n" in template and "Path: /api/v1/books," in template
    assert '["...", "${BooksFunction}"]' in template  # the dashboard
    assert '"shared.books.routes",' in (repo / "shared/docs/catalog.py").read_text()
    assert '    "books",\n' in (repo / "pyproject.toml").read_text()
    recorded = json.loads((repo / "tools/generator/manifests/books.json").read_text())
    assert set(recorded["files"]) == set(manifest.files) and len(recorded["edits"]) == 4


def test_generate_then_revert_restores_every_byte(repo: Path) -> None:
    before = snapshot(repo)
    generate(repo, "book", template="production")
    generate(repo, "note", visibility="all")
    assert snapshot(repo) != before
    for name in ("note", "book"):  # newest first: each migration must be the latest
        modules.revert(repo, modules.load_manifest(repo, name), force=False, database_url=None)
    assert snapshot(repo) == before


def test_existing_targets_are_refused_unless_forced(repo: Path) -> None:
    (repo / "shared/books").mkdir()
    with pytest.raises(modules.GeneratorError, match="shared/books"):
        generate(repo)
    manifest = generate(repo, force=True)
    assert (repo / manifest.path.relative_to(ROOT)).exists()
    with pytest.raises(modules.GeneratorError, match="generated already"):
        generate(repo)
    generate(repo, force=True)
    template = (repo / "template.yaml").read_text()
    assert template.count("\n  BooksFunction:\n") == 1


def test_collisions_name_tables_and_routes(repo: Path) -> None:
    names = derive("gadget")
    sql_dir = repo / "shared/migrations/sql"
    (sql_dir / "0900_stuff.up.sql").write_text("CREATE TABLE gadgets (id int);")
    template = (
        repo / "template.yaml"
    ).read_text() + "\n  x: {Path: /api/v1/gadgets, Method: ANY}\n"
    found = collisions(repo, names, template)
    assert "table gadgets (0900_stuff.up.sql)" in found and "route /api/v1/gadgets" in found


def test_revert_refuses_edited_files_and_later_migrations(repo: Path) -> None:
    generate(repo)
    service = repo / "shared/books/service.py"
    service.write_text(service.read_text() + "\n# my change\n")
    manifest = modules.load_manifest(repo, "books")
    with pytest.raises(modules.GeneratorError, match=r"service\.py was edited"):
        modules.revert(repo, manifest, force=False, database_url=None)
    later = repo / "shared/migrations/sql/0999_later.up.sql"
    later.write_text("SELECT 1;")
    with pytest.raises(modules.GeneratorError, match="not the latest"):
        modules.revert(repo, manifest, force=False, database_url=None)
    later.unlink()
    modules.revert(repo, manifest, force=True, database_url=None)
    assert not (repo / "shared/books").exists()


def test_revert_takes_the_migration_out_of_the_database(
    repo: Path, empty_database_url: str
) -> None:
    manifest = generate(repo)
    sql_dir = repo / "shared/migrations/sql"
    migrations.up(empty_database_url, directory=sql_dir)
    done = modules.revert(repo, manifest, force=False, database_url=empty_database_url)
    assert f"reverted migration {manifest.migration_version:04d}_books in the database" in done
    with psycopg.connect(empty_database_url) as conn:
        table = conn.execute("SELECT to_regclass('books')").fetchone()
        applied = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    assert table == (None,)
    assert applied == (manifest.migration_version - 1,)


def test_cli_dry_run_writes_nothing() -> None:
    before = snapshot(ROOT / "shared") | snapshot(ROOT / "functions")
    template = (ROOT / "template.yaml").read_bytes()
    result = CliRunner().invoke(
        app, ["generate", "module", "gizmo", "--template", "production", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "create shared/gizmos/service.py" in result.output and "dry run" in result.output
    assert snapshot(ROOT / "shared") | snapshot(ROOT / "functions") == before
    assert (ROOT / "template.yaml").read_bytes() == template


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["generate", "module", "Gizmo"], "snake_case"),
        (["generate", "module", "gizmo", "--template", "fancy"], "--template must be one of"),
        (["generate", "module", "gizmo", "--visibility", "some"], "--visibility must be one of"),
        (["revert", "module", "gizmo", "--yes"], "no generated module"),
    ],
)
def test_cli_refusals_exit_1_with_a_message(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output
