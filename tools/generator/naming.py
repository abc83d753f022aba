"""The names a resource group is generated under, and the checks a new name must pass."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from pathlib import Path

import inflect

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# PostgreSQL's reserved key words (those that cannot name a table unquoted) and names the
# framework or this project already gives a meaning.
SQL_RESERVED = frozenset(
    {
        "all",
        "analyse",
        "analyze",
        "and",
        "any",
        "array",
        "as",
        "asc",
        "asymmetric",
        "both",
        "case",
        "cast",
        "check",
        "collate",
        "column",
        "constraint",
        "create",
        "current_catalog",
        "current_date",
        "current_role",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "deferrable",
        "desc",
        "distinct",
        "do",
        "else",
        "end",
        "except",
        "false",
        "fetch",
        "for",
        "foreign",
        "from",
        "grant",
        "group",
        "having",
        "in",
        "initially",
        "intersect",
        "into",
        "lateral",
        "leading",
        "limit",
        "localtime",
        "localtimestamp",
        "not",
        "null",
        "offset",
        "on",
        "only",
        "or",
        "order",
        "placing",
        "primary",
        "references",
        "returning",
        "select",
        "session_user",
        "some",
        "symmetric",
        "table",
        "then",
        "to",
        "trailing",
        "true",
        "union",
        "unique",
        "user",
        "using",
        "variadic",
        "when",
        "where",
        "window",
        "with",
    }
)
RESERVED = frozenset(
    {
        "shared",
        "functions",
        "tools",
        "tests",
        "events",
        "layers",
        "api",
        "docs",
        "app",
        "http",
        "admin",
        "health",
        "identity",
        "jobs",
        "monitoring",
        "tasks",
        "auth",
        "users",
        "settings",
        "db",
        "aws",
        "errors",
        "paging",
        "timestamps",
        "secrets",
        "migrations",
        "observability",
        "test",
        "schema_migrations",
    }
)


class NameError_(ValueError):
    """A module name that cannot be generated."""


@dataclass(frozen=True)
class Names:
    singular: str  # book
    plural: str  # books: package, table, function folder and route segment
    class_name: str  # Book
    class_plural: str  # Books

    @property
    def function_id(self) -> str:
        return f"{self.class_plural}Function"

    @property
    def route(self) -> str:
        return f"/api/v1/{self.plural.replace('_', '-')}"


def _camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def derive(name: str, plural: str | None = None) -> Names:
    """`book` → books/Book/Books; `plural` overrides the pluraliser (e.g. `--plural people`)."""
    for candidate in (name, plural):
        if candidate is None:
            continue
        if not SNAKE_CASE.match(candidate):
            raise NameError_(
                f"'{candidate}' is not a snake_case identifier (e.g. book, order_item)"
            )
        if keyword.iskeyword(candidate) or keyword.issoftkeyword(candidate):
            raise NameError_(f"'{candidate}' is a Python keyword")
    engine = inflect.engine()
    words = name.split("_")
    plural_name = plural or "_".join([*words[:-1], str(engine.plural_noun(words[-1]))])
    if plural_name == name:
        raise NameError_(f"'{name}' has no distinct plural: give one with --plural")
    for candidate in (name, plural_name):
        if candidate in SQL_RESERVED:
            raise NameError_(f"'{candidate}' is a reserved word of PostgreSQL")
        if candidate in RESERVED:
            raise NameError_(f"'{candidate}' is already used by the project")
    return Names(name, plural_name, _camel(name), _camel(plural_name))


def collisions(root: Path, names: Names, template_text: str) -> list[str]:
    """What already exists under these names: a package, a function, a test folder, a table,
    a route or a template resource."""
    found = [
        str(path.relative_to(root))
        for path in (
            root / "shared" / names.plural,
            root / "functions" / names.plural,
            root / "tests" / names.plural,
            root / "events" / f"{names.plural}-list.json",
        )
        if path.exists()
    ]
    migrations = root / "shared" / "migrations" / "sql"
    table = re.compile(rf"CREATE TABLE (IF NOT EXISTS )?{names.plural}\b", re.IGNORECASE)
    found += [
        f"table {names.plural} ({p.name})"
        for p in sorted(migrations.glob("*.up.sql"))
        if table.search(p.read_text())
    ]
    if re.search(rf"^  {names.function_id}:$", template_text, re.MULTILINE):
        found.append(f"template.yaml resource {names.function_id}")
    if f"Path: {names.route}," in template_text or f'Path: "{names.route}/' in template_text:
        found.append(f"route {names.route}")
    return found
