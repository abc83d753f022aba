"""Running the local stack until Ctrl-C, and `starter local trigger`."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg

from shared.migrations import MigrationError
from tools import pg
from tools.devstack import dashboard
from tools.devstack.gateway import Gateway
from tools.devstack.invoke import Invoker
from tools.devstack.routes import RouteTable
from tools.devstack.schedules import (
    UnknownSchedule,
    UnsupportedSchedule,
    find_schedule,
    fire,
    interval_seconds,
    schedule_loop,
)
from tools.devstack.services import Services, apply_environment, services
from tools.devstack.sqs import Binding, LocalQueue, Poller, sqs_client
from tools.devstack.template import TEMPLATE, Schedule, Template, load, parse

log = logging.getLogger("devstack")

STATE_FILE = pg.STATE_DIR / "stack.json"


def bindings(template: Template, queues: dict[str, LocalQueue]) -> dict[str, list[Binding]]:
    # A priority queue sharing a worker with others is drained first, as the worker intends.
    return {
        fn.logical_id: sorted(
            (Binding(queues[s.queue], s) for s in fn.sqs),
            key=lambda b: "priority" not in b.queue.logical_id.lower(),
        )
        for fn in template.functions.values()
        if fn.sqs
    }


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set `stop` (the stack then shuts down in order); the previous handlers
    come back afterwards. The handler only sets the event: logging from a signal handler can
    re-enter a write the main thread was in the middle of (`make run` stopped by its process
    group gets two SIGTERMs), so the main loop says why it stops."""

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _workers(
    template: Template, svc: Services, invoker: Invoker, now: list[Schedule], stop: threading.Event
) -> tuple[list[threading.Thread], list[str]]:
    """Threads for the SQS pollers, the schedules and the startup triggers; the schedules'
    banner lines."""
    threads = []
    sqs = sqs_client(svc.moto_endpoint)
    for fid, sources in bindings(template, svc.queues).items():
        fn = template.functions[fid]
        poller = Poller(sqs, fid, sources, invoker.handler_for(fn), fn.timeout, stop)
        threads.append(threading.Thread(target=poller.run, name=f"sqs-{fid}", daemon=True))
    lines = []
    for s in template.schedules:
        fn = template.functions[s.function]
        try:
            interval = interval_seconds(s.expression)
        except UnsupportedSchedule as error:
            lines.append(f"{s.rule_name} -> {s.function}: {error}")
            continue
        if not s.enabled:
            lines.append(f"{s.rule_name} -> {s.function}: disabled")
            continue
        lines.append(f"{s.rule_name} -> {s.function}: {s.expression}")
        loop = (s, invoker.handler_for(fn), fn.timeout, interval, stop)
        threads.append(threading.Thread(target=schedule_loop, args=loop, daemon=True))
    for s in now:
        fn = template.functions[s.function]
        once = (s, invoker.handler_for(fn), fn.timeout)
        threads.append(threading.Thread(target=fire, args=once, name=f"trigger-{s.rule_name}"))
    return threads, lines


