"""/api/v1/devices through its real Lambda handler: CRUD, validation, authentication,
visibility, filters and sorting applied in SQL, keyset pages, bulk transactions and the audit
trail.
Generated with the group; extend it with your own fields."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from functions.devices.handler import handler
from shared import db
from shared.identity.principal import Role
from tests.lambda_client import LambdaClient
from tests.users import create_user

API = "/api/v1/devices"


@pytest.fixture
def owner(database_url: str) -> LambdaClient:
    return LambdaClient(handler, token=create_user()[1])


@pytest.fixture
def other(database_url: str) -> LambdaClient:
    return LambdaClient(handler, token=create_user()[1])


@pytest.fixture
def moderator(database_url: str) -> LambdaClient:
    return LambdaClient(handler, token=create_user(Role.MODERATOR)[1])


def make(client: LambdaClient, name: str = "First", **fields: Any) -> dict[str, Any]:
    response = client.post(API, json_body={"name": name, **fields})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = response.json()["data"]
    return created


def names(client: LambdaClient, **params: Any) -> list[str]:
    response = client.get(API, params=params)
    assert response.status_code == 200, response.text
    return [i["name"] for i in response.json()["data"]["items"]]


def test_create_read_update_delete(owner: LambdaClient) -> None:
    item = make(owner, "  Padded  ", description="about it", metadata={"team": "a"})
    assert (item["name"], item["status"], item["priority"]) == ("Padded", "active", 0)
    assert item["metadata"] == {"team": "a"}
    assert owner.get(f"{API}/{item['id']}").json()["data"] == item
    body = {"status": "archived", "priority": 7, "description": None}
    changed = owner.put(f"{API}/{item['id']}", json_body=body).json()["data"]
    assert (changed["status"], changed["priority"], changed["description"]) == ("archived", 7, None)
    assert owner.delete(f"{API}/{item['id']}").status_code == 200
    assert owner.get(f"{API}/{item['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "   "}, 400),
        ({"name": "x" * 201}, 422),
        ({}, 422),
        ({"name": "ok", "status": "bogus"}, 422),
        ({"name": "ok", "priority": 101}, 422),
        ({"name": "ok", "metadata": ["not", "an", "object"]}, 422),
        ({"name": "nul\u0000"}, 400),  # the input guard: never reaches the database
    ],
)
def test_bad_input_is_refused_in_the_envelope(
    owner: LambdaClient, body: dict[str, Any], status: int
) -> None:
    response = owner.post(API, json_body=body)
    assert response.status_code == status
    assert response.json()["success"] is False


def test_authentication_is_required(database_url: str) -> None:
    anonymous = LambdaClient(handler)
    assert anonymous.get(API).status_code == 401
    assert anonymous.post(API, json_body={"name": "x"}).status_code == 401


def test_other_users_cannot_see_or_change_a_device(
    owner: LambdaClient, other: LambdaClient, moderator: LambdaClient
) -> None:
    item = make(owner)
    path = f"{API}/{item['id']}"
    assert other.get(path).status_code == 404
    assert other.put(path, json_body={"name": "mine"}).status_code == 404
    assert other.delete(path).status_code == 404
    assert names(other) == []
    assert moderator.put(path, json_body={"name": "Moderated"}).status_code == 200
    assert names(moderator) == ["Moderated"]


@pytest.fixture
def catalogue(owner: LambdaClient) -> list[dict[str, Any]]:
    return [
        make(owner, "apple pie", status="active", priority=5, metadata={"team": "a", "x": 1}),
        make(owner, "banana split", status="pending", priority=1, metadata={"team": "b"}),
        make(owner, "cherry tart", status="archived", priority=9, metadata={"team": "a"}),
        make(owner, "apple crumble", status="inactive", priority=5, description="warm pie"),
    ]


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": ["active", "pending"]}, {"apple pie", "banana split"}),
        ({"priority_min": 5}, {"apple pie", "cherry tart", "apple crumble"}),
        ({"priority_min": 2, "priority_max": 6}, {"apple pie", "apple crumble"}),
        ({"metadata": '{"team": "a"}'}, {"apple pie", "cherry tart"}),
        ({"search": "apple"}, {"apple pie", "apple crumble"}),
        ({"search": "pie"}, {"apple pie", "apple crumble"}),
        ({"status": "archived", "metadata": '{"team": "a"}'}, {"cherry tart"}),
    ],
)
def test_filters_are_applied(
    owner: LambdaClient, params: dict[str, Any], expected: set[str]
) -> None:
    assert set(names(owner, **params)) == expected


def test_created_range_filters(owner: LambdaClient, catalogue: list[dict[str, Any]]) -> None:
    middle = catalogue[2]["created_at"]
    assert set(names(owner, created_after=middle)) == {"cherry tart", "apple crumble"}
    assert set(names(owner, created_before=middle)) == {"apple pie", "banana split"}


@pytest.mark.parametrize("sort_by", ["created_at", "updated_at", "name", "priority"])
@pytest.mark.parametrize("sort_order", ["asc", "desc"])
def test_sorting_is_applied_and_pages_cover_every_row_once(
    owner: LambdaClient, catalogue: list[dict[str, Any]], sort_by: str, sort_order: str
) -> None:
    expected = sorted(catalogue, key=lambda i: (i[sort_by], i["id"]), reverse=sort_order == "desc")
    seen: list[str] = []
    params: dict[str, Any] = {"sort_by": sort_by, "sort_order": sort_order, "limit": 3}
    while True:
        page = owner.get(API, params=params).json()["data"]
        seen += [i["id"] for i in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [i["id"] for i in expected]


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"sort_by": "password"},
        {"sort_order": "sideways"},
        {"priority_min": 6, "priority_max": 2},
        {"metadata": "[1, 2]"},
        {"metadata": "{not json"},
        {"cursor": "garbage"},
        {"limit": 0},
        {"limit": 201},
    ],
)
def test_bad_filters_are_400(owner: LambdaClient, params: dict[str, Any]) -> None:
    response = owner.get(API, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_FAILED"


@pytest.mark.usefixtures("catalogue")
def test_a_cursor_only_continues_its_own_order(owner: LambdaClient) -> None:
    cursor = owner.get(API, params={"limit": 1}).json()["data"]["next_cursor"]
    other_order = owner.get(API, params={"limit": 1, "cursor": cursor, "sort_by": "name"})
    assert other_order.status_code == 400


def _count() -> int:
    row = db.connection().execute("SELECT count(*) AS n FROM devices").fetchone()
    assert row is not None
    return int(row["n"])


def test_bulk_is_for_moderators(owner: LambdaClient) -> None:
    body = {"items": [{"name": "a"}]}
    assert owner.post(f"{API}/bulk/create", json_body=body).status_code == 403
    assert (
        owner.post(f"{API}/bulk/delete", json_body={"ids": [str(uuid.uuid4())]}).status_code == 403
    )


def test_bulk_create_is_all_or_nothing_unless_skipping_errors(moderator: LambdaClient) -> None:
    items = [{"name": "one"}, {"name": "   "}, {"name": "three"}]
    refused = moderator.post(f"{API}/bulk/create", json_body={"items": items})
    assert refused.status_code == 400 and "items[1]" in refused.json()["error"]["message"]
    assert _count() == 0
    body = {"items": items, "skip_errors": True}
    result = moderator.post(f"{API}/bulk/create", json_body=body).json()["data"]
    assert len(result["succeeded"]) == 2
    assert result["failed"] == [
        {"index": 1, "error": "Validation failed for name: must not be blank"}
    ]
    assert _count() == 2


def test_bulk_update_and_delete(moderator: LambdaClient, owner: LambdaClient) -> None:
    first, second = make(owner, "one"), make(owner, "two")
    missing = str(uuid.uuid4())
    updates = [{"id": first["id"], "priority": 3}, {"id": missing, "priority": 4}]
    refused = moderator.post(f"{API}/bulk/update", json_body={"items": updates})
    assert refused.status_code == 400
    assert moderator.get(f"{API}/{first['id']}").json()["data"]["priority"] == 0
    body = {"items": updates, "skip_errors": True}
    result = moderator.post(f"{API}/bulk/update", json_body=body).json()["data"]
    assert result["succeeded"] == [first["id"]] and result["failed"][0]["index"] == 1
    deleted = moderator.post(
        f"{API}/bulk/delete", json_body={"ids": [first["id"], second["id"]]}
    ).json()["data"]
    assert deleted["succeeded"] == [first["id"], second["id"]] and _count() == 0


def test_every_change_is_audited(owner: LambdaClient, moderator: LambdaClient) -> None:
    item = make(owner)
    owner.put(f"{API}/{item['id']}", json_body={"priority": 2})
    moderator.post(f"{API}/bulk/create", json_body={"items": [{"name": "x"}, {"name": "y"}]})
    owner.delete(f"{API}/{item['id']}")
    rows = (
        db.connection()
        .execute(
            "SELECT tags->>'action' AS action, payload->'ids' AS ids FROM events"
            " WHERE source = 'system-devices' ORDER BY recorded_at, id"
        )
        .fetchall()
    )
    assert [r["action"] for r in rows] == ["create", "update", "bulk_create", "delete"]
    assert rows[0]["ids"] == [item["id"]] and len(rows[2]["ids"]) == 2
