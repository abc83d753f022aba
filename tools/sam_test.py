"""`make sam-test`: every function of template.yaml in a Lambda container through `sam local`.

Builds with the host's architecture (`Architecture` parameter, and the dependencies layer's wheels
for it), starts a throwaway PostgreSQL, then for each function runs `sam local invoke` with its
sample event from events/ and checks the answer; then `sam local start-api` serves a short HTTP
smoke. Containers reach the database through Docker's bridge: the throwaway cluster also listens
on the bridge's host address and trusts the bridge's network. The image is the local stand-in
from scripts/sam-image.sh (`--invoke-image`).

Authenticated sample events carry a placeholder token; this run mints a real session for them,
as a user would with `POST /api/v1/auth/login` (README, "Test with sam local").
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from tools import pg

REPO = Path(__file__).resolve().parents[1]
EVENTS = REPO / "events"
BUILD_DIR = REPO / ".aws-sam" / "build-local"
PLACEHOLDER = "REPLACE_WITH_A_SESSION_TOKEN_OR_API_KEY"
WORKER_TASK_ID = "00000000-0000-4000-8000-000000000001"  # the id in events/worker-sqs.json

ARCH = "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"
WHEELS = {"arm64": "aarch64-manylinux_2_34", "x86_64": "x86_64-manylinux_2_34"}[ARCH]
IMAGE = os.environ.get("SAM_IMAGE", f"starter/lambda-python:3.13-{ARCH}")
SAM = [str(REPO / "scripts" / "sam.sh")]
CONTAINER = [
    *("--invoke-image", IMAGE, "--skip-pull-image"),
    *("--parameter-overrides", f"Architecture={ARCH}"),
]


BRIDGE_NETWORK = "172.16.0.0/12"  # Docker's default address pools


def docker_bridge() -> str:
    """The host's address on Docker's default bridge: where containers reach the database."""
    out = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "docker0"], capture_output=True, text=True, check=True
    )
    return out.stdout.split()[3].split("/")[0]  # "... inet 172.17.0.1/16 ..."


def sam(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SAM, *args], cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )


def load_event(name: str, token: str) -> dict[str, Any]:
    text = (EVENTS / name).read_text().replace(PLACEHOLDER, token)
    event: dict[str, Any] = json.loads(text)
    return event


@dataclass
class Check:
    function: str
    event: str
    verify: Callable[[Any], str | None]  # None when fine, else what is wrong


def http(status: int, key: str | None = None) -> Callable[[Any], str | None]:
    def verify(result: Any) -> str | None:
        if not isinstance(result, dict) or result.get("statusCode") != status:
            return f"expected HTTP {status}, got {str(result)[:300]}"
        if key is not None:
            body = json.loads(result["body"]) if result.get("body") else {}
            if key not in json.dumps(body):
                return f"no {key!r} in {result['body'][:300]}"
        return None

    return verify


def no_failures(result: Any) -> str | None:
    ok = isinstance(result, dict) and result.get("batchItemFailures") == []
    return None if ok else f"expected no batch item failures, got {result}"


def summary(*keys: str) -> Callable[[Any], str | None]:
    def verify(result: Any) -> str | None:
        missing = [k for k in keys if not isinstance(result, dict) or k not in result]
        return f"summary lacks {missing}: {result}" if missing else None

    return verify


CHECKS = [
    Check("MigrationFunction", "migrate-up.json", summary("SchemaVersion", "MigrationsApplied")),
    Check("HealthFunction", "health.json", http(200, "healthy")),
    Check("DocsFunction", "docs.json", http(200, "openapi")),
    Check("AuthFunction", "auth-login.json", http(200, "session_token")),
    Check("UsersFunction", "users-me-profile.json", http(200, "username")),
    Check("AdminFunction", "admin-audit.json", http(200, "success")),
    Check("TasksFunction", "tasks-types.json", http(200, "data_processing")),
    Check("MonitoringFunction", "monitoring-prometheus.json", http(200)),
    Check("WorkerFunction", "worker-sqs.json", no_failures),
    Check("DlqReconcilerFunction", "dlq-reconciler.json", no_failures),
    Check("SweeperFunction", "sweeper.json", summary("recovered", "sent")),
    Check("CleanupFunction", "cleanup.json", summary("sessions", "finished_tasks")),
    Check("AlertEvaluationFunction", "alert-evaluation.json", summary("evaluated")),
    Check("ContactsFunction", "contacts-list.json", http(200, "next_cursor")),
    Check("TransactionsFunction", "transactions-list.json", http(200, "next_cursor")),
    Check("RemindersFunction", "reminders-list.json", http(200, "next_cursor")),
    Check("DevicesFunction", "devices-list.json", http(200, "success")),
    Check("SyncFunction", "sync-pull.json", http(200, "has_more")),
    Check("ReminderDispatchFunction", "reminder-dispatch.json", summary("claimed", "sent")),
    Check("LedgerCleanupFunction", "ledger-cleanup.json", summary("contacts")),
]


def _last_json(stdout: str) -> Any:
    for line in reversed(stdout.strip().splitlines()):
        try:
            return json.loads(line)
        except ValueError:
            continue
    return None


def prepare_data(url: str) -> str:
    """The admin named by events/auth-login.json, a session for the authenticated events, and
    the task the worker's sample SQS message names. Returns the session token."""
    os.environ["DATABASE_URL"] = url
    from shared.identity import sessions, users
    from shared.identity.principal import Role
    from shared.tasks.service import sync_task_types

    login = json.loads(load_event("auth-login.json", "")["body"])
    profile = users.create_user(
        login["username"], "admin@example.com", login["password"], Role.ADMIN, check_reserved=False
    )
    sync_task_types(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO tasks (id, task_type, payload) VALUES (%s, 'data_processing', %s)",
            (WORKER_TASK_ID, json.dumps({"operation": "sum", "data": [1, 2, 3]})),
        )
    return sessions.start_session(profile.id).token


