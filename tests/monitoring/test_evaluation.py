"""The AlertEvaluationFunction through its real handler with EventBridge events.

The tick (the schedule's `time`) is the evaluator's clock, so each test drives time by sending
ticks for chosen minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from functions.alert_evaluation.handler import handler as evaluate
from shared import db
from shared.tasks import registry
from shared.tasks import service as tasks
from tests.conftest import Configure
from tests.monitoring.conftest import API, Caller
from tools.lambda_events import FakeLambdaContext, scheduled_event

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
T0 = NOW - timedelta(hours=2)  # ticks are in the past: the evaluator's clock is the tick


class _Anything(BaseModel):
    pass


@pytest.fixture
def notification_tasks(database_url: str) -> Iterator[None]:
    """Make `email` and `webhook` submittable (their real handlers come with the handlers issue)."""
    added = []
    for name in ("email", "webhook"):
        if registry.get(name) is None:
            registry.task_handler(name, f"test {name}", _Anything)(lambda payload, ctx: None)
            added.append(name)
        tasks.upsert_type(name, None, True)
    yield
    for name in added:
        registry.unregister(name)


def tick(minute: int) -> dict[str, int]:
    result: dict[str, int] = evaluate(
        scheduled_event("alert-evaluation", at=T0 + timedelta(minutes=minute)), FakeLambdaContext()
    )
    return result


def add_events(
    count: int, minute: float, source: str = "api-gateway", level: str = "error"
) -> None:
    at = T0 + timedelta(minutes=minute)
    db.connection().execute(
        "INSERT INTO events (event_type, source, level, recorded_at)"
        " SELECT 'log', %s, %s, %s FROM generate_series(1, %s)",
        (source, level, at, count),
    )


def add_metric(name: str, value: float, minute: float) -> None:
    db.connection().execute(
        "INSERT INTO metrics (name, metric_type, value, recorded_at) VALUES (%s, 'gauge', %s, %s)",
        (name, value, T0 + timedelta(minutes=minute)),
    )


def rule(moderator: Caller, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "API errors", "notify_email": "ops@example.com"}
    if "query" not in fields:
        body |= {
            "source": "events",
            "filters": {"source": "api-gateway", "level": "error"},
            "window_minutes": 5,
            "comparator": ">",
            "threshold_value": 2,
        }
    body |= fields
    response = moderator.api.post(f"{API}/alerts", json_body=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def alert_row(alert: dict[str, Any]) -> dict[str, Any]:
    row = db.connection().execute("SELECT * FROM alerts WHERE id = %s", (alert["id"],)).fetchone()
    assert row is not None
    return row


def alert_events(alert: dict[str, Any]) -> list[dict[str, Any]]:
    return (
        db.connection()
        .execute(
            "SELECT event_type, source, level, tags, payload FROM events"
            " WHERE tags @> jsonb_build_object('alert_id', %s::text) ORDER BY created_at, id",
            (alert["id"],),
        )
        .fetchall()
    )


def notifications() -> list[dict[str, Any]]:
    return (
        db.connection()
        .execute("SELECT task_type, payload, metadata FROM tasks ORDER BY created_at, id")
        .fetchall()
    )


@pytest.mark.usefixtures("notification_tasks")
class TestTransitions:
    def test_fires_when_the_count_crosses_and_resolves_when_it_drops(
        self, moderator: Caller
    ) -> None:
        alert = rule(moderator)
        add_events(2, minute=-1)
        add_events(5, minute=-1, source="api-other")  # other sources do not count
        assert tick(0)["fired"] == 0
        assert alert_row(alert)["state"] == "ok" and alert_row(alert)["last_value"] == 2

        add_events(1, minute=0.5)
        assert tick(1) == {"evaluated": 1, "duplicates": 0, "fired": 1, "resolved": 0, "failed": 0}
        row = alert_row(alert)
        assert row["state"] == "firing" and row["last_value"] == 3
        assert row["triggered_at"] == T0 + timedelta(minutes=1) and row["resolved_at"] is None

        assert tick(2)["fired"] == 0  # still firing: no new transition
        assert tick(10)["resolved"] == 1  # the window has moved past the errors
        row = alert_row(alert)
        assert row["state"] == "ok" and row["last_value"] == 0
        assert row["resolved_at"] == T0 + timedelta(minutes=10)

        events = alert_events(alert)
        assert [(e["event_type"], e["source"], e["tags"]["transition"]) for e in events] == [
            ("alert", "monitoring-alerts", "firing"),
            ("alert", "monitoring-alerts", "resolved"),
        ]
        assert events[0]["level"] == "error" and events[0]["payload"]["value"] == 3
        sent = notifications()
        assert [(t["task_type"], t["metadata"]["transition"]) for t in sent] == [
            ("email", "firing"),
            ("email", "resolved"),
        ]
        assert sent[0]["payload"]["to"] == "ops@example.com"
        assert sent[0]["payload"]["subject"] == "[FIRING] API errors"
        assert sent[0]["metadata"]["alert_id"] == alert["id"]

        fetched = moderator.api.get(f"{API}/alerts/{alert['id']}").json()["data"]
        assert fetched["state"] == "ok" and fetched["last_evaluated_at"] is not None

    def test_duplicate_ticks_notify_exactly_once(self, moderator: Caller) -> None:
        alert = rule(moderator)
        add_events(3, minute=-1)
        first = tick(0)
        again = tick(0)  # EventBridge delivered the same tick twice
        assert first["fired"] == 1
        assert again == {"evaluated": 0, "duplicates": 1, "fired": 0, "resolved": 0, "failed": 0}
        assert tick(-1)["duplicates"] == 1  # a late, older tick changes nothing either
        assert len(alert_events(alert)) == 1
        assert len(notifications()) == 1

        tick(20)
        tick(20)
        assert [t["metadata"]["transition"] for t in notifications()] == ["firing", "resolved"]

    def test_for_minutes_must_hold_before_firing(self, moderator: Caller) -> None:
        alert = rule(moderator, for_minutes=3, window_minutes=30)
        add_events(3, minute=-1)
        for minute in (0, 1, 2):
            assert tick(minute)["fired"] == 0
            row = alert_row(alert)
            assert row["state"] == "pending" and row["pending_since"] == T0
        assert tick(3)["fired"] == 1
        assert alert_row(alert)["triggered_at"] == T0 + timedelta(minutes=3)
        assert len(notifications()) == 1

    def test_a_gap_restarts_the_for_minutes_clock(self, moderator: Caller) -> None:
        alert = rule(moderator, for_minutes=2, window_minutes=1)
        add_events(3, minute=-0.5)
        tick(0)  # holds: pending since 0
        tick(1)  # window (0, 1] is empty: back to ok
        assert alert_row(alert)["state"] == "ok"
        add_events(3, minute=1.5)
        tick(2)  # pending since 2
        assert alert_row(alert)["pending_since"] == T0 + timedelta(minutes=2)
        add_events(3, minute=2.5)
        assert tick(3)["fired"] == 0  # only 1 minute so far
        add_events(3, minute=3.5)
        assert tick(4)["fired"] == 1

    def test_metric_aggregations(self, moderator: Caller) -> None:
        high = rule(
            moderator,
            name="cpu",
            source="metrics",
            filters={"name": "cpu_usage"},
            aggregation="avg",
            comparator=">",
            threshold_value=80,
        )
        low = rule(moderator, name="cpu min", query="metric:cpu_usage min 5m < 50")
        add_metric("cpu_usage", 95, minute=-1)
        add_metric("cpu_usage", 75, minute=-2)
        add_metric("memory_usage", 10, minute=-1)
        assert tick(0)["fired"] == 1
        assert alert_row(high)["last_value"] == 85 and alert_row(high)["state"] == "firing"
        assert alert_row(low)["last_value"] == 75 and alert_row(low)["state"] == "ok"

    def test_no_data_never_fires_an_aggregate(self, moderator: Caller) -> None:
        alert = rule(moderator, query="metric:cpu_usage max 5m < 1")
        assert tick(0)["fired"] == 0
        assert alert_row(alert)["last_value"] is None

    def test_label_and_tag_filters(self, moderator: Caller) -> None:
        labelled = rule(moderator, query="metric:latency_ms{region=eu} max 5m > 100")
        add_metric("latency_ms", 500, minute=-1)  # no labels: does not match
        db.connection().execute(
            "INSERT INTO metrics (name, metric_type, value, labels, recorded_at)"
            ' VALUES (\'latency_ms\', \'gauge\', 150, \'{"region": "eu", "host": "a"}\', %s)',
            (T0 - timedelta(minutes=1),),
        )
        tagged = rule(moderator, query="events:tag.service=billing count 5m >= 1")
        db.connection().execute(
            "INSERT INTO events (event_type, source, tags, recorded_at)"
            " VALUES ('log', 'app-x', '{\"service\": \"billing\"}', %s)",
            (T0 - timedelta(minutes=1),),
        )
        tick(0)
        assert alert_row(labelled)["last_value"] == 150
        assert alert_row(tagged)["state"] == "firing"

    def test_webhook_notification(self, moderator: Caller, configure: Configure) -> None:
        # The webhook's URL is checked at submit: a documentation address, allowed here.
        configure(WEBHOOK_ALLOWED_NETWORKS="203.0.113.0/24")
        alert = rule(moderator, notify_email=None, notify_webhook_url="https://203.0.113.7/x")
        add_events(3, minute=-1)
        tick(0)
        (task,) = notifications()
        assert task["task_type"] == "webhook"
        assert task["payload"]["url"] == "https://203.0.113.7/x"
        assert task["payload"]["payload"]["alert_id"] == alert["id"]
        assert task["payload"]["payload"]["transition"] == "firing"

    def test_silenced_rules_are_evaluated_but_never_notify(self, moderator: Caller) -> None:
        alert = rule(moderator, auto_incident={"severity": "high"})
        moderator.api.post(f"{API}/alerts/{alert['id']}/silence")
        add_events(3, minute=-1)
        assert tick(0)["fired"] == 1
        assert alert_row(alert)["state"] == "firing"
        assert alert_events(alert)[0]["payload"]["silenced"] is True
        assert notifications() == []
        assert db.connection().execute("SELECT count(*) AS n FROM incidents").fetchone() == {"n": 0}
        moderator.api.post(f"{API}/alerts/{alert['id']}/unsilence")
        assert tick(10)["resolved"] == 1
        assert [t["metadata"]["transition"] for t in notifications()] == ["resolved"]

    def test_auto_incident_is_linked_to_the_alert(self, moderator: Caller) -> None:
        alert = rule(moderator, auto_incident={"severity": "critical"})
        add_events(3, minute=-1)
        tick(0)
        tick(0)
        incidents = moderator.api.get(f"{API}/incidents").json()["data"]
        assert len(incidents) == 1
        incident = incidents[0]
        assert incident["alert_id"] == alert["id"] and incident["severity"] == "critical"
        assert incident["status"] == "open" and incident["title"] == "Alert firing: API errors"
        assert incident["started_at"] == T0.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.usefixtures("notification_tasks")
def test_a_broken_rule_does_not_stop_the_others(moderator: Caller) -> None:
    broken = rule(moderator, name="broken")
    healthy = rule(moderator, name="healthy")
    db.connection().execute(
        "UPDATE alerts SET filters = '\"garbage\"' WHERE id = %s", (broken["id"],)
    )
    add_events(3, minute=-1)
    report = tick(0)
    assert report["failed"] == 1 and report["fired"] == 1
    assert alert_row(healthy)["state"] == "firing"
    row = alert_row(broken)
    assert row["state"] == "ok"
    assert row["last_error"].startswith("evaluation: ValidationFailed")
    (error_event,) = alert_events(broken)
    assert error_event["level"] == "error" and error_event["tags"]["stage"] == "evaluation"
    assert "filters" in error_event["payload"]["error"]
    # Fixing the rule lets it evaluate again, and clears the error.
    db.connection().execute("UPDATE alerts SET filters = '{}' WHERE id = %s", (broken["id"],))
    tick(1)
    assert alert_row(broken)["last_error"] is None


def test_a_failed_notification_is_recorded_on_the_rule(moderator: Caller) -> None:
    # No `email` task type is active in this database: the task engine refuses the submit.
    alert = rule(moderator)
    add_events(3, minute=-1)
    assert tick(0)["fired"] == 1
    row = alert_row(alert)
    assert row["state"] == "firing"  # the transition stands
    assert row["last_error"].startswith("notification: ValidationFailed")
    stages = [e["tags"].get("stage") for e in alert_events(alert)]
    assert stages == [None, "notification"]


def test_sample_event_runs(database_url: str) -> None:
    import json
    from pathlib import Path

    sample = json.loads(
        (Path(__file__).resolve().parents[2] / "events" / "alert-evaluation.json").read_text()
    )
    assert evaluate(sample, FakeLambdaContext())["failed"] == 0
