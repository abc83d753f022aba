"""/api/v1/tasks through the real Lambda handler."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.identity.principal import AuthUser
from shared.tasks import registry
from tests.lambda_client import LambdaClient
from tests.tasks.helpers import sql, task
from tests.tasks.sqs import Queues

User = tuple[AuthUser, str]
BASE = "/api/v1/tasks"


def create(client: LambdaClient, **body: Any) -> dict[str, Any]:
    body.setdefault("task_type", "delay_task")
    body.setdefault("payload", {"delay_seconds": 0})
    response = client.post(BASE, json_body=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_create_returns_the_task_with_metadata_and_enqueues_it(
    api: LambdaClient, user: User, queues: Queues
) -> None:
    c = api.with_token(user[1])
    data = create(c, metadata={"tag": "t1", "n": 3, "flag": False})
    assert data["task_type"] == "delay_task"
    assert data["status"] == "pending" and data["current_attempt"] == 0
    assert data["metadata"] == {"api_created": True, "tag": "t1", "n": 3, "flag": False}
    assert data["priority"] == "normal" and data["max_attempts"] == 5
    assert data["retry_strategy"]["type"] == "exponential"
    assert data["created_by"] == str(user[0].id)
    assert data["created_at"].endswith("Z")
    assert queues.count("TaskQueue") == 1 and queues.count("PriorityTaskQueue") == 0
    assert task(uuid.UUID(data["id"]))["enqueued_at"] is not None


@pytest.mark.parametrize(
    ("given", "stored", "queue"),
    [
        ("high", "high", "PriorityTaskQueue"),
        ("critical", "critical", "PriorityTaskQueue"),
        ("low", "low", "TaskQueue"),
        ("normal", "normal", "TaskQueue"),
    ],
)
def test_priority_mapping_and_queue_routing(
    api: LambdaClient, user: User, queues: Queues, given: Any, stored: str, queue: str
) -> None:
    data = create(api.with_token(user[1]), priority=given)
    assert data["priority"] == stored
    assert queues.count(queue) == 1


def test_user_metadata_may_overwrite_api_created(api: LambdaClient, user: User) -> None:
    assert create(api.with_token(user[1]), metadata={"api_created": "no"})["metadata"] == {
        "api_created": "no"
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"task_type": "nope"},
            "Validation failed for task_type: Task type 'nope' is not "
            "registered. Workers must register task types before tasks can be created.",
        ),
        ({"task_type": ""}, "is not registered"),
        ({"task_type": "x' OR 1=1; --"}, "is not registered"),
        ({"task_type": "a" * 200}, "is not registered"),
        (
            {"metadata": {"bad key!": 1}},
            "Validation failed for request: Metadata keys can only "
            "contain alphanumeric characters, underscores, and hyphens",
        ),
        ({"metadata": {"": 1}}, "Metadata keys must be 1-128 characters long"),
        ({"metadata": {"k": "x" * 5000}}, "Metadata values cannot exceed 4KB"),
        ({"metadata": {f"k{i}": "x" * 500 for i in range(200)}}, "64KB"),
        (
            {"scheduled_at": (datetime.now(UTC) + timedelta(days=400)).isoformat()},
            "Tasks cannot be scheduled more than 365 days in the future",
        ),
        (
            {"scheduled_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat()},
            "Tasks cannot be scheduled more than 1 hour(s) in the past",
        ),
        (
            {"retry_strategy": {"type": "fixed", "max_attempts": 21}},
            "Validation failed for retry_strategy: max_attempts",
        ),
        (
            {"retry_strategy": {"type": "linear", "max_delay_seconds": 90000}},
            "Validation failed for retry_strategy: max_delay_seconds",
        ),
        ({"retry_strategy": {"type": "sometimes"}}, "Validation failed for retry_strategy"),
        ({"timeout_seconds": 0}, "Validation failed for timeout_seconds"),
    ],
)
def test_create_validation(
    api: LambdaClient, user: User, body: dict[str, Any], message: str
) -> None:
    full = {"task_type": "delay_task", "payload": {}, **body}
    response = api.with_token(user[1]).post(BASE, json_body=full)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_FAILED"
    assert message in error["message"]


def test_unregistered_type_wins_over_other_faults(api: LambdaClient, user: User) -> None:
    body = {"task_type": "ghost", "payload": {}, "metadata": {"bad key": 1}}
    response = api.with_token(user[1]).post(BASE, json_body=body)
    assert "not registered" in response.json()["error"]["message"]


def test_inactive_type_is_rejected(api: LambdaClient, user: User, admin: User) -> None:
    r = api.with_token(admin[1]).post(
        f"{BASE}/types", json_body={"task_type": "delay_task", "is_active": False}
    )
    assert r.status_code == 200 and r.json()["data"]["is_active"] is False
    response = api.with_token(user[1]).post(
        BASE, json_body={"task_type": "delay_task", "payload": {}}
    )
    assert response.status_code == 400
    assert "not registered" in response.json()["error"]["message"]


def test_shape_errors(api: LambdaClient, user: User) -> None:
    c = api.with_token(user[1])
    assert c.post(BASE, json_body={"task_type": "delay_task"}).status_code == 422
    assert (
        c.post(BASE, body="{not json", headers={"content-type": "application/json"}).status_code
        == 400
    )
    assert (
        c.post(
            BASE, json_body={"task_type": "delay_task", "payload": {}, "scheduled_at": "tomorrow"}
        ).status_code
        == 422
    )


def test_retry_strategy_is_stored_with_defaults(api: LambdaClient, user: User) -> None:
    data = create(
        api.with_token(user[1]),
        retry_strategy={"type": "linear", "increment_seconds": 5, "max_attempts": 7},
    )
    assert data["max_attempts"] == 7
    assert data["retry_strategy"] == {
        "type": "linear",
        "base_delay_seconds": 1.0,
        "increment_seconds": 5.0,
        "max_delay_seconds": 300.0,
        "max_attempts": 7,
        "jitter": True,
    }
    none = create(api.with_token(user[1]), retry_strategy={"type": "none"})
    assert none["max_attempts"] == 1


# ---- task types -----------------------------------------------------------------------------


def test_types_are_public_and_synced_from_the_registry(api: LambdaClient) -> None:
    response = api.get(f"{BASE}/types")
    assert response.status_code == 200
    names = [t["task_type"] for t in response.json()["data"]]
    assert "delay_task" in names and names == sorted(names)


def test_every_type_offers_an_example_its_handler_accepts(api: LambdaClient, user: User) -> None:
    types = {t["task_type"]: t for t in api.get(f"{BASE}/types").json()["data"]}
    builtins = [h for h in registry.handlers() if h.fn.__module__.startswith("shared.")]
    assert len(builtins) == 7
    for handler in builtins:
        name, out = handler.name, types[handler.name]
        assert out["example_payload"] is not None, name
        handler.payload_model.model_validate(out["example_payload"])
        if name != "webhook":  # admission resolves the URL's host: no DNS here
            create(api.with_token(user[1]), task_type=name, payload=out["example_payload"])


def test_daily_counts_are_zero_filled_and_for_moderators(
    api: LambdaClient, user: User, moderator: User
) -> None:
    done = create(api.with_token(user[1]))
    sql("UPDATE tasks SET status = 'completed', completed_at = now() WHERE id = %s", done["id"])
    create(api.with_token(user[1]))
    assert api.with_token(user[1]).get(f"{BASE}/stats/daily").status_code == 403
    days = api.with_token(moderator[1]).get(f"{BASE}/stats/daily", params={"days": "3"})
    data = days.json()["data"]
    assert [d["created"] for d in data] == [0, 0, 2]
    assert [(d["completed"], d["failed"]) for d in data] == [(0, 0), (0, 0), (1, 0)]
    assert data[-1]["day"] == datetime.now(UTC).date().isoformat()
    for bad in ("0", "367", "x"):
        response = api.with_token(moderator[1]).get(f"{BASE}/stats/daily", params={"days": bad})
        assert response.status_code == 400, bad


def test_type_admin_endpoint(api: LambdaClient, user: User, moderator: User, admin: User) -> None:
    body = {"task_type": "delay_task", "description": "Sleeps"}
    assert api.post(f"{BASE}/types", json_body=body).status_code == 401
    assert api.with_token(user[1]).post(f"{BASE}/types", json_body=body).status_code == 403
    assert api.with_token(moderator[1]).post(f"{BASE}/types", json_body=body).status_code == 403
    a = api.with_token(admin[1])
    data = a.post(f"{BASE}/types", json_body=body).json()["data"]
    assert data["description"] == "Sleeps" and data["is_active"] is True
    a.post(f"{BASE}/types", json_body={"task_type": "delay_task", "is_active": False})
    names = [t["task_type"] for t in api.get(f"{BASE}/types").json()["data"]]
    assert "delay_task" not in names
    data = a.post(f"{BASE}/types", json_body={"task_type": "delay_task", "is_active": True}).json()[
        "data"
    ]
    assert data["is_active"] is True and data["description"] == "Sleeps"
    unknown = a.post(f"{BASE}/types", json_body={"task_type": "made_up", "description": "x"})
    assert unknown.status_code == 400
    assert "No handler is registered" in unknown.json()["error"]["message"]


# ---- reads ----------------------------------------------------------------------------------


def test_list_filters_pagination_and_priority_order(api: LambdaClient, user: User) -> None:
    c = api.with_token(user[1])
    ids = {p: create(c, priority=p)["id"] for p in ("low", "normal", "critical", "high")}
    listed = c.get(BASE).json()["data"]
    assert [t["priority"] for t in listed] == ["critical", "high", "normal", "low"]
    assert "payload" not in listed[0]
    assert len(c.get(BASE, params={"limit": 2}).json()["data"]) == 2
    assert c.get(BASE, params={"limit": 2, "offset": 3}).json()["data"][0]["id"] == ids["low"]
    assert [t["id"] for t in c.get(BASE, params={"priority": "high"}).json()["data"]] == [
        ids["high"]
    ]
    for bad, allowed in (
        ({"priority": "' OR 1=1 --"}, "critical"),
        ({"priority": "urgent"}, "critical"),
        ({"status": "bogus"}, "retrying"),
    ):
        response = c.get(BASE, params=bad)
        assert response.status_code == 400 and allowed in response.text, response.text
    sql("UPDATE tasks SET status = 'failed' WHERE id = %s", ids["low"])
    assert [t["id"] for t in c.get(BASE, params={"status": "failed"}).json()["data"]] == [
        ids["low"]
    ]
    assert len(c.get(BASE, params={"status": "pending"}).json()["data"]) == 3
    assert len(c.get(BASE, params={"task_type": "delay_task"}).json()["data"]) == 4
    assert c.get(BASE, params={"task_type": "other"}).json()["data"] == []
    assert c.get(BASE, params={"task_type": "bad\x00name"}).status_code == 400  # input guard


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 1001}, {"limit": -1}, {"offset": -5}, {"limit": "abc"}]
)
def test_bad_pagination_is_a_400(api: LambdaClient, user: User, params: dict[str, Any]) -> None:
    for path in (BASE, f"{BASE}/dead-letter"):
        assert api.with_token(user[1]).get(path, params=params).status_code == 400


def test_lists_are_isolated_per_user(
    api: LambdaClient, user: User, other_user: User, moderator: User
) -> None:
    mine = create(api.with_token(user[1]))["id"]
    theirs = create(api.with_token(other_user[1]))["id"]
    sql("INSERT INTO tasks (task_type, payload) VALUES ('delay_task', '{}')")  # a system task
    assert [t["id"] for t in api.with_token(user[1]).get(BASE).json()["data"]] == [mine]
    everything = api.with_token(moderator[1]).get(BASE).json()["data"]
    assert len(everything) == 3
    filtered = (
        api.with_token(moderator[1])
        .get(BASE, params={"created_by": str(other_user[0].id)})
        .json()["data"]
    )
    assert [t["id"] for t in filtered] == [theirs]
    ignored = (
        api.with_token(user[1])
        .get(BASE, params={"created_by": str(other_user[0].id)})
        .json()["data"]
    )
    assert [t["id"] for t in ignored] == [mine]


def test_get_returns_payload_result_and_attempts(api: LambdaClient, user: User) -> None:
    c = api.with_token(user[1])
    tid = create(c, payload={"delay_seconds": 0, "task_id": "abc"})["id"]
    data = c.get(f"{BASE}/{tid}").json()["data"]
    assert data["payload"] == {"delay_seconds": 0, "task_id": "abc"}
    assert data["attempts"] == [] and data["result"] is None


def test_missing_and_foreign_tasks_are_404(api: LambdaClient, user: User, other_user: User) -> None:
    c = api.with_token(user[1])
    theirs = create(api.with_token(other_user[1]))["id"]
    sql("UPDATE tasks SET status = 'failed' WHERE id = %s", theirs)
    for tid in (str(uuid.uuid4()), theirs):
        r = c.get(f"{BASE}/{tid}")
        assert r.status_code == 404 and r.json()["error"]["message"] == "Task not found"
        assert c.post(f"{BASE}/{tid}/cancel").status_code == 404
        assert c.post(f"{BASE}/{tid}/retry").status_code == 404
        assert c.delete(f"{BASE}/{tid}").status_code == 404
    assert c.get(f"{BASE}/not-a-uuid").status_code == 400


def test_system_tasks_are_invisible_to_regular_users(
    api: LambdaClient, user: User, moderator: User
) -> None:
    sql(
        "INSERT INTO tasks (id, task_type, payload) VALUES "
        "('00000000-0000-0000-0000-000000000001', 'delay_task', '{}')"
    )
    path = f"{BASE}/00000000-0000-0000-0000-000000000001"
    assert api.with_token(user[1]).get(path).status_code == 404
    assert api.with_token(moderator[1]).get(path).status_code == 200


def test_every_endpoint_needs_auth(api: LambdaClient) -> None:
    tid = uuid.uuid4()
    for method, path in [
        ("POST", BASE),
        ("GET", BASE),
        ("GET", f"{BASE}/stats"),
        ("GET", f"{BASE}/dead-letter"),
        ("GET", f"{BASE}/{tid}"),
        ("POST", f"{BASE}/{tid}/cancel"),
        ("POST", f"{BASE}/{tid}/retry"),
        ("DELETE", f"{BASE}/{tid}"),
    ]:
        body = {"task_type": "delay_task", "payload": {}} if method == "POST" else None
        assert api.request(method, path, json_body=body).status_code == 401, path


# ---- cancel / retry / delete ------------------------------------------------------------


def test_cancel(api: LambdaClient, user: User) -> None:
    c = api.with_token(user[1])
    tid = create(c)["id"]
    r = c.post(f"{BASE}/{tid}/cancel")
    assert r.status_code == 200
    assert r.json()["data"] == "Task cancelled successfully"
    assert r.json()["message"] == f"Task {tid} has been cancelled"
    assert c.get(f"{BASE}/{tid}").json()["data"]["status"] == "cancelled"
    again = c.post(f"{BASE}/{tid}/cancel")
    assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT"
    assert "'cancelled'" in again.json()["error"]["message"]
    running = create(c)["id"]
    sql("UPDATE tasks SET status = 'running' WHERE id = %s", running)
    assert "'running'" in c.post(f"{BASE}/{running}/cancel").json()["error"]["message"]
    retrying = create(c)["id"]
    sql("UPDATE tasks SET status = 'retrying' WHERE id = %s", retrying)
    assert c.post(f"{BASE}/{retrying}/cancel").status_code == 200


def test_retry(api: LambdaClient, user: User, queues: Queues, worker: Any) -> None:
    c = api.with_token(user[1])
    tid = create(c)["id"]
    queues.pump(worker)
    r = c.post(f"{BASE}/{tid}/retry")
    assert r.status_code == 409
    assert "'completed'" in r.json()["error"]["message"]
    sql(
        "UPDATE tasks SET status = 'failed', last_error = 'boom', current_attempt = 5 "
        "WHERE id = %s",
        tid,
    )
    r = c.post(f"{BASE}/{tid}/retry")
    assert r.status_code == 200 and r.json()["success"] is True
    assert r.json()["data"] == "Task retried successfully"
    assert r.json()["message"] == f"Task {tid} has been reset to pending status"
    data = c.get(f"{BASE}/{tid}").json()["data"]
    assert data["status"] == "pending" and data["current_attempt"] == 0
    assert data["last_error"] is None and data["attempts"] == []
    assert queues.count("TaskQueue") == 1  # enqueued at once
    queues.pump(worker)
    assert c.get(f"{BASE}/{tid}").json()["data"]["status"] == "completed"


def test_delete(api: LambdaClient, user: User) -> None:
    c = api.with_token(user[1])
    tid = create(c)["id"]
    r = c.delete(f"{BASE}/{tid}")
    assert r.status_code == 409 and "'pending'" in r.json()["error"]["message"]
    sql("UPDATE tasks SET status = 'completed' WHERE id = %s", tid)
    r = c.delete(f"{BASE}/{tid}")
    assert r.status_code == 200
    assert r.json()["data"] == "Task deleted successfully"
    assert r.json()["message"] == f"Task {tid} has been permanently deleted"
    assert c.get(f"{BASE}/{tid}").status_code == 404


def test_owner_and_moderator_may_act(api: LambdaClient, user: User, moderator: User) -> None:
    tid = create(api.with_token(user[1]))["id"]
    assert api.with_token(moderator[1]).post(f"{BASE}/{tid}/cancel").status_code == 200
    assert api.with_token(moderator[1]).delete(f"{BASE}/{tid}").status_code == 200


def test_concurrent_cancels_end_in_valid_states(api: LambdaClient, user: User) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    c = api.with_token(user[1])
    ids = [create(c)["id"] for _ in range(3)]
    # Mangum needs an event loop in each thread.
    with ThreadPoolExecutor(
        3, initializer=lambda: asyncio.set_event_loop(asyncio.new_event_loop())
    ) as pool:
        codes = list(pool.map(lambda t: c.post(f"{BASE}/{t}/cancel").status_code, ids * 2))
    assert codes.count(200) == 3 and set(codes) <= {200, 409}
    assert {task(uuid.UUID(t))["status"] for t in ids} == {"cancelled"}


# ---- dead letter and stats ----------------------------------------------------------------


def test_dead_letter_pages_are_full_for_regular_users(
    api: LambdaClient, user: User, other_user: User, moderator: User
) -> None:
    mine = [create(api.with_token(user[1]))["id"] for _ in range(3)]
    theirs = [create(api.with_token(other_user[1]))["id"] for _ in range(5)]
    sql("UPDATE tasks SET status = 'failed', last_error = 'x'")
    page = api.with_token(user[1]).get(f"{BASE}/dead-letter", params={"limit": 2}).json()["data"]
    assert len(page) == 2 and {t["id"] for t in page} <= set(mine)
    rest = (
        api.with_token(user[1])
        .get(f"{BASE}/dead-letter", params={"limit": 2, "offset": 2})
        .json()["data"]
    )
    assert len(rest) == 1 and {t["status"] for t in page + rest} == {"failed"}
    everything = api.with_token(moderator[1]).get(f"{BASE}/dead-letter").json()["data"]
    assert {t["id"] for t in everything} == set(mine + theirs)


def test_stats(api: LambdaClient, user: User, moderator: User, admin: User) -> None:
    r = api.with_token(user[1]).get(f"{BASE}/stats")
    assert r.status_code == 403 and r.json()["error"]["message"] == "Moderator access required"
    c = api.with_token(user[1])
    ids = [create(c, priority=p)["id"] for p in ("high", "low", "low", "normal")]
    sql(
        "UPDATE tasks SET status = 'completed', started_at = now() - interval '2 seconds', "
        "completed_at = now() WHERE id = ANY(%s::uuid[])",
        ids[:2],
    )
    sql("UPDATE tasks SET status = 'failed' WHERE id = %s", ids[2])
    sql("UPDATE tasks SET scheduled_at = now() - interval '1 minute' WHERE id = %s", ids[3])
    data = api.with_token(admin[1]).get(f"{BASE}/stats").json()["data"]
    assert (data["total"], data["completed"], data["failed"], data["pending"]) == (4, 2, 1, 1)
    assert data["success_rate"] == pytest.approx(2 / 3)
    assert data["avg_duration_ms"] == pytest.approx(2000, abs=50)
    assert data["p95_duration_ms"] == pytest.approx(2000, abs=50)
    assert data["queue_lag_seconds"] >= 59
    assert data["by_type"]["delay_task"]["total"] == 4
    assert list(data["by_priority"]) == ["critical", "high", "normal", "low"]
    assert data["by_priority"]["low"]["completed"] == 1
    assert api.with_token(moderator[1]).get(f"{BASE}/stats").status_code == 200


def test_end_to_end_metadata_survives_the_worker(
    api: LambdaClient, user: User, queues: Queues, worker: Any
) -> None:
    c = api.with_token(user[1])
    meta = {"tag": "e2e", "chaos_test": True, "run": 7}
    tid = create(c, payload={"delay_seconds": 0, "task_id": "e2e"}, metadata=meta)["id"]
    queues.pump(worker)
    data = c.get(f"{BASE}/{tid}").json()["data"]
    assert data["status"] == "completed" and data["current_attempt"] == 1
    assert data["metadata"] == {"api_created": True, **meta}
    assert data["result"]["task_id"] == "e2e" and data["result"]["status"] == "completed"
    assert [a["outcome"] for a in data["attempts"]] == ["success"]
    assert data["attempts"][0]["finished_at"].endswith("Z")
    listed = c.get(BASE).json()["data"]
    assert listed[0]["metadata"] == data["metadata"] and listed[0]["status"] == "completed"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"task_type": "delay_task", "payload": {"x": NaN}}', "NaN or Infinity"),
        ('{"task_type": "delay_task", "payload": {"x": "a\\u0000b"}}', "NUL characters"),
        (
            '{"task_type": "delay_task", "payload": {}, "metadata": {"k": Infinity}}',
            "NaN or Infinity",
        ),
    ],
)
def test_unstorable_json_is_a_400_not_a_500(
    api: LambdaClient, user: User, raw: str, message: str
) -> None:
    response = api.with_token(user[1]).post(
        BASE, body=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]["message"]


def test_payloads_over_1mb_are_refused_by_the_service(tasks_db: str) -> None:
    """Over HTTP the 1 MiB body limit answers first (413); other callers meet this rule."""
    from shared.errors import ValidationFailed
    from shared.tasks import service

    with pytest.raises(ValidationFailed, match="Task payload cannot exceed 1MB"):
        service.submit("data_processing", {"blob": "x" * 1_100_000})


@pytest.mark.parametrize("priority", ["urgent", "URGENT'; DROP TABLE tasks;--", 7, ""])
def test_an_unknown_priority_is_refused_with_the_allowed_values(
    api: LambdaClient, user: User, priority: Any
) -> None:
    response = api.with_token(user[1]).post(
        BASE, json_body={"task_type": "delay_task", "payload": {}, "priority": priority}
    )
    assert response.status_code == 422
    assert "'low', 'normal', 'high' or 'critical'" in response.json()["error"]["message"]


@pytest.mark.parametrize("when", ["0.5", "1700000000", "tomorrow", "2026-13"])
def test_timestamps_must_be_iso_8601(api: LambdaClient, user: User, when: str) -> None:
    response = api.with_token(user[1]).post(
        BASE, json_body={"task_type": "delay_task", "payload": {}, "scheduled_at": when}
    )
    assert response.status_code == 422
    assert "ISO 8601" in response.json()["error"]["message"]
