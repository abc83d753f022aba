"""GET /monitoring/stats and the Prometheus export, parsed by the official client's parser."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from prometheus_client.parser import text_string_to_metric_families

from functions.monitoring.handler import handler
from shared import db
from tests.conftest import Configure
from tests.lambda_client import LambdaClient
from tests.monitoring.conftest import API, Caller
from tools.lambda_events import FakeLambdaContext

PROMETHEUS = f"{API}/metrics/prometheus"


def add_metric(
    name: str,
    value: float,
    labels: dict[str, Any] | None = None,
    metric_type: str = "gauge",
    age: str = "0 seconds",
) -> None:
    db.connection().execute(
        "INSERT INTO metrics (name, metric_type, value, labels, recorded_at)"
        " VALUES (%s, %s, %s, %s::jsonb, NOW() - %s::interval)",
        (name, metric_type, value, json.dumps(labels or {}), age),
    )


def scrape(client: LambdaClient) -> dict[str, Any]:
    response = client.get(PROMETHEUS)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {f.name: f for f in text_string_to_metric_families(response.text)}


def samples(family: Any) -> list[tuple[dict[str, str], float]]:
    return sorted(((s.labels, s.value) for s in family.samples), key=lambda s: sorted(s[0].items()))


class TestStats:
    def test_regular_users_are_refused(self, alice: Caller) -> None:
        response = alice.api.get(f"{API}/stats")
        assert response.status_code == 403

    def test_counts(self, moderator: Caller, alice: Caller) -> None:
        alice.api.post(f"{API}/events", json_body={"event_type": "log", "source": "app-x"})
        alice.api.post(
            f"{API}/metrics", json_body={"name": "cpu_usage", "metric_type": "gauge", "value": 1}
        )
        alice.api.post(f"{API}/incidents", json_body={"title": "t", "severity": "low"})
        moderator.api.post(f"{API}/alerts", json_body={"name": "a", "query": "events > 1"})
        data = moderator.api.get(f"{API}/stats").json()["data"]
        assert data == {
            "total_events": 1,
            "total_metrics": 1,
            "active_alerts": 1,
            "open_incidents": 1,
            "events_last_hour": 1,
            "metrics_last_hour": 1,
            "firing_alerts": 0,
        }


class TestExport:
    def test_system_series(self, anonymous: LambdaClient, alice: Caller) -> None:
        alice.api.post(f"{API}/events", json_body={"event_type": "log", "source": "app-x"})
        text = anonymous.get(PROMETHEUS).text
        assert "# HELP monitoring_total_events" in text and "# TYPE" in text
        families = scrape(anonymous)
        # The client's parser reports counters without the _total suffix.
        assert families["monitoring_total_events"].type == "counter"
        assert families["monitoring_total_events"].samples[0].value == 1
        for name in (
            "monitoring_active_alerts",
            "monitoring_open_incidents",
            "monitoring_events_last_hour",
            "monitoring_metrics_last_hour",
        ):
            assert families[name].type == "gauge"
        assert "monitoring_total_metrics" in families

    def test_one_sample_per_series_the_latest_in_24h(
        self, anonymous: LambdaClient, database_url: str
    ) -> None:
        add_metric("cpu_usage", 10, {"host": "a"}, age="10 minutes")
        add_metric("cpu_usage", 20, {"host": "a"}, age="1 minute")
        add_metric("cpu_usage", 30, {"host": "b"}, age="2 minutes")
        add_metric("cpu_usage", 99, {"host": "c"}, age="25 hours")
        add_metric("queue_size", 7, metric_type="counter")
        families = scrape(anonymous)
        assert samples(families["cpu_usage"]) == [({"host": "a"}, 20), ({"host": "b"}, 30)]
        assert families["cpu_usage"].type == "gauge"
        assert families["queue_size"].type == "counter"
        assert families["queue_size"].samples[0].value == 7

    def test_tricky_names_and_label_values(
        self, anonymous: LambdaClient, database_url: str
    ) -> None:
        tricky = 'quote " backslash \\ newline \n unicode ünï 🚀 end'
        add_metric("app.requests-per/sec", 1, {"path": tricky, "9lives": "x", "a-b": "y"})
        add_metric(
            "9starts_with_digit",
            2,
            {"__reserved": "r", "ok": 5, "flag": True, "dropped": [1], "none": None},
        )
        add_metric("naïve metric", 3.25e-7, {"k": ""})
        add_metric("histo", 4, metric_type="histogram")
        response = anonymous.get(PROMETHEUS)
        families = scrape(anonymous)
        assert samples(families["app_requests_per_sec"]) == [
            ({"_9lives": "x", "a_b": "y", "path": tricky}, 1)
        ]
        assert samples(families["_9starts_with_digit"]) == [
            ({"_reserved": "r", "flag": "true", "ok": "5"}, 2)
        ]
        assert samples(families["na_ve_metric"]) == [({"k": ""}, 3.25e-7)]
        assert families["histo"].type == "unknown"  # exported untyped
        # Labels are sorted, so equal input renders identically.
        line = next(x for x in response.text.splitlines() if x.startswith("app_requests"))
        assert line.index("_9lives=") < line.index("a_b=") < line.index("path=")
        assert anonymous.get(PROMETHEUS).text == response.text

    def test_names_colliding_after_sanitising_merge(
        self, anonymous: LambdaClient, database_url: str
    ) -> None:
        add_metric("latency.ms", 1, {"h": "a"}, age="5 minutes")
        add_metric("latency-ms", 2, {"h": "a"}, age="1 minute")
        add_metric("latency-ms", 3, {"h": "b"})
        add_metric("monitoring_total_events", 42)  # may not shadow a system series
        families = scrape(anonymous)
        assert samples(families["latency_ms"]) == [({"h": "a"}, 2), ({"h": "b"}, 3)]
        assert families["monitoring_total_events"].samples[0].value == 0

    def test_value_formatting(self, anonymous: LambdaClient, database_url: str) -> None:
        for name, value in (("a", 42), ("b", 75.5), ("c", 1e10), ("d", 1e-10), ("e", -1e20)):
            add_metric(name, value)
        lines = anonymous.get(PROMETHEUS).text.splitlines()
        assert {"a 42", "b 75.5", "c 10000000000", "d 1e-10", "e -1e+20"} <= set(lines)


class TestScrapeToken:
    @pytest.fixture(params=["inline", "secret"])
    def token(
        self, request: pytest.FixtureRequest, configure: Configure, database_url: str
    ) -> Iterator[str]:
        """Inline in dev/test; deployed stacks name a Secrets Manager secret instead."""
        if request.param == "inline":
            configure(PROMETHEUS_SCRAPE_TOKEN="scrape-secret")
            yield "scrape-secret"
            return
        with mock_aws():
            arn = boto3.client("secretsmanager").create_secret(
                Name="scrape", SecretString="secret-scrape-token"
            )["ARN"]
            configure(PROMETHEUS_SCRAPE_TOKEN=None, PROMETHEUS_SCRAPE_TOKEN_SECRET_ARN=arn)
            yield "secret-scrape-token"

    def test_required_when_configured(self, anonymous: LambdaClient, token: str) -> None:
        assert anonymous.get(PROMETHEUS).status_code == 401
        wrong = anonymous.get(PROMETHEUS, headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "UNAUTHORIZED"
        assert anonymous.get(PROMETHEUS, headers={"authorization": token}).status_code == 401
        good = anonymous.get(PROMETHEUS, headers={"authorization": f"Bearer {token}"})
        assert good.status_code == 200

    def test_public_when_unset(self, anonymous: LambdaClient) -> None:
        assert anonymous.get(PROMETHEUS).status_code == 200


def test_sample_event(database_url: str) -> None:
    sample = json.loads(
        (Path(__file__).resolve().parents[2] / "events" / "monitoring-prometheus.json").read_text()
    )
    response = handler(sample, FakeLambdaContext())
    assert response["statusCode"] == 200
    assert "monitoring_total_events" in response["body"]
