"""Alert rules: structured data, the legacy `query` grammar, CRUD, silence."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared import db
from tests.monitoring.conftest import API, Caller

EVENTS_RULE: dict[str, Any] = {
    "name": "API errors",
    "source": "events",
    "filters": {"source": "api-gateway", "level": "error"},
    "window_minutes": 10,
    "comparator": ">=",
    "threshold_value": 5,
}


def create(caller: Caller, **body: Any) -> Any:
    return caller.api.post(f"{API}/alerts", json_body=body)


def message(response: Any) -> str:
    text: str = response.json()["error"]["message"]
    return text


def test_regular_user_cannot_create(alice: Caller) -> None:
    response = create(alice, name="x", query="metric:cpu_usage avg 5m > 80")
    assert response.status_code == 403
    assert message(response) == "Access denied: moderator role or higher required"


def test_structured_rule(moderator: Caller) -> None:
    response = create(moderator, **EVENTS_RULE, description="too many errors")
    assert response.status_code == 200
    alert = response.json()["data"]
    assert alert["status"] == "active" and alert["state"] == "ok"
    assert alert["created_by"] == str(moderator.user.id)
    assert alert["source"] == "events" and alert["aggregation"] == "count"
    assert alert["filters"] == {"source": "api-gateway", "level": "error"}
    assert alert["query"] == "events:source=api-gateway,level=error count 10m >= 5"
    assert alert["threshold_value"] == 5 and alert["for_minutes"] == 0
    assert alert["triggered_at"] is None and alert["resolved_at"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "metric:cpu_usage avg 5m > 80",
            {
                "source": "metrics",
                "filters": {"name": "cpu_usage"},
                "aggregation": "avg",
                "window_minutes": 5,
                "comparator": ">",
                "threshold_value": 80,
            },
        ),
        (
            "metric:latency_ms{region=eu,host=a} max 1h <= 2.5",
            {
                "source": "metrics",
                "filters": {"name": "latency_ms", "labels": {"region": "eu", "host": "a"}},
                "aggregation": "max",
                "window_minutes": 60,
                "comparator": "<=",
                "threshold_value": 2.5,
            },
        ),
        (
            "metric:queue_size > 100",
            {
                "source": "metrics",
                "filters": {"name": "queue_size"},
                "aggregation": "avg",
                "window_minutes": 5,
                "comparator": ">",
                "threshold_value": 100,
            },
        ),
        (
            "events:level=error,type=log,tag.service=billing count 15m == 0",
            {
                "source": "events",
                "filters": {"level": "error", "event_type": "log", "tags": {"service": "billing"}},
                "aggregation": "count",
                "window_minutes": 15,
                "comparator": "==",
                "threshold_value": 0,
            },
        ),
        (
            "events > 1000",
            {
                "source": "events",
                "filters": {},
                "aggregation": "count",
                "window_minutes": 5,
                "comparator": ">",
                "threshold_value": 1000,
            },
        ),
    ],
)
def test_legacy_query_grammar(moderator: Caller, query: str, expected: dict[str, Any]) -> None:
    response = create(moderator, name="legacy", query=query)
    assert response.status_code == 200, response.text
    alert = response.json()["data"]
    assert {key: alert[key] for key in expected} == expected


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count(*) FROM events WHERE level = 'error'",
        "1; DROP TABLE users; --",
        "cpu_usage > 80",
        "metric:cpu_usage avg 5m > 80; DELETE FROM alerts",
        "metric:cpu_usage median 5m > 80",
        "events:level=error count 5m ~ 3",
        "events:owner=me count 5m > 3",
        "metric:cpu_usage avg 5m > abc",
        "events avg 5m > 1",
        "",
    ],
)
def test_anything_else_is_400(moderator: Caller, query: str) -> None:
    response = create(moderator, name="bad", query=query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_FAILED"
    assert db.connection().execute("SELECT count(*) AS n FROM alerts").fetchone() == {"n": 0}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"source": "events", "aggregation": "avg"}, "aggregation: events rules can only count"),
        (
            {"source": "metrics", "filters": {}},
            "filters.name: a metrics rule needs the metric name",
        ),
        ({"filters": {"owner": "x"}}, "filters: unknown filter 'owner' for events rules"),
        ({"filters": {"tags": {"a": 1}}}, "filters.tags: must be an object of non-empty strings"),
        ({"filters": {"event_type": "nope"}}, "filters.event_type: Invalid event type"),
        ({"window_minutes": 0}, "window_minutes: must be between 1 and 1440"),
        ({"for_minutes": -1}, "for_minutes: must be between 0 and 1440"),
        ({"threshold_value": None}, "threshold_value: is required (or give a query)"),
        ({"query": "events > 1"}, "query: give either a query or a structured rule, not both"),
        ({"notify_email": "nope"}, "notify_email: Invalid email format"),
        ({"notify_webhook_url": "ftp://x"}, "notify_webhook_url: must be an http(s) URL"),
        (
            {"notify_email": "a@b.co", "notify_webhook_url": "https://h.example/x"},
            "notify_email: give an email address or a webhook URL, not both",
        ),
        ({"name": "  "}, "name: cannot be empty"),
    ],
)
def test_structured_validation(moderator: Caller, body: dict[str, Any], expected: str) -> None:
    response = create(moderator, **{**EVENTS_RULE, **body})
    assert response.status_code == 400
    assert message(response) == f"Validation failed for {expected}"


def test_query_threshold_must_agree(moderator: Caller) -> None:
    response = create(moderator, name="x", query="events > 3", threshold_value=4)
    assert message(response) == (
        "Validation failed for threshold_value: does not match the threshold in query"
    )
    assert create(moderator, name="x", query="events > 3", threshold_value=3).status_code == 200


def test_bad_enum_is_422(moderator: Caller) -> None:
    assert create(moderator, **{**EVENTS_RULE, "comparator": "!="}).status_code == 422


def test_filter_values_are_data_not_sql(moderator: Caller) -> None:
    hostile = "x'; DROP TABLE events; --"
    response = create(moderator, **{**EVENTS_RULE, "filters": {"source": hostile}})
    assert response.status_code == 200
    assert response.json()["data"]["filters"] == {"source": hostile}


class TestCrud:
    @pytest.fixture
    def alert(self, moderator: Caller) -> dict[str, Any]:
        body = {
            **EVENTS_RULE,
            "notify_email": "ops@example.com",
            "auto_incident": {"severity": "high"},
        }
        data: dict[str, Any] = create(moderator, **body).json()["data"]
        return data

    def test_get_and_list(self, moderator: Caller, alert: dict[str, Any]) -> None:
        got = moderator.api.get(f"{API}/alerts/{alert['id']}").json()["data"]
        assert got == alert
        assert got["notify_email"] == "ops@example.com"
        assert got["auto_incident"] == {"severity": "high"}
        listed = moderator.api.get(f"{API}/alerts").json()["data"]
        assert [a["id"] for a in listed] == [alert["id"]]

    def test_users_read_rules_without_notification_targets(
        self, alice: Caller, alert: dict[str, Any]
    ) -> None:
        got = alice.api.get(f"{API}/alerts/{alert['id']}").json()["data"]
        assert got["notify_email"] is None and got["query"] == alert["query"]
        assert alice.api.get(f"{API}/alerts").json()["data"][0]["notify_email"] is None

    def test_users_cannot_change_rules(self, alice: Caller, alert: dict[str, Any]) -> None:
        path = f"{API}/alerts/{alert['id']}"
        assert alice.api.put(path, json_body={"name": "x"}).status_code == 403
        assert alice.api.delete(path).status_code == 403
        assert alice.api.post(f"{path}/silence").status_code == 403

    def test_update(self, moderator: Caller, alert: dict[str, Any]) -> None:
        path = f"{API}/alerts/{alert['id']}"
        response = moderator.api.put(path, json_body={"threshold_value": 9, "for_minutes": 2})
        updated = response.json()["data"]
        assert updated["threshold_value"] == 9 and updated["for_minutes"] == 2
        assert updated["query"] == "events:source=api-gateway,level=error count 10m >= 9"
        assert updated["notify_email"] == "ops@example.com"

        cleared = moderator.api.put(
            path, json_body={"notify_email": None, "auto_incident": None, "description": None}
        ).json()["data"]
        assert cleared["notify_email"] is None and cleared["auto_incident"] is None
        assert cleared["threshold_value"] == 9

        replaced = moderator.api.put(
            path, json_body={"query": "metric:cpu_usage max 2m < 10"}
        ).json()["data"]
        assert replaced["source"] == "metrics" and replaced["filters"] == {"name": "cpu_usage"}
        assert replaced["for_minutes"] == 2  # kept: not part of the query

        bad = moderator.api.put(path, json_body={"query": "DROP TABLE alerts"})
        assert bad.status_code == 400
        assert moderator.api.put(path, json_body={"name": None}).status_code == 400

    def test_silence_and_unsilence(self, moderator: Caller, alert: dict[str, Any]) -> None:
        path = f"{API}/alerts/{alert['id']}"
        assert moderator.api.post(f"{path}/silence").json()["data"]["status"] == "silenced"
        assert moderator.api.post(f"{path}/unsilence").json()["data"]["status"] == "active"

    def test_delete(self, moderator: Caller, alert: dict[str, Any]) -> None:
        path = f"{API}/alerts/{alert['id']}"
        response = moderator.api.delete(path)
        assert response.status_code == 200 and response.json()["data"] is None
        assert moderator.api.get(path).status_code == 404
        assert moderator.api.delete(path).status_code == 404

    @pytest.mark.parametrize(
        ("method", "suffix"),
        [("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/silence"), ("POST", "/unsilence")],
    )
    def test_missing_rule_is_404(self, moderator: Caller, method: str, suffix: str) -> None:
        body = {"name": "x"} if method == "PUT" else None
        path = f"{API}/alerts/{uuid.uuid4()}{suffix}"
        response = moderator.api.request(method, path, json_body=body)
        assert response.status_code == 404
        assert message(response) == "Alert not found"


@pytest.mark.parametrize(("window", "status"), [(10.0, 200), ("10", 422), (True, 422), (10.5, 422)])
def test_integers_are_what_json_calls_integers(moderator: Caller, window: Any, status: int) -> None:
    """10.0 is an integer in JSON Schema; "10" and true are not."""
    response = create(moderator, **{**EVENTS_RULE, "window_minutes": window})
    assert response.status_code == status
    if status == 200:
        assert response.json()["data"]["window_minutes"] == 10
