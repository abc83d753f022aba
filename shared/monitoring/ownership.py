"""Who may read an event or a metric, and which names only the system may write.

Ownership is by identity, never by name: a row a user writes carries their user id (`owner_id`),
and a regular user reads only rows whose `owner_id` is theirs. A name proves nothing (a user
called `alice` must not reach the rows of `alice-shadow`), so sources and metric names are free
text. Moderators and up read every row, including the system's own (`owner_id` NULL).

Names the system writes itself are reserved: only admins may write them, so nobody can pollute
the series dashboards and alert rules rely on. README (Monitoring) lists what the system writes.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from shared.errors import Forbidden
from shared.identity.principal import AuthUser

# Every event source the system writes starts with one of these (system-http, system-tasks,
# monitoring-alerts), as does every metric it writes (http_requests_total, ...).
RESERVED_SOURCE_PREFIXES = ("system-", "health-", "monitoring-")
RESERVED_METRIC_PREFIXES = ("http_", "system_", "health_", "monitoring_")


def _reserved(name: str, prefixes: tuple[str, ...]) -> bool:
    # Case-folded: `HTTP_requests_total` would look like the system's series on a dashboard.
    return name.casefold().startswith(prefixes)


def check_source(user: AuthUser, source: str) -> None:
    if not user.is_admin and _reserved(source, RESERVED_SOURCE_PREFIXES):
        raise Forbidden(
            f"Source '{source}' is reserved for the system: sources starting with "
            + ", ".join(RESERVED_SOURCE_PREFIXES)
            + " are written by the system or an admin"
        )


def check_metric_name(user: AuthUser, name: str) -> None:
    if not user.is_admin and _reserved(name, RESERVED_METRIC_PREFIXES):
        raise Forbidden(
            f"Metric '{name}' is reserved for the system: names starting with "
            + ", ".join(RESERVED_METRIC_PREFIXES)
            + " are written by the system or an admin"
        )


def readable(user: AuthUser) -> tuple[sql.Composable, dict[str, Any]]:
    """The rows `user` may read, as a WHERE fragment over `owner_id`."""
    if user.is_moderator:
        return sql.SQL("TRUE"), {}
    return sql.SQL("owner_id = %(owner_id)s"), {"owner_id": user.id}
