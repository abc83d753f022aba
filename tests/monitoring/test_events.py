"""Events: create, list, get, the tag filter parser, the source rule, limits, read privacy."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.identity.principal import Role
from tests.lambda_client import LambdaClient
from tests.monitoring.conftest import API, Caller, caller


def post_event(api: LambdaClient, source: str = "app-test", **fields: Any) -> Any:
    return api.post(f"{API}/events", json_body={"event_type": "log", "source": source, **fields})


def error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert body["success"] is False
    return body["error"]


def test_create_event_echoes_fields(alice: Caller) -> None:
    response = post_event(
        alice.api,
        "alice-service",
        message="hello",
        level="info",
        tags={"user_id": "123"},
        payload={"n": 1},
        recorded_at="2026-01-15T10:30:00.123456Z",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True and body["message"] is None
    event = body["data"]
    assert event["event_type"] == "log" and event["source"] == "alice-service"
    assert event["message"] == "hello" and event["level"] == "info"
    assert event["tags"] == {"user_id": "123"} and event["payload"] == {"n": 1}
    assert event["recorded_at"] == "2026-01-15T10:30:00.123456Z"
    fetched = alice.api.get(f"{API}/events/{event['id']}").json()["data"]
    assert fetched == event


def test_optional_fields_default(alice: Caller) -> None:
    event = post_event(alice.api).json()["data"]
    assert event["message"] is None and event["level"] is None
    assert event["tags"] == {} and event["payload"] == {}


def test_event_type_filter_returns_only_that_type(alice: Caller) -> None:
    post_event(alice.api, event_type="log")
    post_event(alice.api, event_type="trace")
    events = alice.api.get(f"{API}/events", params={"event_type": "log"}).json()["data"]
    assert [e["event_type"] for e in events] == ["log"]


def test_unknown_event_type_in_query_is_400(alice: Caller) -> None:
    response = alice.api.get(f"{API}/events", params={"event_type": "bogus"})
    assert response.status_code == 400


def test_unknown_event_type_in_body_is_validation_failed(alice: Caller) -> None:
    response = post_event(alice.api, event_type="bogus")
    assert response.status_code == 400
    assert error(response) == {
        "code": "VALIDATION_FAILED",
        "message": "Validation failed for event_type: Invalid event type",
    }


def test_filters_by_source_level_and_time(alice: Caller) -> None:
    post_event(alice.api, "app-one", level="error", recorded_at="2026-01-01T00:00:00Z")
    post_event(alice.api, "app-one", level="info", recorded_at="2026-01-02T00:00:00Z")
    post_event(alice.api, "app-two", level="error", recorded_at="2026-01-03T00:00:00Z")
    get = alice.api.get
    assert len(get(f"{API}/events", params={"source": "app-one"}).json()["data"]) == 2
    assert len(get(f"{API}/events", params={"level": "error"}).json()["data"]) == 2
    window = {"start_time": "2026-01-02T00:00:00Z", "end_time": "2026-01-03T00:00:00Z"}
    found = get(f"{API}/events", params=window).json()["data"]
    assert [e["recorded_at"] for e in found] == [
        "2026-01-03T00:00:00.000000Z",
        "2026-01-02T00:00:00.000000Z",
    ]  # inclusive bounds, newest first


class TestTagFilter:
    @pytest.fixture
    def tagged(self, alice: Caller) -> Caller:
        post_event(
            alice.api, tags={"user_id": "123", "environment": "production", "action": "login"}
        )
        post_event(alice.api, tags={"user_id": "123", "environment": "staging"})
        post_event(alice.api, tags={"user_id": "456", "count": 5})
        return alice

    def search(self, caller: Caller, tags: str) -> Any:
        return caller.api.get(f"{API}/events", params={"tags": tags})

    def test_single_pair(self, tagged: Caller) -> None:
        assert len(self.search(tagged, "user_id:123").json()["data"]) == 2

    def test_pairs_combine_with_and(self, tagged: Caller) -> None:
        found = self.search(tagged, "user_id:123,environment:production").json()["data"]
        assert [e["tags"]["action"] for e in found] == ["login"]

    def test_no_match(self, tagged: Caller) -> None:
        assert self.search(tagged, "user_id:999").json()["data"] == []

    def test_numeric_tag_values_never_match(self, tagged: Caller) -> None:
        assert self.search(tagged, "count:5").json()["data"] == []

    def test_empty_filter_means_no_filter(self, tagged: Caller) -> None:
        assert len(self.search(tagged, "").json()["data"]) == 3
        assert len(self.search(tagged, " , ,").json()["data"]) == 3

    def test_value_may_contain_colons_and_whitespace_is_trimmed(self, alice: Caller) -> None:
        post_event(alice.api, tags={"url": "http://x:80/a"})
        found = self.search(alice, " url : http://x:80/a ").json()["data"]
        assert len(found) == 1

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            (
                "invalid_format",
                "Invalid tag format. Expected 'key:value' pairs separated by commas",
            ),
            (",".join(f"k{i}:v" for i in range(51)), "Too many tag pairs (maximum 50)"),
            ("k" * 101 + ":v", "Tag key too long (maximum 100 characters)"),
            ("k:" + "v" * 501, "Tag value too long (maximum 500 characters)"),
            ("a:1,a:2", "Duplicate tag keys are not allowed"),
            (":value", "Tag keys and values cannot be empty"),
            ("key:", "Tag keys and values cannot be empty"),
            ("  :  ", "Tag keys and values cannot be empty"),
            (":", "Tag keys and values cannot be empty"),
        ],
    )
    def test_parser_errors(self, alice: Caller, raw: str, message: str) -> None:
        response = self.search(alice, raw)
        assert response.status_code == 400
        assert error(response) == {
            "code": "VALIDATION_FAILED",
            "message": f"Validation failed for tags: {message}",
        }

    @pytest.mark.parametrize("bad", [*"$;'\"<>|%#@+=", " ", "\t", "\n"])
    def test_bad_key_characters(self, alice: Caller, bad: str) -> None:
        response = self.search(alice, f"ke{bad}y:value")
        assert response.status_code == 400
        assert error(response)["message"] == (
            "Validation failed for tags: Tag keys must contain only alphanumeric characters,"
            " underscores, hyphens, and dots"
        )

    @pytest.mark.parametrize(
        "key", ["a", "_", "-", ".", "Key_With-Multiple.Valid123", "k" * 100, "ключ", "a1.b2"]
    )
    def test_valid_keys(self, alice: Caller, key: str) -> None:
        assert self.search(alice, f"{key}:value").status_code == 200

    def test_fifty_pairs_and_long_value_are_fine(self, alice: Caller) -> None:
        assert self.search(alice, ",".join(f"k{i}:v" for i in range(50))).status_code == 200
        assert self.search(alice, "k:" + "v" * 500).status_code == 200


class TestSourceRule:
    @pytest.mark.parametrize(
        "source", ["system-core", "health-check", "monitoring-agent", "System-http"]
    )
    def test_reserved_sources_are_for_admins(
        self, alice: Caller, moderator: Caller, admin: Caller, source: str
    ) -> None:
        for who in (alice, moderator):
            response = post_event(who.api, source)
            assert response.status_code == 403
            assert error(response) == {
                "code": "FORBIDDEN",
                "message": f"Source '{source}' is reserved for the system: sources starting with"
                " system-, health-, monitoring- are written by the system or an admin",
            }
        assert post_event(admin.api, source).status_code == 200

    @pytest.mark.parametrize(
        "source", ["app-frontend", "generic_source", "alice", "bob-service", "systemd-unit"]
    )
    def test_any_other_source_is_free(self, alice: Caller, source: str) -> None:
        assert post_event(alice.api, source).status_code == 200

    def test_authorisation_runs_before_validation(self, alice: Caller) -> None:
        response = post_event(alice.api, "system-x", event_type="bogus")
        assert response.status_code == 403


class TestLimits:
    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"event_type": "x" * 51}, "event_type: Event type too long (max 50 characters)"),
            ({"source": "s" * 201}, "source: Source too long (max 200 characters)"),
            ({"message": "m" * 10_001}, "message: Message too long (max 10000 characters)"),
            ({"level": "l" * 21}, "level: Level too long (max 20 characters)"),
            ({"tags": {f"k{i}": "v" for i in range(101)}}, "tags: Too many tags (max 100)"),
            (
                {"payload": {f"k{i}": 1 for i in range(101)}},
                "payload: Too many payload fields (max 100)",
            ),
            ({"tags": {"k": "v" * 65_530}}, "tags: Tags JSON too large (max 64KB)"),
        ],
    )
    def test_limits(self, moderator: Caller, fields: dict[str, Any], message: str) -> None:
        body = {"event_type": "log", "source": "app-x", **fields}
        response = moderator.api.post(f"{API}/events", json_body=body)
        assert response.status_code == 400
        assert error(response)["message"] == f"Validation failed for {message}"

    def test_a_payload_over_the_body_limit_is_413(self, moderator: Caller) -> None:
        body = {"event_type": "log", "source": "app-x", "payload": {"k": "v" * 1_048_570}}
        response = moderator.api.post(f"{API}/events", json_body=body)
        assert response.status_code == 413
        assert error(response)["code"] == "PAYLOAD_TOO_LARGE"

    def test_limits_count_utf8_bytes(self, alice: Caller) -> None:
        # 100 two-byte characters: 100 characters but 200 bytes.
        response = post_event(alice.api, "app-" + "é" * 100)
        assert response.status_code == 400
        assert "Source too long" in error(response)["message"]

    def test_values_at_the_limit_pass(self, alice: Caller) -> None:
        ok = post_event(alice.api, "s" * 200, message="m" * 10_000, level="l" * 20)
        assert ok.status_code == 200

    def test_wrong_shapes_are_422(self, alice: Caller) -> None:
        response = alice.api.post(f"{API}/events", json_body={"event_type": "log"})
        assert response.status_code == 422
        response = post_event(alice.api, tags=["not", "an", "object"])
        assert response.status_code == 422


class TestReadPrivacy:
    def test_users_see_only_the_events_they_wrote(
        self, alice: Caller, bob: Caller, moderator: Caller, admin: Caller
    ) -> None:
        alice_event = post_event(alice.api, "alice-api").json()["data"]
        bob_event = post_event(bob.api, "bob-api").json()["data"]
        bob_app = post_event(bob.api, "app-shared").json()["data"]
        system = post_event(admin.api, "system-core").json()["data"]

        def ids(caller: Caller) -> set[str]:
            return {e["id"] for e in caller.api.get(f"{API}/events").json()["data"]}

        assert ids(alice) == {alice_event["id"]}
        assert ids(bob) == {bob_event["id"], bob_app["id"]}
        assert ids(moderator) == {alice_event["id"], bob_event["id"], bob_app["id"], system["id"]}

        hidden = alice.api.get(f"{API}/events/{bob_event['id']}")
        assert hidden.status_code == 404
        assert error(hidden)["message"] == "Event not found"
        assert moderator.api.get(f"{API}/events/{bob_event['id']}").status_code == 200

    def test_a_name_prefix_grants_nothing(self, alice: Caller) -> None:
        """`alice` must not read what `alice-shadow` wrote, even under sources named after her."""
        shadow = caller(Role.USER, "alice-shadow")
        written = [
            post_event(shadow.api, source).json()["data"]["id"]
            for source in ("alice", "alice-api", f"user-{alice.user.id}-worker")
        ]
        assert alice.api.get(f"{API}/events").json()["data"] == []
        for event_id in written:
            assert alice.api.get(f"{API}/events/{event_id}").status_code == 404
        assert len(shadow.api.get(f"{API}/events").json()["data"]) == 3

    def test_deleting_a_user_deletes_their_events(self, alice: Caller, moderator: Caller) -> None:
        from shared import db

        post_event(alice.api, "alice-api")
        db.connection().execute("DELETE FROM users WHERE id = %s", (alice.user.id,))
        assert moderator.api.get(f"{API}/events").json()["data"] == []


def test_missing_event_is_404_without_the_id(alice: Caller) -> None:
    missing = uuid.uuid4()
    response = alice.api.get(f"{API}/events/{missing}")
    assert response.status_code == 404
    assert error(response) == {"code": "NOT_FOUND", "message": "Event not found"}
    assert str(missing) not in response.text


def test_bad_event_id_is_400(alice: Caller) -> None:
    assert alice.api.get(f"{API}/events/not-a-uuid").status_code == 400


class TestPagination:
    def test_default_limit_is_50(self, alice: Caller) -> None:
        for _ in range(55):
            post_event(alice.api)
        assert len(alice.api.get(f"{API}/events").json()["data"]) == 50
        page = alice.api.get(f"{API}/events", params={"limit": 10, "offset": 50})
        assert len(page.json()["data"]) == 5

    @pytest.mark.parametrize(
        "params", [{"limit": -1}, {"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "x"}]
    )
    def test_bad_limits_are_400(self, alice: Caller, params: dict[str, Any]) -> None:
        assert alice.api.get(f"{API}/events", params=params).status_code == 400


def test_authentication_required(anonymous: LambdaClient) -> None:
    assert anonymous.get(f"{API}/events").status_code == 401
    assert post_event(anonymous).status_code == 401


def test_system_events_from_other_modules(moderator: Caller, alice: Caller) -> None:
    from shared.monitoring.system_events import record_event
    from shared.tasks import lifecycle
    from shared.tasks.states import TaskStatus

    task_id = uuid.uuid4()
    lifecycle.record(
        [lifecycle.TaskTransition(task_id, "email", TaskStatus.FAILED, "Task failed: SMTP timeout")]
    )
    record_event("log", "system-dlq", "dead-lettered", "error", {"task_id": str(task_id)})
    found = moderator.api.get(
        f"{API}/events", params={"tags": f"task_id:{task_id},task_type:email"}
    ).json()["data"]
    assert [(e["source"], e["level"], e["message"]) for e in found] == [
        ("system-tasks", "error", "Task failed: SMTP timeout")
    ]
    assert found[0]["tags"]["status"] == "failed"
    assert len(moderator.api.get(f"{API}/events", params={"level": "error"}).json()["data"]) == 2
    assert alice.api.get(f"{API}/events").json()["data"] == []  # system sources stay private
