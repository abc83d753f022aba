"""`starter`: the operator CLI. Works against DATABASE_URL or the local stack's database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from tools import cli_admin, cli_generate, cli_ledger
from tools.cli_common import database_url

app = typer.Typer(no_args_is_help=True, help="Serverless Starter operator CLI.")
migrate_app = typer.Typer(no_args_is_help=True, help="Apply, revert and inspect migrations.")
app.add_typer(migrate_app, name="migrate")
local_app = typer.Typer(no_args_is_help=True, help="The local stack (no AWS, no Docker).")
app.add_typer(local_app, name="local")
admin_app = typer.Typer(
    no_args_is_help=True, help="User and task administration (direct database)."
)
app.add_typer(admin_app, name="admin")
# Task administration, health-check and `tasks submit` live in tools/cli_admin.py.
for _name, _command in cli_admin.ADMIN_COMMANDS.items():
    admin_app.command(_name)(_command)
app.command("health-check")(cli_admin.health_check)
app.add_typer(cli_admin.tasks_app, name="tasks")
app.add_typer(cli_generate.generate_app, name="generate")
app.add_typer(cli_generate.revert_app, name="revert")
app.add_typer(cli_ledger.ledger_app, name="ledger")


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

    url = database_url()
    applied = migrations.up(url, target)
    for m in applied:
        typer.echo(f"applied {m.version:04d}_{m.name}")
    if not applied:
        typer.echo("nothing to apply")
    if target is None:  # schema current: the handler registry is the source of task types
        from shared.tasks.service import sync_task_types

        typer.echo(f"task types: {', '.join(sync_task_types(url))}")


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


@local_app.command("up")
def local_up(
    port: Annotated[int, typer.Option(help="HTTP port.")] = 3000,
    keep_db: Annotated[bool, typer.Option(help="Leave PostgreSQL running on exit.")] = False,
    trigger: Annotated[
        list[str] | None, typer.Option(help="Also fire this schedule at startup (repeatable).")
    ] = None,
) -> None:
    """Run the whole system locally until Ctrl-C (same as `python -m tools.devstack`)."""
    from tools.devstack.stack import configure_logging, run

    configure_logging()
    raise typer.Exit(run(port=port, keep_db=keep_db, triggers=tuple(trigger or ())))


@local_app.command("trigger")
def local_trigger(
    schedule: Annotated[str, typer.Argument(help="Rule name, Function.Event, event or function.")],
) -> None:
    """Run a scheduled function once now, with an EventBridge scheduled event."""
    from tools.devstack.schedules import UnknownSchedule
    from tools.devstack.stack import configure_logging, trigger

    configure_logging()
    try:
        ok = trigger(schedule)
    except UnknownSchedule as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from error
    raise typer.Exit(0 if ok else 1)


@admin_app.command("create-admin")
def create_admin(
    username: Annotated[str, typer.Option(prompt=True)] = "admin",
    email: Annotated[str, typer.Option(prompt=True)] = "admin@example.com",
    password: Annotated[
        str,
        typer.Option(envvar="INITIAL_ADMIN_PASSWORD", help="Prompted for (hidden) when not given."),
    ] = "",
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input (a pipe from a "
            "secret store); give --username and --email too.",
        ),
    ] = False,
) -> None:
    """Create an admin account; the password must pass the password policy."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not password:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    import psycopg
    from psycopg.rows import dict_row

    from shared.errors import AppError
    from shared.identity import users as service
    from shared.identity.principal import Role

    with psycopg.connect(database_url(), autocommit=True, row_factory=dict_row) as conn:
        try:
            profile = service.create_user(
                username,
                email,
                password,
                Role.ADMIN,
                email_verified=True,
                check_reserved=False,
                conn=conn,
            )
        except AppError as error:
            typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"created admin {profile.username} ({profile.id})")
