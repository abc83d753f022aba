"""`starter generate module` and `starter revert module` (the logic: tools/generator)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from tools.cli_common import database_url, fail

generate_app = typer.Typer(no_args_is_help=True, help="Generate a resource group.")
revert_app = typer.Typer(no_args_is_help=True, help="Remove a generated resource group.")


@generate_app.command("module")
def generate_module(
    name: Annotated[str, typer.Argument(help="Singular snake_case name, e.g. book.")],
    template: Annotated[str, typer.Option(help="basic or production.")] = "basic",
    plural: Annotated[str | None, typer.Option(help="Override the derived plural.")] = None,
    visibility: Annotated[
        str, typer.Option(help="owner: users see their own rows; all: everyone reads all.")
    ] = "owner",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan only.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite what exists.")] = False,
) -> None:
    """Write a resource group (service, schemas, routes, function, migration, tests, sample
    event) and wire it into template.yaml, the API docs and the import contracts."""
    from tools.generator import modules
    from tools.generator.naming import NameError_

    try:
        the_plan = modules.plan(
            modules.ROOT, name, template=template, plural=plural, visibility=visibility
        )
        typer.echo("\n".join(the_plan.describe()))
        if dry_run:
            typer.echo("dry run: nothing written")
            return
        modules.generate(modules.ROOT, the_plan, force=force)
    except (modules.GeneratorError, NameError_) as error:
        raise fail(str(error)) from None
    plural_name = the_plan.names.plural
    typer.echo(
        f"generated {plural_name} at {the_plan.names.route}. Next: `starter migrate up`, "
        f"`make test ARGS=tests/{plural_name}`, `make run`"
    )


@revert_app.command("module")
def revert_module(
    name: Annotated[str, typer.Argument(help="The name given to `generate module`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan only.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Revert although files were edited.")
    ] = False,
) -> None:
    """Undo `generate module`: the migration (where applied), the files and the wiring."""
    from tools.generator import modules

    root = modules.ROOT
    try:
        manifest = modules.load_manifest(root, name)
        problems = modules.revert_problems(root, manifest)
        typer.echo("\n".join(f"remove {p}" for p in manifest.files))
        typer.echo("\n".join(f"unwire {e.path}" for e in manifest.edits))
        for problem in problems:
            typer.echo(f"warning: {problem}", err=True)
        if problems and not force:
            raise fail("refusing to revert (use --force): " + "; ".join(problems))
        if dry_run:
            typer.echo("dry run: nothing changed")
            return
        if not yes and not typer.confirm("Revert?", default=False):
            raise typer.Exit(1)
        url = database_url() if os.environ.get("DATABASE_URL") else None
        done = modules.revert(root, manifest, force=force, database_url=url)
    except modules.GeneratorError as error:
        raise fail(str(error)) from None
    typer.echo("\n".join(done))
