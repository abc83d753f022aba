"""The projections are a pure function of the event log: after a random workload, rebuilding
them from the log (`starter ledger rebuild`) gives exactly the live tables."""

from __future__ import annotations

import random
import uuid
from typing import Any

from typer.testing import CliRunner

from shared import db
from tests.ledger.conftest import Ledger
from tests.ledger.test_sync import change, push
from tools.cli import app

TABLES = {
    "contacts": "SELECT * FROM contacts ORDER BY owner_id, id",
    "transactions": "SELECT * FROM transactions ORDER BY owner_id, id",
    "balances": "SELECT * FROM balances ORDER BY owner_id, contact_id, currency",
}


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {name: db.connection().execute(q).fetchall() for name, q in TABLES.items()}


def random_workload(client: Ledger, rng: random.Random, batches: int) -> None:
    """Random changes through sync, with a model of versions good enough to make most of them
    apply (the rest are conflicts and refusals, which must change nothing)."""
    contacts: dict[str, int] = {}
    debts: dict[str, int] = {}
    for _ in range(batches):
        changes = []
        for _ in range(rng.randint(1, 12)):
            roll = rng.random()
            if roll < 0.2 or not contacts:
                cid = str(uuid.uuid4())
                changes.append(change("contact", cid, "create", 0, name=f"N{rng.randint(0, 99)}"))
                contacts[cid] = 1
            elif roll < 0.3:
                cid = rng.choice(list(contacts))
                op = rng.choice(["update", "delete", "restore"])
                data = {"note": f"n{rng.random()}"} if op == "update" else {}
                changes.append(change("contact", cid, op, contacts[cid], **data))
                contacts[cid] += 1
            elif roll < 0.65 or not debts:
                tid = str(uuid.uuid4())
                changes.append(
                    change(
                        "transaction",
                        tid,
                        "create",
                        0,
                        contact_id=rng.choice(list(contacts)),
                        direction=rng.choice(["lent", "borrowed"]),
                        amount=rng.randint(1, 10_000),
                        currency=rng.choice(["EUR", "USD", "JPY"]),
                    )
                )
                debts[tid] = 1
            elif roll < 0.8:
                changes.append(
                    change(
                        "transaction",
                        str(uuid.uuid4()),
                        "create",
                        0,
                        settles_id=rng.choice(list(debts)),
                        amount=rng.randint(1, 3000),
                    )
                )
            elif roll < 0.92:
                tid = rng.choice(list(debts))
                changes.append(
                    change(
                        "transaction",
                        tid,
                        "update",
                        debts[tid],
                        amount=rng.randint(1, 10_000),
                        due_at="2027-01-01T00:00:00Z",
                    )
                )
                debts[tid] += 1
            else:
                tid = rng.choice(list(debts))
                changes.append(change("transaction", tid, "delete", debts.pop(tid)))
        results = push(client, "fuzz", *changes)["results"]
        _resync(client, results, contacts, debts)


def _resync(
    client: Ledger, results: list[dict[str, Any]], contacts: dict[str, int], debts: dict[str, int]
) -> None:
    """Take the server's versions as the truth again after conflicts and refusals."""
    for r in results:
        if r["status"] == "applied":
            continue
        target = contacts if r["entity"] == "contact" else debts
        kind = "contacts" if r["entity"] == "contact" else "transactions"
        found = client.get(f"/api/v1/{kind}/{r['entity_id']}")
        if found.status_code == 200:
            target[r["entity_id"]] = found.json()["data"]["version"]
        else:
            target.pop(r["entity_id"], None)


def test_rebuilt_projections_equal_the_live_ones(alice: Ledger, bob: Ledger) -> None:
    rng = random.Random(20261201)
    random_workload(alice, rng, 40)
    random_workload(bob, rng, 15)
    live = snapshot()
    assert len(live["transactions"]) > 50 and any(t["settles_id"] for t in live["transactions"])
    assert any(c["deleted_at"] for c in live["contacts"]) and live["balances"]
    result = CliRunner().invoke(app, ["ledger", "rebuild"])
    assert result.exit_code == 0, result.output
    assert result.output.count("user ") == 2
    assert snapshot() == live


def test_rebuild_repairs_a_damaged_projection(alice: Ledger) -> None:
    ana = alice.contact()["id"]
    alice.lend(ana, 500)
    live = snapshot()
    db.connection().execute("UPDATE balances SET net = 1; DELETE FROM transactions")
    owner = live["contacts"][0]["owner_id"]
    result = CliRunner().invoke(app, ["ledger", "rebuild", "--user", str(owner)])
    assert result.exit_code == 0, result.output
    assert "2 events -> 1 contacts, 1 transactions" in result.output
    assert snapshot() == live
