"""Alert evaluation over a large history, and the warm latency of POST /monitoring/events.

Evaluation: 200 rules (100 over events, 100 over metrics, mixed filters and aggregations) against
1 million events and 1 million metrics spread over 24 hours, with the migration's indexes. One
tick = run_tick() over every rule, as the AlertEvaluationFunction runs it each minute.
Targets: a full tick under 2 s; POST /monitoring/events warm p50 ≤ 5 ms."""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime, timedelta

import psycopg

from bench.common import bench_database, http_call, report, time_calls, use_environment

ROWS = 1_000_000
RULES = 200
TICKS = 5

_EVENTS = """
INSERT INTO events (event_type, source, message, level, tags, recorded_at)
SELECT (ARRAY['log', 'metric', 'trace', 'alert'])[1 + i %% 4],
       'svc-' || (i %% 50),
       'message ' || i,
       (ARRAY['debug', 'info', 'warn', 'error'])[1 + i %% 4],
       jsonb_build_object('service', 'svc-' || (i %% 20), 'region', 'r' || (i %% 5)),
       NOW() - (i %% 86400) * interval '1 second'
FROM generate_series(1, %s) AS i
"""
_METRICS = """
INSERT INTO metrics (name, metric_type, value, labels, recorded_at)
SELECT 'metric_' || (i %% 100), 'gauge', (i %% 1000)::float8 / 10,
       jsonb_build_object('host', 'h' || (i %% 10)),
       NOW() - (i %% 86400) * interval '1 second'
FROM generate_series(1, %s) AS i
"""


def _seed(url: str) -> float:
    """On its own connection: the app's statement timeout would cut the bulk insert short."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(_EVENTS, (ROWS,))
        conn.execute(_METRICS, (ROWS,))
        conn.execute("VACUUM ANALYZE events")
        conn.execute("VACUUM ANALYZE metrics")
    return time.perf_counter() - started


def _rules() -> None:
    from shared.identity import users
    from shared.identity.principal import AuthUser, Role
    from shared.monitoring import alerts

    profile = users.create_user(
        "bench_moderator",
        "bench@example.com",
        "SecurePass123!",
        Role.MODERATOR,
        check_reserved=False,
    )
    owner = AuthUser(profile.id, profile.username, profile.email, Role.MODERATOR)
    aggregations = ("avg", "max", "min", "sum", "count")
    for i in range(RULES // 2):
        filters: dict[str, object] = {"source": f"svc-{i % 50}"}
        if i % 3 == 0:
            filters["level"] = "error"
        if i % 3 == 1:
            filters = {"tags": {"service": f"svc-{i % 20}"}, "event_type": "log"}
        alerts.create(
            owner,
            {
                "name": f"events {i}",
                "source": "events",
                "filters": filters,
                "window_minutes": 5 + i % 11,
                "comparator": ">",
                "threshold_value": 20,
            },
        )
        metric: dict[str, object] = {"name": f"metric_{i % 100}"}
        if i % 2:
            metric["labels"] = {"host": f"h{i % 10}"}
        alerts.create(
            owner,
            {
                "name": f"metrics {i}",
                "source": "metrics",
                "filters": metric,
                "aggregation": aggregations[i % 5],
                "window_minutes": 5 + i % 11,
                "comparator": ">",
                "threshold_value": 50,
            },
        )


def _ticks() -> list[float]:
    from shared.jobs.alerting import run_tick

    start = datetime.now(UTC).replace(second=0, microsecond=0)
    durations = []
    for minute in range(TICKS):
        began = time.perf_counter()
        result = run_tick(start + timedelta(minutes=minute))
        durations.append(time.perf_counter() - began)
        assert result.failed == 0 and result.evaluated == RULES, result
    return durations


def _post_events() -> dict[str, float]:
    from functions.monitoring.handler import handler
    from shared.identity import sessions, users
    from shared.identity.principal import Role

    profile = users.create_user(
        "benchuser", "benchuser@example.com", "SecurePass123!", Role.USER, check_reserved=False
    )
    token = sessions.start_session(profile.id).token
    body = json.dumps(
        {
            "event_type": "log",
            "source": "benchuser-api",
            "message": "order placed",
            "level": "info",
            "tags": {"order": "42"},
        }
    ).encode()
    call = http_call(
        handler,
        "POST",
        "/api/v1/monitoring/events",
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        body=body,
    )
    assert call()["statusCode"] == 200
    return time_calls(call, 2000, warmup=100)


def _scrape() -> dict[str, float]:
    """The Prometheus export over the same 1 million metrics (all within 24 h)."""
    from functions.monitoring.handler import handler

    call = http_call(handler, "GET", "/api/v1/monitoring/metrics/prometheus")
    assert call()["statusCode"] == 200
    return time_calls(call, 5, warmup=1)


def main() -> None:
    with bench_database() as url:
        use_environment(url)
        seeded = _seed(url)
        _rules()
        ticks = _ticks()
        post = _post_events()
        scrape = _scrape()
    report(
        "monitoring (targets: 200-rule tick < 2 s; POST /monitoring/events warm p50 ≤ 5 ms)",
        {
            "seed": f"{ROWS:,} events + {ROWS:,} metrics over 24 h in {seeded:.0f} s",
            "evaluation tick": (
                f"median {statistics.median(ticks) * 1000:.0f} ms, first "
                f"{ticks[0] * 1000:.0f} ms, max {max(ticks) * 1000:.0f} ms "
                f"({RULES} rules, {TICKS} ticks)"
            ),
            "POST /monitoring/events": (
                f"p50 {post['p50']:.2f} ms  p99 {post['p99']:.2f} ms "
                "(auth + insert; request metrics flushed every 100 requests)"
            ),
            "GET /metrics/prometheus": f"p50 {scrape['p50']:.0f} ms (1,000 series, 1M rows)",
        },
    )


if __name__ == "__main__":
    main()
