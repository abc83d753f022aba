"""`starter`: the operator CLI. Works against DATABASE_URL or the local stack's database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Serverless Starter operator CLI.")
migrate_app = typer.Typer(no_args_is_help=True, help="Apply, revert and inspect migrations.")
app.add_typer(migrate_app, name="migrate")


def database_url() -> str:
    """DATABASE_URL, else the local stack's database (started if needed)."""
    from shared.settings import get_settings

    url = get_settings().database_url
    if url:
        return url
    from tools import pg

    cluster = pg.start(pg.data_dir_for("pg"))
    return pg.ensure_database(cluster, "starter")


@app.command("export-openapi")
def export_openapi(
    output: Annotated[Path, typer.Option(help="Where to write the document.")] = Path(
        "docs/openapi.json"
    ),
) -> None:
    """Write the OpenAPI document covering every resource group."""
    from shared.docs.catalog import openapi_document

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(openapi_document(), indent=2) + "\n")
    typer.echo(f"wrote {output}")


@migrate_app.command("up")
def migrate_up(
    target: Annotated[int | None, typer.Option(help="Stop at this version.")] = None,
) -> None:
    """Apply pending migrations."""
    from shared import migrations

    applied = migrations.up(database_url(), target)
    for m in applied:
        typer.echo(f"applied {m.version:04d}_{m.name}")
    if not applied:
        typer.echo("nothing to apply")


@migrate_app.command("down")
def migrate_down(
    to: Annotated[int, typer.Option("--to", help="Revert everything newer than this version.")],
) -> None:
    """Revert migrations newer than --to (0 reverts all)."""
    from shared import migrations

    for m in migrations.down(database_url(), to):
        typer.echo(f"reverted {m.version:04d}_{m.name}")


@migrate_app.command("status")
def migrate_status() -> None:
    """List every migration and whether it is applied."""
    from shared import migrations

    for s in migrations.status(database_url()):
        mark = "applied" if s.applied else "pending"
        warn = "" if s.checksum_ok else "  (file changed since it was applied!)"
        typer.echo(f"{s.version:04d}_{s.name:<40} {mark}{warn}")
