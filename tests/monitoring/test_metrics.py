"""Metrics: create, list with label filters, the name rule, limits, read privacy."""

from __future__ import annotations

from typing import Any

import pytest

from shared.identity.principal import Role
from tests.lambda_client import LambdaClient
from tests.monitoring.conftest import API, Caller, caller


def post_metric(api: LambdaClient, name: str = "cpu_usage", value: Any = 1.0, **fields: Any) -> Any:
    body = {"name": name, "metric_type": "gauge", "value": value, **fields}
    return api.post(f"{API}/metrics", json_body=body)


def test_create_metric_echoes_fields(alice: Caller) -> None:
    response = post_metric(alice.api, "cpu_usage", 75.5, labels={"host": "a"})
    assert response.status_code == 200
    metric = response.json()["data"]
    assert metric["name"] == "cpu_usage" and metric["metric_type"] == "gauge"
    assert metric["value"] == 75.5 and metric["labels"] == {"host": "a"}


@pytest.mark.parametrize("value", [0, 1e10, -1e10, 1e-10, -1e-10])
def test_edge_values_accepted(alice: Caller, value: float) -> None:
    response = post_metric(alice.api, value=value)
    assert response.status_code == 200
    assert response.json()["data"]["value"] == value


def test_non_finite_value_is_400(alice: Caller) -> None:
    response = alice.api.post(
        f"{API}/metrics",
        body='{"name": "cpu_usage", "metric_type": "gauge", "value": Infinity}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Validation failed for value: Metric value must be a finite number"
    )


@pytest.mark.parametrize(
    "body",
    [
        {"name": "cpu_usage", "metric_type": "bogus", "value": 1},
        {"name": "cpu_usage", "metric_type": "gauge", "value": 1, "labels": {"n": 1}},
        {"name": "cpu_usage", "metric_type": "gauge"},
    ],
)
def test_shape_errors_are_422(alice: Caller, body: dict[str, Any]) -> None:
    assert alice.api.post(f"{API}/metrics", json_body=body).status_code == 422


class TestNameRule:
    @pytest.mark.parametrize(
        "name",
        [
            "http_requests_total",
            "http_request_duration_ms",
            "http_custom",
            "HTTP_requests_total",
            "system_load",
            "health_score",
            "monitoring_lag",
        ],
    )
    def test_reserved_names_are_for_admins(
        self, alice: Caller, moderator: Caller, admin: Caller, name: str
    ) -> None:
        for who in (alice, moderator):
            response = post_metric(who.api, name)
            assert response.status_code == 403
            assert response.json()["error"] == {
                "code": "FORBIDDEN",
                "message": f"Metric '{name}' is reserved for the system: names starting with"
                " http_, system_, health_, monitoring_ are written by the system or an admin",
            }
        assert post_metric(admin.api, name).status_code == 200

    @pytest.mark.parametrize(
        "name", ["cpu_usage", "orders", "bob_orders", "alice", "httpx_calls", "latency_ms"]
    )
    def test_any_other_name_is_free(self, alice: Caller, name: str) -> None:
        assert post_metric(alice.api, name).status_code == 200


class TestLimits:
    def test_name_too_long(self, moderator: Caller) -> None:
        response = post_metric(moderator.api, "m" * 101)
        assert response.status_code == 400
        assert response.json()["error"]["message"] == (
            "Validation failed for name: Metric name too long (max 100 characters)"
        )

    def test_too_many_labels(self, alice: Caller) -> None:
        response = post_metric(alice.api, labels={f"k{i}": "v" for i in range(51)})
        assert response.json()["error"]["message"] == (
            "Validation failed for labels: Too many labels (max 50)"
        )

    def test_labels_too_large(self, alice: Caller) -> None:
        response = post_metric(alice.api, labels={"k": "é" * 32_766})
        assert response.json()["error"]["message"] == (
            "Validation failed for labels: Labels JSON too large (max 64KB)"
        )


