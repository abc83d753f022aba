"""What every `starter` command shares: the database it works on, clear failures, and output
as a table for people or JSON for machines."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

import typer

from shared.timestamps import format_timestamp

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def database_url() -> str:
    """DATABASE_URL, else the local stack's database (started if needed)."""
    from shared.settings import get_settings

    url = get_settings().database.database_url
    if url:
        return url
    from tools import pg

    cluster = pg.start(pg.data_dir_for("pg"))
    return pg.ensure_database(cluster, "starter")


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


class _Stderr:
    """Whatever sys.stderr is at the time of writing (a test runner swaps it per command)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _logs_to_stderr() -> None:
    """Log lines go to stderr: stdout carries the command's output (`--json | jq`)."""
    from shared.observability import logger

    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler) and not isinstance(handler.stream, _Stderr):
        handler.setStream(_Stderr())


def _use_running_stack() -> None:
    """Without DATABASE_URL, a running local stack's database and queues: a submitted task
    goes to its queue at once instead of waiting for the sweeper."""
    if os.environ.get("DATABASE_URL"):
        return
    from tools.devstack.services import apply_environment
    from tools.devstack.stack import STATE_FILE, running_stack

    state = running_stack(STATE_FILE)
    if state is not None:
        apply_environment(state["environment"])


@contextmanager
def database() -> Iterator[None]:
    """Point shared.db at the CLI's database; turn database trouble into a clear exit 1."""
    import psycopg

    from shared import db
    from shared.errors import AppError
    from shared.settings import get_settings

    _logs_to_stderr()
    _use_running_stack()
    try:
        url = database_url()
        if os.environ.get("DATABASE_URL") != url:
            os.environ["DATABASE_URL"] = url
            get_settings.cache_clear()
            db.reset()
        yield
    except psycopg.errors.UndefinedTable:
        raise fail("the database has no schema: run `starter migrate up`") from None
    except psycopg.OperationalError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise fail(f"cannot reach the database: {first}") from None
    except AppError as error:
        raise fail(error.message) from None


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return format_timestamp(value)  # the API's format: ISO 8601, UTC, Z
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    cells = [[_text(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def emit_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def progress(total: int, label: str) -> Any:
    return typer.progressbar(length=total, label=label, file=sys.stderr)
