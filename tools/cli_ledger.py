"""`starter ledger`: operations on the debts ledger (direct database)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from tools.cli_common import database

ledger_app = typer.Typer(no_args_is_help=True, help="The debts ledger (direct database).")


@ledger_app.command("rebuild")
def rebuild(
    user: Annotated[
        UUID | None, typer.Option("--user", help="Only this user (default: every user).")
    ] = None,
) -> None:
    """Re-derive contacts, transactions and balances from the event log."""
    from shared.ledger import rebuild as service

    with database():
        owners = [user] if user is not None else service.users_with_events()
        for owner in owners:
            done = service.rebuild(owner)
            typer.echo(
                f"user {done.user_id}: {done.events} events -> {done.contacts} contacts, "
                f"{done.transactions} transactions"
            )
    if not owners:
        typer.echo("no ledger events")