class TestQueries:
    def test_filters(self, alice: Caller) -> None:
        post_metric(alice.api, "cpu_usage", 1, labels={"host": "a", "region": "eu"})
        post_metric(alice.api, "cpu_usage", 2, labels={"host": "b", "region": "eu"})
        post_metric(
            alice.api, "latency_ms", 3, metric_type="counter", recorded_at="2020-01-01T00:00:00Z"
        )

        def values(params: dict[str, Any]) -> list[float]:
            data = alice.api.get(f"{API}/metrics", params=params).json()["data"]
            return sorted(m["value"] for m in data)

        assert values({"name": "cpu_usage"}) == [1, 2]
        assert values({"metric_type": "counter"}) == [3]
        assert values({"labels": "region:eu"}) == [1, 2]
        assert values({"labels": "region:eu,host:b"}) == [2]
        assert values({"end_time": "2021-01-01T00:00:00Z"}) == [3]
        assert values({"start_time": "2021-01-01T00:00:00Z"}) == [1, 2]

    def test_label_filter_uses_the_tag_syntax(self, alice: Caller) -> None:
        response = alice.api.get(f"{API}/metrics", params={"labels": "nocolon"})
        assert response.status_code == 400
        assert response.json()["error"]["message"] == (
            "Validation failed for labels: Invalid tag format. Expected 'key:value' pairs "
            "separated by commas"
        )

    def test_bad_metric_type_filter_is_400(self, alice: Caller) -> None:
        assert alice.api.get(f"{API}/metrics", params={"metric_type": "x"}).status_code == 400

    def test_default_and_maximum_limit(self, alice: Caller) -> None:
        for i in range(52):
            post_metric(alice.api, value=i)
        assert len(alice.api.get(f"{API}/metrics").json()["data"]) == 50
        assert alice.api.get(f"{API}/metrics", params={"limit": 1001}).status_code == 400


def test_read_privacy(alice: Caller, bob: Caller, moderator: Caller, admin: Caller) -> None:
    """Each user reads the metrics they submitted, whatever the name; moderators read all."""
    post_metric(alice.api, "alice_orders", 1)
    post_metric(bob.api, "bob_orders", 2)
    post_metric(bob.api, "cpu_usage", 3)
    post_metric(admin.api, "system_load", 4)

    def values(caller: Caller, **params: Any) -> list[float]:
        response = caller.api.get(f"{API}/metrics", params=params)
        return sorted(m["value"] for m in response.json()["data"])

    assert values(alice) == [1]
    assert values(bob) == [2, 3]
    assert values(moderator) == [1, 2, 3, 4]
    assert values(alice, name="cpu_usage") == []


def test_a_name_prefix_grants_nothing(alice: Caller, moderator: Caller) -> None:
    """`alice` must not read the series of `alice-shadow`, nor `user_<id>_...` names of hers
    written by someone else: the owner is the writer's id, not a name."""
    shadow = caller(Role.USER, "alice-shadow")
    post_metric(shadow.api, "alice_orders", 1)
    post_metric(shadow.api, f"user_{alice.user.id}_jobs", 2)
    post_metric(moderator.api, "alice", 3)
    assert alice.api.get(f"{API}/metrics").json()["data"] == []


def test_system_metrics_are_for_moderators(alice: Caller, moderator: Caller) -> None:
    from shared.monitoring import instrumentation

    instrumentation.request_finished({"method": "GET", "path": "/x"}, 200, 1.5)
    assert instrumentation.flush() == 2
    assert alice.api.get(f"{API}/metrics").json()["data"] == []
    names = {m["name"] for m in moderator.api.get(f"{API}/metrics").json()["data"]}
    assert names == {"http_requests_total", "http_request_duration_ms"}


@pytest.mark.parametrize("value", [False, True, "1", None])
def test_a_value_that_json_does_not_call_a_number_is_refused(alice: Caller, value: Any) -> None:
    assert post_metric(alice.api, value=value).status_code == 422


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+03:03", "9999-12-31T23:59:59-01:00"])
def test_a_time_outside_utc_years_1_to_9999_is_refused(alice: Caller, when: str) -> None:
    """Stored, it could never be read back: the list would fail for everyone who sees it."""
    assert post_metric(alice.api, recorded_at=when).status_code == 422
    response = alice.api.get(f"{API}/metrics", params={"start_time": when})
    assert response.status_code == 400
    assert alice.api.get(f"{API}/metrics").status_code == 200