def run(
    *,
    port: int = 3000,
    keep_db: bool = False,
    triggers: tuple[str, ...] = (),
    moto_port: int | None = None,
    state_file: Path = STATE_FILE,
    template_path: Path = TEMPLATE,
    web: bool = True,
) -> int:
    """Run the stack until SIGINT/SIGTERM. Returns the exit code."""
    started = time.monotonic()
    other = running_stack(state_file)
    if other is not None:  # its state file, database and queues would be this stack's too
        log.error(
            "a local stack is already running here (pid %s, %s): stop it first",
            other["pid"],
            other.get("api", "?"),
        )
        return 1
    template = parse(load(template_path))
    try:
        now = [find_schedule(template, t) for t in triggers]
    except UnknownSchedule as error:
        log.error("%s", error)
        return 2
    invoker = Invoker()
    try:  # bind first: a busy port fails before anything starts
        gateway = Gateway(
            ("127.0.0.1", port),
            RouteTable(template.routes),
            template.functions,
            invoker.handler_for,
        )
    except OSError as error:
        log.error("cannot listen on 127.0.0.1:%d: %s (use --port)", port, error)
        return 1
    gateway.dashboard = dashboard.prepare() if web else None
    stop = threading.Event()
    try:
        with (
            _stop_on_signals(stop),
            services(template, keep_db=keep_db, moto_port=moto_port) as svc,
        ):
            threads = [threading.Thread(target=gateway.serve_forever, name="http", daemon=True)]
            workers, schedule_lines = _workers(template, svc, invoker, now, stop)
            threads += workers
            for thread in threads:
                thread.start()
            api = f"http://127.0.0.1:{port}"
            _write_state(state_file, api, svc)
            _banner(api, svc, template, schedule_lines, time.monotonic() - started, gateway)
            while not stop.wait(0.5):
                pass
            log.info("stopping")
            gateway.shutdown()
            for thread in threads:
                thread.join(timeout=5)
    except (pg.PostgresUnavailable, MigrationError, psycopg.Error) as error:
        log.error("the database is not usable: %s", error)
        return 1
    finally:
        gateway.server_close()
        invoker.shutdown()
        state_file.unlink(missing_ok=True)
    log.info("stopped")
    return 0


def _banner(
    api: str,
    svc: Services,
    template: Template,
    schedule_lines: list[str],
    seconds: float,
    gateway: Gateway,
) -> None:
    lines = [
        f"local stack ready in {seconds:.1f} s",
        f"  dashboard    {api}/" if gateway.dashboard else "  dashboard    not served (see above)",
        f"  API          {api}  (health: {api}/api/v1/health)",
        f"  API docs     {api}/api-docs  (OpenAPI: {api}/api-docs/openapi.json)",
        f"  database     {_redacted(svc.database_url)}",
        f"  moto (AWS)   {svc.moto_endpoint}  (aws --endpoint-url {svc.moto_endpoint} sqs ...)",
    ]
    lines += [f"  queue        {q.name}  {q.url}" for q in svc.queues.values()]
    for fn in template.functions.values():
        lines += [f"  worker       {fn.logical_id} <- {b.queue}" for b in fn.sqs]
    lines += [f"  schedule     {line}" for line in schedule_lines]
    lines.append("Ctrl-C stops everything.")
    log.info("\n".join(lines))


def _redacted(conninfo: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(conninfo)
    if "password" in params:
        params["password"] = "***"  # noqa: S105 - a mask, not a password
    return make_conninfo(**params)  # type: ignore[arg-type]


def _write_state(path: Path, api: str, svc: Services) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)  # it holds DATABASE_URL
    path.write_text(json.dumps({"pid": os.getpid(), "api": api, "environment": svc.environment}))


def running_stack(path: Path) -> dict[str, Any] | None:
    """The state a live stack wrote, or None when no stack is running."""
    try:
        state: dict[str, Any] = json.loads(path.read_text())
        os.kill(int(state["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return state


def trigger(name: str, *, state_file: Path = STATE_FILE, template: Template | None = None) -> bool:
    """Run a schedule's function once now, against the running stack's database and queues if
    one is up, else against freshly started services."""
    template = template or parse(load())
    schedule = find_schedule(template, name)
    fn = template.functions[schedule.function]
    invoker = Invoker()
    state = running_stack(state_file)
    if state is not None:
        log.info("using the running stack (pid %s)", state["pid"])
        apply_environment(state["environment"])
        return fire(schedule, invoker.handler_for(fn), fn.timeout)
    with services(template, keep_db=True, moto_port=pg.free_port()):
        return fire(schedule, invoker.handler_for(fn), fn.timeout)


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s  %(message)s", datefmt="%H:%M:%S"
    )
    # moto's and Mangum's per-request lines would repeat what dispatch logs.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("mangum").setLevel(logging.WARNING)
