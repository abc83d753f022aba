"""Sync: one device pushes 10,000 changes in batches of 100 through the local stack over HTTP
(`python -m tools.devstack`, its own database), and another device pulls them all.

Prints changes/s pushed and pulled, HTTP and SQL round trips, and the ratio of a push batch to
its floor measured in the same run: one authenticated HTTP request through the same stack plus
appending 100 events to the log in their own transaction. Target: ≥ 2,000 changes/s pushed.
Run: `python -m bench sync`."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import BENCH_ENV, bench_database, recording, report, use_environment
from tools import pg
from tools.lambda_events import FakeLambdaContext, http_api_event

CHANGES = 10_000
BATCH = 100
PULL_LIMIT = 1000
CONTACTS_PER_BATCH = 20  # the rest of a batch: transactions with those contacts
REPO = Path(__file__).resolve().parents[1]


@contextmanager
def local_stack(database_url: str) -> Iterator[int]:
    """The local stack in a subprocess on free ports; yields its HTTP port."""
    port = pg.free_port()
    state = Path(tempfile.mkdtemp()) / "stack.json"
    command = [sys.executable, "-m", "tools.devstack", "--port", str(port), "--no-web"]
    command += ["--moto-port", str(pg.free_port()), "--state-file", str(state)]
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url}
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/api/v1/health/live")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the local stack did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


class Client:
    """One keep-alive HTTP connection, as a device's app would hold."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        self.requests = 0

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body)
        self.connection.request(method, path, body=data, headers=self.headers)
        response = self.connection.getresponse()
        payload = response.read()
        self.requests += 1
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload)["data"] if payload else None


def batches(count: int = CHANGES // BATCH) -> list[list[dict[str, Any]]]:
    made = []
    for _ in range(count):
        contacts = [str(uuid.uuid4()) for _ in range(CONTACTS_PER_BATCH)]
        changes = [_change("contact", c, {"name": f"Contact {c[:8]}"}) for c in contacts]
        changes += [
            _change(
                "transaction",
                str(uuid.uuid4()),
                {
                    "contact_id": contacts[n % CONTACTS_PER_BATCH],
                    "direction": "lent",
                    "amount": 100 + n,
                    "currency": "EUR",
                },
            )
            for n in range(BATCH - CONTACTS_PER_BATCH)
        ]
        made.append(changes)
    return made


def _change(entity: str, entity_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "idempotency_key": uuid.uuid4().hex,
        "entity": entity,
        "entity_id": entity_id,
        "op": "create",
        "base_version": 0,
        "data": data,
    }


def push_all(client: Client, work: list[list[dict[str, Any]]]) -> list[float]:
    times = []
    for changes in work:
        started = time.perf_counter()
        result = client.call(
            "POST", "/api/v1/sync/push", {"device_id": "phone", "changes": changes}
        )
        times.append(time.perf_counter() - started)
        assert all(r["status"] == "applied" for r in result["results"]), result["results"][:3]
    return times


def pull_all(client: Client) -> tuple[int, float]:
    cursor, got, started = 0, 0, time.perf_counter()
    while True:
        page = client.call("POST", "/api/v1/sync/pull", {"cursor": cursor, "limit": PULL_LIMIT})
        got += len(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            return got, time.perf_counter() - started


def floor_ms(client: Client) -> tuple[float, float]:
    """p50 of an authenticated request that does nothing (GET /devices, empty), and of one
    batch's events appended the way a push appends them, alone (no checks, no projections)."""
    from shared import db
    from shared.ledger import store
    from shared.ledger.schemas import Entity
    from shared.ledger.state import Event
    from tests.users import create_user

    request = []
    for _ in range(200):
        started = time.perf_counter()
        client.call("GET", "/api/v1/devices")
        request.append((time.perf_counter() - started) * 1000)
    owner = create_user()[0].id
    inserts = []
    for _ in range(50):
        started = time.perf_counter()
        with db.transaction() as conn:
            sequence, now = store.open_stream(conn, owner)
            events = [
                (
                    sequence + n,
                    Event(Entity.CONTACT, uuid.uuid4(), 1, "contact.created", {"name": "x"}, now),
                )
                for n in range(1, BATCH + 1)
            ]
            store.write(conn, owner, "floor", events, {}, {}, [])
        inserts.append((time.perf_counter() - started) * 1000)
    return statistics.median(request), statistics.median(inserts)


def sql_round_trips(token: str) -> int:
    """Statements one push batch of 100 sends (in this process, through the function)."""
    from functions.sync.handler import handler

    body = json.dumps({"device_id": "probe", "changes": batches(1)[0]}).encode()
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    event = http_api_event("POST", "/api/v1/sync/push", headers=headers, body=body)
    with recording() as statements:
        assert handler(event, FakeLambdaContext())["statusCode"] == 200
    return len(statements)


def main() -> None:
    with bench_database() as url:
        use_environment(url)
        from tests.users import create_user

        _, pusher_token = create_user()
        with local_stack(url) as port:
            phone = Client(port, pusher_token)
            laptop = Client(port, pusher_token)  # the same user's other device
            work = batches()
            push_all(phone, work[:2])  # warm the function (its cold start is not sync's cost)
            started = time.perf_counter()
            times = push_all(phone, work[2:])
            elapsed = time.perf_counter() - started
            pushed = (len(work) - 2) * BATCH
            pulled, pull_seconds = pull_all(laptop)
            request_floor, insert_floor = floor_ms(phone)
        _, probe_token = create_user()
        trips = sql_round_trips(probe_token)
    batch_p50 = statistics.median(times) * 1000
    floor = request_floor + insert_floor
    report(
        "sync: one device pushes, another pulls (local stack over HTTP)",
        {
            "pushed": f"{pushed:,} changes in {len(times)} requests of {BATCH}: "
            f"{pushed / elapsed:,.0f} changes/s (target ≥ 2,000)",
            "push batch p50": f"{batch_p50:.1f} ms; floor {floor:.1f} ms "
            f"(request {request_floor:.1f} + appending 100 events {insert_floor:.1f}): "
            f"{batch_p50 / floor:.2f}x",
            "pulled": f"{pulled:,} changes in {laptop.requests} requests of ≤ {PULL_LIMIT}: "
            f"{pulled / pull_seconds:,.0f} changes/s",
            "SQL round trips per push": f"{trips} for {BATCH} changes (pipelined writes)",
        },
    )


if __name__ == "__main__":
    main()
