"""/api/v1/sync: ordered batches, idempotent replays, conflicts instead of overwrites, and a pull
cursor that neither skips nor repeats under concurrent pushes."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

from shared import db
from tests.ledger.conftest import Ledger

PUSH, PULL = "/api/v1/sync/push", "/api/v1/sync/pull"


def change(entity: str, entity_id: str, op: str, base: int, **data: Any) -> dict[str, Any]:
    return {
        "idempotency_key": uuid.uuid4().hex,
        "entity": entity,
        "entity_id": entity_id,
        "op": op,
        "base_version": base,
        "data": data,
    }


def push(client: Ledger, device: str, *changes: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = client.ok(
        "POST", PUSH, json_body={"device_id": device, "changes": list(changes)}
    )
    return result


def event_count() -> int:
    row = db.connection().execute("SELECT count(*) AS n FROM ledger_events").fetchone()
    assert row is not None
    return int(row["n"])


def test_offline_batch_applies_in_order(alice: Ledger) -> None:
    ana, debt = str(uuid.uuid4()), str(uuid.uuid4())
    out = push(
        alice,
        "phone",
        change("contact", ana, "create", 0, name="Ana"),
        change(
            "transaction",
            debt,
            "create",
            0,
            contact_id=ana,
            direction="lent",
            amount=1250,
            currency="EUR",
            occurred_at="2026-11-30T09:00:00Z",
        ),
        change("contact", ana, "update", 1, note="from the phone"),
    )
    assert [(r["status"], r["version"], r["sequence"]) for r in out["results"]] == [
        ("applied", 1, 1),
        ("applied", 1, 2),
        ("applied", 2, 3),
    ]
    assert out["cursor"] == 3
    assert alice.ok("GET", f"/api/v1/contacts/{ana}")["note"] == "from the phone"
    assert alice.ok("GET", f"/api/v1/transactions/{debt}")["amount"] == 1250


def test_replaying_a_batch_changes_nothing_and_answers_the_same(alice: Ledger) -> None:
    ana = str(uuid.uuid4())
    batch = [
        change("contact", ana, "create", 0, name="Ana"),
        change("contact", ana, "update", 1, name="Ana B"),
        change("contact", ana, "update", 1, name="stale"),  # a conflict is replayed too
    ]
    first = push(alice, "phone", *batch)
    events = event_count()
    again = push(alice, "phone", *batch)
    assert again["results"] == first["results"]
    assert event_count() == events
    assert alice.ok("GET", f"/api/v1/contacts/{ana}")["name"] == "Ana B"
    reused = dict(batch[1], data={"name": "other"})
    assert push(alice, "phone", reused)["results"][0]["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_stale_base_version_is_a_conflict_with_the_servers_state(alice: Ledger) -> None:
    ana = str(uuid.uuid4())
    push(alice, "phone", change("contact", ana, "create", 0, name="Ana"))
    push(alice, "laptop", change("contact", ana, "update", 1, name="From laptop"))
    result = push(alice, "phone", change("contact", ana, "update", 1, name="From phone"))
    conflict = result["results"][0]
    assert conflict["status"] == "conflict" and conflict["version"] is None
    assert conflict["server_state"]["name"] == "From laptop"
    assert conflict["server_state"]["version"] == 2
    assert alice.ok("GET", f"/api/v1/contacts/{ana}")["name"] == "From laptop"
    gone = push(alice, "phone", change("contact", str(uuid.uuid4()), "update", 3, name="x"))
    assert gone["results"][0]["status"] == "conflict"
    assert gone["results"][0]["server_state"] is None
    twice = push(alice, "phone", change("contact", ana, "create", 0, name="again"))
    assert twice["results"][0]["status"] == "conflict"


def test_a_refused_change_does_not_block_the_rest(alice: Ledger) -> None:
    ana, bad, good = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    out = push(
        alice,
        "phone",
        change("contact", ana, "create", 0, name="Ana"),
        change(
            "transaction",
            bad,
            "create",
            0,
            contact_id=ana,
            direction="lent",
            amount=12.5,
            currency="EUR",
        ),
        change(
            "transaction",
            good,
            "create",
            0,
            contact_id=ana,
            direction="lent",
            amount=5,
            currency="EUR",
            unknown_field=1,
        ),
        change(
            "transaction",
            good,
            "create",
            0,
            contact_id=ana,
            direction="lent",
            amount=5,
            currency="EUR",
        ),
        change("transaction", str(uuid.uuid4()), "create", 0, settles_id=good, amount=2),
        change("transaction", good, "restore", 1),
    )
    statuses = [(r["status"], (r["error"] or {}).get("code")) for r in out["results"]]
    assert statuses == [
        ("applied", None),
        ("rejected", "VALIDATION_FAILED"),
        ("rejected", "VALIDATION_FAILED"),
        ("applied", None),
        ("applied", None),
        ("rejected", "VALIDATION_FAILED"),
    ]
    assert alice.ok("GET", f"/api/v1/contacts/{ana}/balance")[0]["net"] == 3


def test_bad_batches_are_refused_whole(alice: Ledger) -> None:
    ana = str(uuid.uuid4())
    too_many = [change("contact", ana, "create", 0, name="A") for _ in range(101)]
    for body in (
        {"device_id": "phone", "changes": too_many},
        {"device_id": "phone", "changes": []},
        {"device_id": "bad id!", "changes": [too_many[0]]},
        {"device_id": "phone", "changes": [dict(too_many[0], entity="wallet")]},
        {"device_id": "phone", "changes": [dict(too_many[0], base_version=-1)]},
    ):
        response = alice.post(PUSH, json_body=body)
        assert response.status_code in (400, 422), response.text
    assert event_count() == 0


def test_users_sync_only_their_own_log(alice: Ledger, bob: Ledger) -> None:
    ana = str(uuid.uuid4())
    push(alice, "phone", change("contact", ana, "create", 0, name="Ana"))
    assert bob.ok("POST", PULL, json_body={"cursor": 0})["changes"] == []
    hijack = push(bob, "phone", change("contact", ana, "update", 1, name="mine"))
    assert hijack["results"][0]["status"] == "conflict"
    assert hijack["results"][0]["server_state"] is None  # her contact does not exist for him
    assert alice.ok("GET", f"/api/v1/contacts/{ana}")["name"] == "Ana"


def test_pull_pages_resume_exactly(alice: Ledger) -> None:
    ids = [str(uuid.uuid4()) for _ in range(7)]
    push(
        alice,
        "phone",
        *(change("contact", i, "create", 0, name=f"C{n}") for n, i in enumerate(ids)),
    )
    got, cursor, more = [], 0, True
    while more:
        page = alice.ok("POST", PULL, json_body={"cursor": cursor, "limit": 3})
        got += page["changes"]
        cursor, more = page["cursor"], page["has_more"]
    assert [e["sequence"] for e in got] == list(range(1, 8))
    assert [e["entity_id"] for e in got] == ids
    assert {e["device_id"] for e in got} == {"phone"}
    assert alice.post(PULL, json_body={"cursor": -1}).status_code in (400, 422)


def test_pull_has_no_gap_or_duplicate_under_concurrent_pushes(alice: Ledger) -> None:
    pushers, batches, per_batch = 3, 8, 5
    errors: list[BaseException] = []

    def pusher(device: str) -> None:
        # Each pusher is an execution environment of its own: a connection and an event loop.
        db.current_slot.set(db.ConnectionSlot())
        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            for _ in range(batches):
                changes = [
                    change("contact", str(uuid.uuid4()), "create", 0, name=device)
                    for _ in range(per_batch)
                ]
                push(alice, device, *changes)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=pusher, args=(f"device-{n}",)) for n in range(pushers)]
    for t in threads:
        t.start()
    seen: list[int] = []
    cursor = 0
    while True:
        finished = not any(t.is_alive() for t in threads)
        page = alice.ok("POST", PULL, json_body={"cursor": cursor, "limit": 7})
        seen += [e["sequence"] for e in page["changes"]]
        cursor = page["cursor"]
        if finished and not page["has_more"]:
            break
    assert not errors
    assert seen == list(range(1, pushers * batches * per_batch + 1))
