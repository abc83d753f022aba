"""Chaos run of the task engine at scale (not in CI: it takes a few minutes).

10,000 tasks; several worker processes polling SQS (a moto server with template.yaml's queues,
redrive included) as Lambda's event source mapping does; the sweeper every second as its
schedule would; and on top:

- 30 % of handler runs fail with a transient error (retried with the task's strategy);
- a duplicate message for 10 % of the tasks, sent as they are written (at-least-once delivery);
- one worker process killed with SIGKILL mid-run (a Lambda environment lost mid-batch),
  and a fresh one started;
- PostgreSQL stopped for 15 s mid-run, then started again.

Every task must reach a final state, once: none lost, none run again after its outcome was
recorded. Each successful handler run writes a row to `chaos_runs` on its own connection, so a
second run of one task is visible. The one re-run the engine allows is at-least-once by design:
an attempt whose outcome could not be recorded (its worker was killed, or the database stopped
between the handler's return and the outcome's commit) runs again when its lease expires. Those
are reported apart, each traced to the lost attempt; any other second run is a failure.

Run: `make chaos` (or `python -m bench.chaos --tasks 2000` for a shorter run).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from bench.common import moto_server
from tools import pg

TASK_TYPE = "chaos_task"
FAULT_RATE = 0.3
DUPLICATE_SHARE = 0.1
OUTAGE_SECONDS = 15.0
WORKERS = 3
WORK_SECONDS = 0.05  # each run takes this long, so a batch is in flight when a worker is killed
# Tasks in flight at once. moto's SQS reads cost grows with queue depth (about 5 ms for a
# receive from an empty queue, 600 ms with 1,000 messages waiting), so the run releases tasks as
# they finish, as clients submitting at the rate the system drains would.
WINDOW = 200
RETRY = {"type": "fixed", "interval_seconds": 0.5, "max_attempts": 10, "jitter": True}

# The engine's clocks, shortened so the run takes minutes, not hours (same code paths).
ENGINE_ENV = {
    "TASK_LEASE_MARGIN_SECONDS": "1",
    "TASK_ENQUEUE_GRACE_SECONDS": "2",
    "TASK_RESEND_AFTER_SECONDS": "20",
    "TASK_REDELIVERY_BASE_SECONDS": "1",
    "TASK_SWEEP_BATCH_SIZE": "2000",
    # The breaker is for a failing dependency; the injected faults are random, and would trip it
    # (it has its own tests).
    "TASK_BREAKER_FAILURE_THRESHOLD": "1000",
    "ENVIRONMENT": "test",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "CRITICAL",
    "POWERTOOLS_SERVICE_NAME": "serverless-starter",
    "POWERTOOLS_METRICS_NAMESPACE": "ServerlessStarter",
    "REQUEST_METRICS_ENABLED": "false",
    "AWS_ACCESS_KEY_ID": "chaos",
    "AWS_SECRET_ACCESS_KEY": "chaos",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class ChaosPayload(BaseModel):
    n: int


_local = threading.local()


def _runs_connection() -> psycopg.Connection[Any]:
    conn: psycopg.Connection[Any] | None = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True, connect_timeout=2)
        _local.conn = conn
    return conn


def register_handler() -> None:
    from shared.tasks.registry import TaskContext, TransientTaskError, task_handler

    @task_handler(TASK_TYPE, "Fails 30 % of runs; records each success", ChaosPayload)
    def chaos_task(payload: ChaosPayload, ctx: TaskContext) -> dict[str, int]:
        try:
            _runs_connection().execute(
                "INSERT INTO chaos_starts (task_id, pid) VALUES (%s, %s)",
                (ctx.task_id, os.getpid()),
            )
        except psycopg.Error as error:
            _local.conn = None
            raise TransientTaskError(f"could not record the start: {error}") from None
        time.sleep(WORK_SECONDS)
        if random.random() < FAULT_RATE:  # fault injection, not security
            raise TransientTaskError("injected fault")
        try:
            _runs_connection().execute(
                "INSERT INTO chaos_runs (task_id, attempt, pid) VALUES (%s, %s, %s)",
                (ctx.task_id, ctx.attempt, os.getpid()),
            )
        except psycopg.Error as error:
            _local.conn = None
            raise TransientTaskError(f"could not record the run: {error}") from None
        return {"n": payload.n}


def worker_main() -> None:
    """One worker process: polls the task queues and invokes the worker handler until killed."""
    register_handler()
    from functions.worker.handler import handler
    from tools.devstack.sqs import Binding, Poller, sqs_client
    from tools.devstack.template import load, parse

    template = parse(load())
    worker = template.functions["WorkerFunction"]
    sqs = sqs_client(os.environ["AWS_ENDPOINT_URL"])
    queues = {
        q.logical_id: q for q in _local_queues(sqs) if q.logical_id in {s.queue for s in worker.sqs}
    }
    bindings = sorted(
        (Binding(queues[s.queue], s) for s in worker.sqs),
        key=lambda b: "priority" not in b.queue.logical_id.lower(),
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    Poller(sqs, "WorkerFunction", bindings, handler, worker.timeout, stop, 0.05).run()


def _local_queues(sqs: Any) -> list[Any]:
    from tools.devstack.sqs import LocalQueue

    found = []
    for url in sqs.list_queues().get("QueueUrls", []):
        name = url.rsplit("/", 1)[1]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        found.append(LocalQueue(os.environ[f"CHAOS_ID_{name}"], name, url, arn["QueueArn"]))
    return found


class Run:
    def __init__(self, tasks: int) -> None:
        self.tasks = tasks
        self.data_dir = pg.data_dir_for("pg-chaos")
        self.port = pg.free_port()
        self.events: list[tuple[float, str]] = []
        self.started = time.monotonic()
        self.workers: list[subprocess.Popen[bytes]] = []
        self.killed_pid: int | None = None
        self.outage: tuple[float, float] | None = None  # wall-clock start, end
        self.stop = threading.Event()
        self.duplicates = 0
        self.back_at: datetime | None = None  # wall clock: PostgreSQL accepts connections again
        self.backlog = 0  # tasks not final when it stopped

    def note(self, what: str) -> None:
        self.events.append((time.monotonic() - self.started, what))
        print(f"  {time.monotonic() - self.started:6.1f} s  {what}", flush=True)

    # -- setup -------------------------------------------------------------------------------

    def start_database(self) -> str:
        pg.stop(self.data_dir)  # a cluster left by an interrupted run would keep its old port
        cluster = pg.start(self.data_dir, self.port, durable=False)
        name = f"chaos_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(cluster.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return cluster.url(name)

    def create_queues(self) -> dict[str, str]:
        """template.yaml's queues, redrive included, on the moto server."""
        from tools.devstack.sqs import create_queues, sqs_client
        from tools.devstack.template import load, parse

        created = create_queues(
            sqs_client(os.environ["AWS_ENDPOINT_URL"]), parse(load()).queues.values()
        )
        for queue in created.values():
            os.environ[f"CHAOS_ID_{queue.name}"] = queue.logical_id
        os.environ["TASK_QUEUE_URL"] = created["TaskQueue"].url
        os.environ["PRIORITY_TASK_QUEUE_URL"] = created["PriorityTaskQueue"].url
        return {q.logical_id: q.url for q in created.values()}

    def prepare(self, url: str) -> None:
        from shared.jobs.deploy import apply
        from shared.tasks.service import sync_task_types

        apply(url)
        register_handler()
        sync_task_types(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE chaos_runs (task_id uuid NOT NULL, attempt int NOT NULL,"
                " pid int NOT NULL, ran_at timestamptz NOT NULL DEFAULT clock_timestamp())"
            )
            conn.execute("CREATE TABLE chaos_starts (task_id uuid NOT NULL, pid int NOT NULL)")

    def release(self, url: str, count: int, urls: dict[str, str]) -> int:
        """`count` more tasks, written unsent: the sweeper (the outbox) sends them, as after a
        burst of API calls whose sends failed. A tenth also get a duplicate message at once."""
        from tools.devstack.sqs import sqs_client

        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=2) as conn:
                ids = [
                    row[0]
                    for row in conn.execute(
                        "INSERT INTO tasks (task_type, payload, retry_strategy, max_attempts,"
                        " timeout_seconds, updated_at)"
                        " SELECT %s, jsonb_build_object('n', n), %s, %s, 5,"
                        "        now() - interval '1 hour'"
                        " FROM generate_series(1, %s) AS n RETURNING id",
                        (TASK_TYPE, Jsonb(RETRY), RETRY["max_attempts"], count),
                    ).fetchall()
                ]
        except psycopg.OperationalError:
            return 0  # the database is down: release them later
        chosen = random.sample(ids, int(len(ids) * DUPLICATE_SHARE))
        sqs = sqs_client(os.environ["AWS_ENDPOINT_URL"])
        for i in range(0, len(chosen), 10):
            sqs.send_message_batch(
                QueueUrl=urls["TaskQueue"],
                Entries=[
                    {"Id": str(n), "MessageBody": f'{{"task_id": "{task_id}"}}'}
                    for n, task_id in enumerate(chosen[i : i + 10])
                ],
            )
        self.duplicates += len(chosen)
        return len(ids)

    # -- the moving parts --------------------------------------------------------------------

    def spawn_worker(self) -> None:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.chaos", "--worker"], env=os.environ.copy()
        )
        self.workers.append(process)

    def kill_mid_batch(self, url: str) -> None:
        """SIGKILL the first worker while a handler of its batch is running, then start a
        fresh one, as Lambda would."""
        victim = self.workers[0]
        running = (
            "SELECT count(*) FROM chaos_starts s JOIN tasks t ON t.id = s.task_id"
            " WHERE s.pid = %s AND t.status = 'running'"
        )
        with psycopg.connect(url, autocommit=True) as conn:
            for _ in range(1000):
                row = conn.execute(running, (victim.pid,)).fetchone()
                if row and row[0]:
                    break
                time.sleep(0.005)
            victim.kill()
            victim.wait()
            row = conn.execute(running, (victim.pid,)).fetchone()
        self.killed_pid = victim.pid
        self.note(
            f"SIGKILL worker {victim.pid} with {row[0] if row else 0} task(s) running;"
            " started a fresh one"
        )
        self.spawn_worker()

    def sweeper_loop(self) -> None:
        from shared import db
        from shared.tasks.sweeper import sweep

        while not self.stop.is_set():
            try:
                sweep()
            except Exception:  # the database is down: the next tick retries
                db.reset()
            self.stop.wait(1.0)

    def final_count(self, url: str) -> int | None:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM tasks WHERE task_type = %s"
                    " AND status IN ('completed', 'failed', 'cancelled')",
                    (TASK_TYPE,),
                ).fetchone()
                return int(row[0]) if row else 0
        except psycopg.OperationalError:
            return None

    def run(self) -> dict[str, Any]:
        os.environ.update(ENGINE_ENV)
        url = self.start_database()
        os.environ["DATABASE_URL"] = url
        with moto_server():
            try:
                return self.chaos(url, self.create_queues())
            finally:
                self.stop.set()
                for worker in self.workers:
                    worker.terminate()
                for worker in self.workers:
                    try:
                        worker.wait(10)
                    except subprocess.TimeoutExpired:
                        worker.kill()
                pg.stop(self.data_dir)

    def chaos(self, url: str, urls: dict[str, str]) -> dict[str, Any]:
        self.prepare(url)
        self.note(f"{WORKERS} workers, sweeper every 1 s; tasks released {WINDOW} in flight")
        self.started = time.monotonic()
        for _ in range(WORKERS):
            self.spawn_worker()
        sweeper = threading.Thread(target=self.sweeper_loop, daemon=True)
        sweeper.start()
        released = 0
        drained_at: float | None = None
        while drained_at is None:
            done = self.final_count(url)
            if done is not None and released < self.tasks and released - done < WINDOW:
                released += self.release(url, min(WINDOW // 2, self.tasks - released), urls)
            share = (done or 0) / self.tasks
            if self.killed_pid is None and share >= 0.3:
                self.kill_mid_batch(url)
            if self.outage is None and share >= 0.5:
                self.note("PostgreSQL stopped")
                down = time.monotonic()
                pg.stop(self.data_dir)
                time.sleep(OUTAGE_SECONDS)
                pg.start(self.data_dir, self.port, durable=False)
                self.outage = (down, time.monotonic())
                self.back_at = datetime.now(UTC)
                self.backlog = self.tasks - (done or 0)
                self.note(f"PostgreSQL back after {self.outage[1] - down:.1f} s")
            if done == self.tasks:
                drained_at = time.monotonic()
                break
            if time.monotonic() - self.started > 1800:
                self.note("gave up after 30 minutes")
                break
            time.sleep(0.2)
        elapsed = (drained_at or time.monotonic()) - self.started
        self.note("every task final: waiting 10 s for any late second run")
        time.sleep(10)
        return self.verify(url, elapsed, drained_at, self.duplicates)

    def verify(
        self, url: str, elapsed: float, drained_at: float | None, duplicates: int
    ) -> dict[str, Any]:
        with psycopg.connect(url) as conn:
            statuses = dict(
                conn.execute(
                    "SELECT status, count(*) FROM tasks WHERE task_type = %s GROUP BY status",
                    (TASK_TYPE,),
                ).fetchall()
            )
            runs = conn.execute(
                "SELECT task_id, array_agg(attempt ORDER BY ran_at), array_agg(pid ORDER BY ran_at)"
                " FROM chaos_runs GROUP BY task_id HAVING count(*) > 1"
            ).fetchall()
            completed_without_run = conn.execute(
                "SELECT count(*) FROM tasks t WHERE t.status = 'completed' AND NOT EXISTS"
                " (SELECT 1 FROM chaos_runs r WHERE r.task_id = t.id)"
            ).fetchone()
            resumed = conn.execute(
                "SELECT min(ran_at) FROM chaos_runs WHERE ran_at > %s", (self.back_at,)
            ).fetchone()
            lost_attempts = dict(
                conn.execute(
                    "SELECT a.task_id, array_agg(a.attempt) FROM task_attempts a"
                    " WHERE a.outcome = 'lease_expired' GROUP BY a.task_id"
                ).fetchall()
            )
        final = sum(statuses.get(s, 0) for s in ("completed", "failed", "cancelled"))
        # A second run is at-least-once by design only when an earlier attempt of that task was
        # lost (its lease expired: the worker was killed, or the outcome could not be written).
        explained = [r for r in runs if any(a in lost_attempts.get(r[0], []) for a in r[1][:-1])]
        resumed_after = "n/a"
        if resumed and resumed[0] and self.back_at:
            resumed_after = f"{(resumed[0] - self.back_at).total_seconds():.1f} s"
        after_outage = (
            f"{drained_at - self.outage[1]:.1f} s" if drained_at and self.outage else "n/a"
        )
        return {
            "tasks": self.tasks,
            "statuses": statuses,
            "final": final,
            "lost (not final)": self.tasks - final,
            "completed without a recorded run": int(completed_without_run[0])
            if completed_without_run
            else 0,
            "run twice, unexplained": len(runs) - len(explained),
            "re-run after a lost attempt (at-least-once)": len(explained),
            "duplicate messages sent": duplicates,
            "lease expiries recovered": sum(len(v) for v in lost_attempts.values()),
            "throughput": f"{self.tasks / elapsed:,.0f} tasks/s to final ({elapsed:.1f} s)",
            "first completion after the outage": resumed_after,
            "drain after the outage": f"{after_outage} for a backlog of {self.backlog:,} tasks",
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main()
        return
    print(
        f"chaos: {args.tasks:,} tasks, {WORKERS} worker processes, {FAULT_RATE:.0%} transient "
        f"faults, {DUPLICATE_SHARE:.0%} duplicate deliveries, one worker killed, "
        f"PostgreSQL down {OUTAGE_SECONDS:.0f} s"
    )
    result = Run(args.tasks).run()
    print()
    for key, value in result.items():
        print(f"  {key:<45} {value}")
    ok = (
        result["lost (not final)"] == 0
        and result["run twice, unexplained"] == 0
        and result["completed without a recorded run"] == 0
    )
    print(f"\n  {'PASS' if ok else 'FAIL'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
