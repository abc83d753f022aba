"""Incidents: create, read privacy, assignment rules, transitions, explicit nulls, timeline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import db
from tests.monitoring.conftest import API, Caller


def open_incident(caller: Caller, **fields: Any) -> Any:
    body = {"title": "Checkout down", "severity": "high", **fields}
    return caller.api.post(f"{API}/incidents", json_body=body)


def update(caller: Caller, incident: dict[str, Any], **fields: Any) -> Any:
    return caller.api.put(f"{API}/incidents/{incident['id']}", json_body=fields)


def message(response: Any) -> str:
    text: str = response.json()["error"]["message"]
    return text


@pytest.fixture
def incident(alice: Caller) -> dict[str, Any]:
    data: dict[str, Any] = open_incident(alice, description="500s").json()["data"]
    return data


def test_create(alice: Caller, incident: dict[str, Any]) -> None:
    assert incident["status"] == "open" and incident["severity"] == "high"
    assert incident["created_by"] == str(alice.user.id)
    assert incident["assigned_to"] is None and incident["resolved_at"] is None
    assert incident["alert_id"] is None and incident["started_at"]


def test_severity_is_required_and_an_enum(alice: Caller) -> None:
    assert alice.api.post(f"{API}/incidents", json_body={"title": "x"}).status_code == 422
    assert open_incident(alice, severity="huge").status_code == 422


def test_title_cannot_be_empty(alice: Caller) -> None:
    response = open_incident(alice, title=" ")
    assert message(response) == "Validation failed for title: cannot be empty"


class TestAssignment:
    def test_users_cannot_assign(
        self, alice: Caller, bob: Caller, incident: dict[str, Any]
    ) -> None:
        response = open_incident(alice, assigned_to=str(bob.user.id))
        assert response.status_code == 403
        assert message(response) == "Moderator access required"
        response = update(alice, incident, assigned_to=str(bob.user.id))
        assert response.status_code == 403
        assert message(response) == "Moderator access required"
        assert update(alice, incident, assigned_to=None).status_code == 403

    def test_moderators_assign_and_clear(
        self, moderator: Caller, bob: Caller, incident: dict[str, Any]
    ) -> None:
        created = open_incident(moderator, assigned_to=str(bob.user.id)).json()["data"]
        assert created["assigned_to"] == str(bob.user.id)
        assigned = update(moderator, incident, assigned_to=str(bob.user.id)).json()["data"]
        assert assigned["assigned_to"] == str(bob.user.id)
        cleared = update(moderator, incident, assigned_to=None).json()["data"]
        assert cleared["assigned_to"] is None

    def test_unknown_assignee_is_400(self, moderator: Caller, incident: dict[str, Any]) -> None:
        expected = "Validation failed for assigned_to: User not found"
        response = open_incident(moderator, assigned_to=str(uuid.uuid4()))
        assert response.status_code == 400 and message(response) == expected
        response = update(moderator, incident, assigned_to=str(uuid.uuid4()))
        assert response.status_code == 400 and message(response) == expected


class TestPrivacy:
    def test_creator_and_assignee_see_it_others_do_not(
        self, alice: Caller, bob: Caller, moderator: Caller, incident: dict[str, Any]
    ) -> None:
        path = f"{API}/incidents/{incident['id']}"
        hidden = bob.api.get(path)
        assert hidden.status_code == 404 and message(hidden) == "Incident not found"
        assert bob.api.get(f"{API}/incidents").json()["data"] == []
        assert bob.api.get(f"{path}/timeline").status_code == 404
        assert update(bob, incident, title="mine").status_code == 404

        assert alice.api.get(path).status_code == 200
        assert moderator.api.get(path).status_code == 200
        assert len(moderator.api.get(f"{API}/incidents").json()["data"]) == 1

        update(moderator, incident, assigned_to=str(bob.user.id))
        assert bob.api.get(path).status_code == 200
        assert [i["id"] for i in bob.api.get(f"{API}/incidents").json()["data"]] == [incident["id"]]
        # An assignee reads it, but only the creator or a moderator changes it.
        response = update(bob, incident, status="investigating")
        assert response.status_code == 403 and message(response) == "Cannot update this incident"

    def test_missing_incident(self, alice: Caller) -> None:
        missing = uuid.uuid4()
        response = alice.api.get(f"{API}/incidents/{missing}")
        assert response.status_code == 404
        assert response.json()["error"] == {"code": "NOT_FOUND", "message": "Incident not found"}
        assert str(missing) not in response.text


class TestUpdates:
    def test_creator_investigates_with_root_cause(
        self, alice: Caller, incident: dict[str, Any]
    ) -> None:
        updated = update(alice, incident, status="investigating", root_cause="bad deploy")
        data = updated.json()["data"]
        assert data["status"] == "investigating" and data["root_cause"] == "bad deploy"

    def test_explicit_null_clears_and_omitted_keeps(
        self, alice: Caller, incident: dict[str, Any]
    ) -> None:
        update(alice, incident, root_cause="dns")
        data = update(alice, incident, description=None).json()["data"]
        assert data["description"] is None and data["root_cause"] == "dns"
        assert data["title"] == "Checkout down"

    @pytest.mark.parametrize("field", ["title", "severity", "status"])
    def test_required_fields_cannot_be_null(
        self, alice: Caller, incident: dict[str, Any], field: str
    ) -> None:
        response = update(alice, incident, **{field: None})
        assert response.status_code == 400
        assert message(response) == f"Validation failed for {field}: cannot be null"

    def test_the_lifecycle(self, alice: Caller, incident: dict[str, Any]) -> None:
        resolved = update(alice, incident, status="resolved").json()["data"]
        assert resolved["resolved_at"] is not None
        reopened = update(alice, incident, status="investigating").json()["data"]
        assert reopened["status"] == "investigating" and reopened["resolved_at"] is None
        closed = update(alice, incident, status="closed").json()["data"]
        assert closed["status"] == "closed" and closed["resolved_at"] is not None

    def test_closed_is_final(
        self, alice: Caller, moderator: Caller, incident: dict[str, Any]
    ) -> None:
        update(alice, incident, status="closed")
        for status in ("open", "investigating", "resolved"):
            response = update(moderator, incident, status=status)
            assert response.status_code == 409
            assert message(response) == f"Cannot change incident status from closed to {status}"
        assert update(alice, incident, status="closed").status_code == 200  # no change

    def test_no_way_back_to_open_while_active(
        self, alice: Caller, incident: dict[str, Any]
    ) -> None:
        update(alice, incident, status="investigating")
        response = update(alice, incident, status="open")
        assert response.status_code == 409
        assert message(response) == "Cannot change incident status from investigating to open"

    def test_resolving_keeps_the_first_resolution_time(
        self, alice: Caller, incident: dict[str, Any]
    ) -> None:
        resolved = update(alice, incident, status="resolved").json()["data"]
        closed = update(alice, incident, status="closed").json()["data"]
        assert closed["resolved_at"] == resolved["resolved_at"]


def test_list_pagination(alice: Caller) -> None:
    for i in range(3):
        open_incident(alice, title=f"i{i}")
    data = alice.api.get(f"{API}/incidents", params={"limit": 2}).json()["data"]
    assert [i["title"] for i in data] == ["i2", "i1"]
    assert alice.api.get(f"{API}/incidents", params={"offset": -1}).status_code == 400


class TestTimeline:
    @pytest.fixture
    def events(self, alice: Caller) -> datetime:
        """Events around now: two from api-gateway (one tagged), one from a worker, one old."""
        now = datetime.now(UTC)
        rows = [
            ("api-gateway", {"region": "eu"}, now - timedelta(minutes=10)),
            ("api-gateway", {"region": "us"}, now - timedelta(minutes=5)),
            ("app-worker", {"region": "eu"}, now - timedelta(minutes=4)),
            ("api-gateway", {}, now - timedelta(hours=5)),
        ]
        for source, tags, at in rows:
            body = {
                "event_type": "log",
                "source": source,
                "message": None,
                "tags": tags,
                "recorded_at": at.isoformat(),
            }
            assert alice.api.post(f"{API}/events", json_body=body).status_code == 200
        return now

    def timeline(self, caller: Caller, incident: dict[str, Any], **params: Any) -> Any:
        return caller.api.get(f"{API}/incidents/{incident['id']}/timeline", params=params)

    def test_window_and_shape(
        self, alice: Caller, events: datetime, incident: dict[str, Any]
    ) -> None:
        data = self.timeline(alice, incident).json()["data"]
        assert data["incident_id"] == incident["id"]
        assert data["start_time"] == incident["started_at"] and data["end_time"] is None
        assert data["total_count"] == 3
        assert [e["source"] for e in data["entries"]] == [
            "api-gateway",
            "api-gateway",
            "app-worker",
        ]
        entry = data["entries"][0]
        assert set(entry) == {
            "id",
            "recorded_at",
            "event_type",
            "source",
            "message",
            "level",
            "tags",
        }
        assert entry["message"] == ""  # null message reads as ""
        assert self.timeline(alice, incident, lookback_hours=6).json()["data"]["total_count"] == 4

    def test_filters(self, alice: Caller, events: datetime, incident: dict[str, Any]) -> None:
        by_source = self.timeline(alice, incident, source="api-gateway").json()["data"]
        assert by_source["total_count"] == 2
        by_tags = self.timeline(alice, incident, tags="region:eu").json()["data"]
        assert [e["source"] for e in by_tags["entries"]] == ["api-gateway", "app-worker"]
        both = self.timeline(alice, incident, source="api-gateway", tags="region:eu")
        assert both.json()["data"]["total_count"] == 1
        assert self.timeline(alice, incident, tags="nope").status_code == 400

    def test_paging_keeps_the_total(
        self, alice: Caller, events: datetime, incident: dict[str, Any]
    ) -> None:
        page = self.timeline(alice, incident, limit=1, offset=1).json()["data"]
        assert len(page["entries"]) == 1 and page["total_count"] == 3
        past_end = self.timeline(alice, incident, offset=10).json()["data"]
        assert past_end["entries"] == [] and past_end["total_count"] == 3
        assert self.timeline(alice, incident, lookback_hours=-1).status_code == 400

    def test_users_see_only_events_they_may_read(
        self, alice: Caller, moderator: Caller, events: datetime, incident: dict[str, Any]
    ) -> None:
        moderator.api.post(f"{API}/events", json_body={"event_type": "log", "source": "app-db"})
        assert self.timeline(alice, incident).json()["data"]["total_count"] == 3
        assert self.timeline(moderator, incident).json()["data"]["total_count"] == 4

    def test_resolved_incident_window_ends_at_resolution(
        self, alice: Caller, incident: dict[str, Any]
    ) -> None:
        resolved = update(alice, incident, status="resolved").json()["data"]
        db.connection().execute(
            "INSERT INTO events (event_type, source, recorded_at)"
            " VALUES ('log', 'app-late', NOW() + interval '1 minute')"
        )
        data = self.timeline(alice, incident).json()["data"]
        assert data["end_time"] == resolved["resolved_at"]
        assert data["total_count"] == 0

    def test_includes_the_linked_alerts_events(
        self, alice: Caller, moderator: Caller, incident: dict[str, Any]
    ) -> None:
        alert = moderator.api.post(
            f"{API}/alerts", json_body={"name": "a", "query": "events > 1"}
        ).json()["data"]
        db.connection().execute(
            "UPDATE incidents SET alert_id = %s WHERE id = %s", (alert["id"], incident["id"])
        )
        db.connection().execute(
            "INSERT INTO events (event_type, source, tags)"
            " VALUES ('alert', 'monitoring-alerts', jsonb_build_object('alert_id', %s::text))",
            (alert["id"],),
        )
        # Included even though the user may not read monitoring-* and the filter excludes it.
        data = self.timeline(alice, incident, source="api-gateway").json()["data"]
        assert [e["source"] for e in data["entries"]] == ["monitoring-alerts"]
