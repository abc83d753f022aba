"""Auth: login latency (Argon2id at the production parameters) and SQL round trips per
authenticated request (the per-request cost of `me` is in `python -m bench http`).

Targets: 1 round trip for the principal, also when last_activity_at is written."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from bench.common import bench_database, http_call, recording, report, time_calls, use_environment

USER = {"username": "benchuser", "email": "bench@example.com", "password": "BenchPass123!"}
JSON = {"content-type": "application/json"}


def _count_statements(call: Callable[[], Any]) -> int:
    with recording() as statements:
        call()
    return len(statements)


def main() -> None:
    with bench_database() as url:
        use_environment(url)
        os.environ["ARGON2_FAST_IN_TESTS"] = "false"  # measure the production Argon2id cost
        from functions.auth.handler import handler
        from shared import db

        register = http_call(
            handler, "POST", "/api/v1/auth/register", JSON, json.dumps(USER).encode()
        )
        assert register()["statusCode"] == 200
        credentials = {"username": USER["username"], "password": USER["password"]}
        login = http_call(
            handler, "POST", "/api/v1/auth/login", JSON, json.dumps(credentials).encode()
        )
        result = login()
        assert result["statusCode"] == 200, result
        token = json.loads(result["body"])["data"]["session_token"]
        login_stats = time_calls(login, 30, warmup=3)

        me = http_call(handler, "GET", "/api/v1/auth/me", {"authorization": f"Bearer {token}"})
        assert me()["statusCode"] == 200

        steady = _count_statements(me)
        db.connection().execute(
            "UPDATE sessions SET last_activity_at = now() - interval '2 minutes'"
        )
        with_write = _count_statements(me)
        login_trips = _count_statements(login)
    report(
        "auth function (target: principal 1 round trip)",
        {
            "login (Argon2id m=19456,t=2,p=1)": (
                f"p50 {login_stats['p50']:.1f} ms  p99 {login_stats['p99']:.1f} ms "
                f"({login_trips} round trips)"
            ),
            "round trips per authenticated request": (
                f"{steady} (last_activity_at fresh), {with_write} (last_activity_at written)"
            ),
        },
    )


if __name__ == "__main__":
    main()
