"""Brute-force throttling of logins: fixed-window failure counters in Postgres,
per account and per client IP. Lambda has no shared memory, so the counters live in the database."""

from __future__ import annotations

from typing import Any

from shared import db
from shared.settings import get_settings

_FAILED = """
INSERT INTO login_attempts AS a (scope, key, failures, window_started_at)
SELECT scope, key, 1, now() FROM (VALUES ('account', %(account)s), ('ip', %(ip)s)) AS v (scope, key)
WHERE key IS NOT NULL
ON CONFLICT (scope, key) DO UPDATE SET
    failures = CASE WHEN a.window_started_at <= now() - make_interval(secs => %(window)s)
                    THEN 1 ELSE a.failures + 1 END,
    window_started_at = CASE WHEN a.window_started_at <= now() - make_interval(secs => %(window)s)
                             THEN now() ELSE a.window_started_at END
"""


# A scalar subquery for the login lookup (so the check costs no extra round trip): seconds until
# the account's or the IP's window ends, once either has reached its limit; else NULL. It needs
# `k.account_key` in scope and the parameters of `params()`.
BLOCKED_SECONDS = """(
    SELECT ceil(extract(epoch FROM max(a.window_started_at)
                                   + make_interval(secs => %(window)s) - now()))::int
    FROM login_attempts a
    WHERE a.window_started_at > now() - make_interval(secs => %(window)s)
      AND ((a.scope = 'account' AND a.key = k.account_key AND a.failures >= %(max_account)s)
        OR (a.scope = 'ip' AND a.key = %(ip)s AND a.failures >= %(max_ip)s)))"""


def params(ip: str | None) -> dict[str, Any]:
    settings = get_settings()
    return {
        "ip": ip,
        "window": settings.identity.login_failure_window_seconds,
        "max_account": settings.identity.login_max_failures_per_account,
        "max_ip": settings.identity.login_max_failures_per_ip,
    }


def record_failure(account_key: str, ip: str | None) -> None:
    db.connection().execute(
        _FAILED,
        {
            "account": account_key,
            "ip": ip,
            "window": get_settings().identity.login_failure_window_seconds,
        },
    )


def purge_expired_windows() -> int:
    cursor = db.connection().execute(
        "DELETE FROM login_attempts WHERE window_started_at < now() - make_interval(secs => %s)",
        (get_settings().identity.login_failure_window_seconds,),
    )
    return cursor.rowcount