def invoke_all(env_file: Path, token: str, url: str) -> list[str]:
    failures: list[str] = []
    for check in CHECKS:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as event_file:
            json.dump(load_event(check.event, token), event_file)
        started = time.monotonic()
        done = sam(
            "local", "invoke", check.function, "--event", event_file.name,
            "--env-vars", str(env_file), "--template", str(BUILD_DIR / "template.yaml"),
            *CONTAINER,
        )  # fmt: skip
        elapsed = time.monotonic() - started
        os.unlink(event_file.name)
        result = _last_json(done.stdout)
        verdict = check.verify(result) if done.returncode == 0 else done.stderr[-800:]
        if check.function == "MigrationFunction" and verdict is None:
            token = prepare_data(url)  # the schema exists now: users, sessions, the task
        print(f"  {'ok  ' if verdict is None else 'FAIL'} {check.function:<26} {elapsed:5.1f} s")
        if verdict is not None:
            failures.append(f"{check.function}: {verdict}")
            print(f"       {verdict}")
    return failures


def start_api(env_file: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            *SAM, "local", "start-api", "--port", str(port), "--env-vars", str(env_file),
            "--template", str(BUILD_DIR / "template.yaml"), *CONTAINER,
        ],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip


def call(base: str, method: str, path: str, body: Any = None, token: str = "") -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"content-type": "application/json"} if data else {}
    if token:
        headers["authorization"] = f"Bearer {token}"
    # base is this run's own http://127.0.0.1 address
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def smoke(env_file: Path) -> list[str]:
    port = pg.free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    server = start_api(env_file, port)
    failures: list[str] = []
    try:
        for _ in range(120):
            try:
                status, _ = call(base, "GET", "/health/live")
                break
            except OSError:
                time.sleep(0.5)
        user = {"username": "smoke", "email": "smoke@example.com", "password": "Smoke-Pass-123!"}
        steps: list[tuple[str, int, Callable[[], tuple[int, Any]]]] = []
        token = ""

        def login() -> tuple[int, Any]:
            nonlocal token
            credentials = {"username": user["username"], "password": user["password"]}
            status, body = call(base, "POST", "/auth/login", credentials)
            token = body["data"]["session_token"] if status == 200 else ""
            return status, body

        task = {"task_type": "data_processing", "payload": {"operation": "sum", "data": [1]}}
        steps = [
            ("GET /health", 200, lambda: call(base, "GET", "/health")),
            ("POST /auth/register", 200, lambda: call(base, "POST", "/auth/register", user)),
            ("POST /auth/login", 200, login),
            ("GET /auth/me", 200, lambda: call(base, "GET", "/auth/me", token=token)),
            # No queue in the containers: the row is the outbox, the sweeper would send it.
            ("POST /tasks", 200, lambda: call(base, "POST", "/tasks", task, token=token)),
            ("GET /nope (404 envelope)", 404, lambda: call(base, "GET", "/nope")),
        ]
        for name, expected, step in steps:
            started = time.monotonic()
            status, body = step()
            ok = status == expected and isinstance(body, dict) and "success" in body
            seconds = time.monotonic() - started
            print(f"  {'ok  ' if ok else 'FAIL'} start-api {name:<24} {seconds:5.1f} s")
            if not ok:
                failures.append(f"start-api {name}: {status} {str(body)[:300]}")
                print(f"       {status} {str(body)[:300]}")
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    return failures


def main() -> int:
    if (
        shutil.which("docker") is None
        or subprocess.run(["docker", "info"], capture_output=True).returncode
    ):
        print(
            "sam-test: Docker is not running (start dockerd); nothing was tested", file=sys.stderr
        )
        return 1
    started = time.monotonic()
    built = sam(
        "build", "--build-dir", str(BUILD_DIR), "--parameter-overrides", f"Architecture={ARCH}",
        env={"PLATFORM": WHEELS},
    )  # fmt: skip
    if built.returncode:
        print(built.stdout[-2000:], built.stderr[-2000:], file=sys.stderr)
        return 1
    print(f"sam-test: built for {ARCH} in {time.monotonic() - started:.1f} s; image {IMAGE}")
    home = Path(tempfile.mkdtemp(prefix="starter-samtest-"))
    home.chmod(0o755)  # the server account must reach it
    try:
        bridge = docker_bridge()
        cluster = pg.start(home / "pg", durable=False, also_listen_for=(bridge, BRIDGE_NETWORK))
        url = pg.ensure_database(cluster, "samtest")
        in_container = url.replace("host=127.0.0.1", f"host={bridge}")
        env_file = home / "env.json"
        settings = {
            "ENVIRONMENT": "dev",
            "DATABASE_URL": in_container,
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
        env_file.write_text(json.dumps({"Parameters": settings}))
        failures = invoke_all(env_file, PLACEHOLDER, url)
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT status FROM tasks WHERE id = %s", (WORKER_TASK_ID,)
            ).fetchone()
        if not row or row[0] != "completed":
            failures.append(f"the worker's task is {row}, not completed")
        failures += smoke(env_file)
    finally:
        pg.stop(home / "pg")
        shutil.rmtree(home, ignore_errors=True)
    total = time.monotonic() - started
    verdict = "all passed" if not failures else "FAILED"
    print(f"sam-test: {len(CHECKS)} functions, {verdict} in {total:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
