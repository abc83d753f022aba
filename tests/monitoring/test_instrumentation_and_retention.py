"""Built-in request metrics and error events, and event/metric retention."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import APIRouter

from functions.cleanup.handler import handler as cleanup
from functions.health.handler import handler as health_handler
from shared import db
from shared.app import create_app, http_handler
from shared.monitoring import instrumentation
from shared.monitoring.retention import purge_expired_events, purge_expired_metrics
from tests.conftest import Configure
from tests.lambda_client import LambdaClient
from tests.monitoring.conftest import API, Caller
from tools.lambda_events import FakeLambdaContext, scheduled_event


def request_metrics() -> dict[tuple[str, str, str], float]:
    rows = (
        db.connection()
        .execute(
            "SELECT labels, sum(value) AS total FROM metrics WHERE name = 'http_requests_total'"
            " GROUP BY labels"
        )
        .fetchall()
    )
    return {
        (r["labels"]["method"], r["labels"]["route"], r["labels"]["status"]): r["total"]
        for r in rows
    }


@pytest.fixture
def flush_every_5(configure: Configure, database_url: str) -> Iterator[None]:
    configure(METRICS_FLUSH_MAX_REQUESTS="5")
    yield


@pytest.mark.usefixtures("flush_every_5")
def test_requests_are_counted_and_flushed_every_n(alice: Caller, anonymous: LambdaClient) -> None:
    event = alice.api.post(f"{API}/events", json_body={"event_type": "log", "source": "app-x"})
    alice.api.get(f"{API}/events/{event.json()['data']['id']}")
    alice.api.get(f"{API}/events")
    anonymous.get(f"{API}/events")
    assert request_metrics() == {}  # four requests: nothing written yet
    alice.api.get(f"{API}/events")  # the fifth triggers the flush
    assert request_metrics() == {
        ("POST", "/api/v1/monitoring/events", "200"): 1,
        ("GET", "/api/v1/monitoring/events/{event_id}", "200"): 1,
        ("GET", "/api/v1/monitoring/events", "200"): 2,
        ("GET", "/api/v1/monitoring/events", "401"): 1,
    }
    durations = (
        db.connection()
        .execute("SELECT metric_type, value FROM metrics WHERE name = 'http_request_duration_ms'")
        .fetchall()
    )
    assert len(durations) == 4
    assert all(d["metric_type"] == "summary" and d["value"] > 0 for d in durations)


def test_every_group_is_instrumented_through_the_app_factory(database_url: str) -> None:
    health = LambdaClient(health_handler)
    health.get("/api/v1/health/live")
    health.get("/api/v1/health/live")
    health.get("/api/v1/health/nope")
    assert instrumentation.flush() == 4  # two series, two rows each
    assert request_metrics() == {
        ("GET", "/api/v1/health/live", "200"): 2,
        ("GET", "unmatched", "404"): 1,
    }
    assert instrumentation.flush() == 0  # nothing pending


def test_a_failed_flush_never_fails_a_request(unreachable_database: str) -> None:
    health = LambdaClient(health_handler)
    assert health.get("/api/v1/health/live").status_code == 200
    assert instrumentation.flush() == 0


def test_disabled(configure: Configure, database_url: str) -> None:
    configure(REQUEST_METRICS_ENABLED="false")
    LambdaClient(health_handler).get("/api/v1/health/live")
    assert instrumentation.flush() == 0


class TestUnhandledErrors:
    @pytest.fixture
    def broken(self, database_url: str) -> LambdaClient:
        router = APIRouter(prefix="/api/v1/broken")

        @router.get("/{item}")
        def explode(item: str) -> dict[str, Any]:
            raise RuntimeError(f"item {item} exploded")  # the message varies per request

        return LambdaClient(http_handler(create_app(router, title="broken")))

    def test_records_an_error_event_with_a_stable_fingerprint(self, broken: LambdaClient) -> None:
        first = broken.get("/api/v1/broken/1")
        second = broken.get("/api/v1/broken/2")
        assert first.status_code == 500
        assert first.json()["error"] == {
            "code": "INTERNAL_ERROR",
            "message": "Internal server error",
        }
        events = (
            db.connection()
            .execute(
                "SELECT event_type, source, level, message, tags, payload FROM events"
                " ORDER BY created_at, id"
            )
            .fetchall()
        )
        assert len(events) == 2
        one, two = events
        assert one["source"] == "system-http" and one["level"] == "error"
        assert one["message"] == "Unhandled RuntimeError in /api/v1/broken/{item}"
        assert one["tags"]["request_id"] == first.headers["x-request-id"]
        assert two["tags"]["request_id"] == second.headers["x-request-id"]
        assert one["tags"]["fingerprint"] == two["tags"]["fingerprint"]
        assert one["tags"]["exception_type"] == "RuntimeError"
        assert one["payload"]["location"].endswith(
            "tests/monitoring/test_instrumentation_and_retention.py:explode"
        )
        assert "exploded" not in str(one["tags"])  # no message text in the fingerprint

    def test_fingerprints_differ_by_type_and_place(self) -> None:
        def fail(kind: type[Exception]) -> BaseException:
            try:
                raise kind("x")
            except Exception as error:
                return error

        def elsewhere() -> BaseException:
            try:
                raise ValueError("y")
            except Exception as error:
                return error

        assert instrumentation.fingerprint(fail(ValueError)) == instrumentation.fingerprint(
            fail(ValueError)
        )
        assert instrumentation.fingerprint(fail(ValueError)) != instrumentation.fingerprint(
            fail(KeyError)
        )
        assert (
            instrumentation.fingerprint(fail(ValueError))[0]
            != instrumentation.fingerprint(elsewhere())[0]
        )


class TestRetention:
    def seed(self, table: str, ages_days: list[int]) -> None:
        now = datetime.now(UTC)
        for age in ages_days:
            at = now - timedelta(days=age)
            if table == "events":
                db.connection().execute(
                    "INSERT INTO events (event_type, source, recorded_at) VALUES ('log', 'a', %s)",
                    (at,),
                )
            else:
                db.connection().execute(
                    "INSERT INTO metrics (name, metric_type, value, recorded_at)"
                    " VALUES ('m', 'gauge', 1, %s)",
                    (at,),
                )

    def count(self, table: str) -> int:
        row = db.connection().execute(f"SELECT count(*) AS n FROM {table}").fetchone()
        assert row is not None
        return int(row["n"])

    def test_deletes_only_what_is_old(self, configure: Configure, database_url: str) -> None:
        # a batch of 2: several batches
        configure(EVENT_RETENTION_DAYS="30", METRIC_RETENTION_DAYS="7", RETENTION_BATCH_SIZE="2")
        self.seed("events", [0, 1, 29, 31, 40, 50, 60, 70])
        self.seed("metrics", [0, 6, 8, 9, 100])
        removed = cleanup(scheduled_event("cleanup"), FakeLambdaContext())
        assert removed["events"] == 5 and removed["metrics"] == 3
        # the 2 kept, plus the run's own counts (one metric per step)
        assert self.count("events") == 3 and self.count("metrics") == 2 + len(removed)
        assert purge_expired_events() == 0 and purge_expired_metrics() == 0

    def test_skips_rows_another_transaction_holds(self, database_url: str) -> None:
        import psycopg

        self.seed("events", [40, 41])
        with psycopg.connect(database_url) as other:
            other.execute("SELECT id FROM events ORDER BY recorded_at LIMIT 1 FOR UPDATE")
            assert purge_expired_events() == 1  # no waiting on the locked row
        assert purge_expired_events() == 1
