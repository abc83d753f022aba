"""Who owns an event source or a metric name.

One set of rules serves writes (checked in Python before an insert) and reads (the same rules as a
SQL predicate, so a regular user lists only what they could have written). Moderators and up are
never restricted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

from shared.errors import Forbidden
from shared.identity.principal import AuthUser


@dataclass(frozen=True)
class Rules:
    separator: str
    denied_prefixes: tuple[str, ...]
    shared_prefixes: tuple[str, ...]  # anyone may use these
    separator_free_is_shared: bool  # sources without "-" belong to everyone

    def allows(self, value: str, user: AuthUser) -> bool:
        """Rules in order; the first that matches decides."""
        sep = self.separator
        if value.startswith(self.denied_prefixes):
            return False
        if self.separator_free_is_shared and sep not in value:
            return True
        if value.startswith(self.shared_prefixes):
            return True
        if value.startswith(f"{user.username}{sep}"):
            return True
        if value.startswith(f"user{sep}{user.id}{sep}"):
            return True
        return value.split(sep, 1)[0] == user.username

    def readable(self, column: str, user: AuthUser) -> tuple[sql.Composable, dict[str, Any]]:
        """The same rules as a WHERE fragment over `column`; TRUE for moderators and up."""
        if user.is_moderator:
            return sql.SQL("TRUE"), {}
        col = sql.Identifier(column)
        shared = sql.SQL("strpos({c}, %(own_sep)s) = 0 OR ").format(c=col)
        fragment = sql.SQL(
            "(NOT {c} ^@ ANY(%(own_denied)s) AND ({shared}{c} ^@ ANY(%(own_shared)s)"
            " OR {c} ^@ %(own_user_prefix)s OR {c} ^@ %(own_id_prefix)s"
            " OR split_part({c}, %(own_sep)s, 1) = %(own_username)s))"
        ).format(c=col, shared=shared if self.separator_free_is_shared else sql.SQL(""))
        sep = self.separator
        params: dict[str, Any] = {
            "own_sep": sep,
            "own_denied": list(self.denied_prefixes),
            "own_shared": list(self.shared_prefixes),
            "own_user_prefix": f"{user.username}{sep}",
            "own_id_prefix": f"user{sep}{user.id}{sep}",
            "own_username": user.username,
        }
        return fragment, params


SOURCES = Rules(
    separator="-",
    denied_prefixes=("system-", "health-", "monitoring-"),
    shared_prefixes=("app-", "web-", "api-", "test-", "db-"),
    separator_free_is_shared=True,
)

METRIC_NAMES = Rules(
    separator="_",
    denied_prefixes=("system_", "health_", "monitoring_"),
    shared_prefixes=(
        "http_requests",
        "http_requests_total",
        "response_time",
        "response_time_seconds",
        "cpu_usage",
        "memory_usage",
        "disk_usage",
        "network_bytes",
        "error_rate",
        "latency",
        "throughput",
        "requests_per_second",
        "active_connections",
        "queue_size",
    ),
    separator_free_is_shared=False,
)


def check_source(user: AuthUser, source: str) -> None:
    if user.is_moderator or SOURCES.allows(source, user):
        return
    raise Forbidden(
        "Users can only create events for their own sources. "
        f"Source '{source}' is not authorized for user '{user.username}'"
    )


def check_metric_name(user: AuthUser, name: str) -> None:
    if user.is_moderator or METRIC_NAMES.allows(name, user):
        return
    raise Forbidden(
        "Users can only create metrics with names they own. "
        f"Metric '{name}' is not authorized for user '{user.username}'"
    )
