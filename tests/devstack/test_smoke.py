"""Boot the whole local stack as the README's run command does and talk to it over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tools import pg
from tools.devstack.sqs import sqs_client
from tools.devstack.template import REPO

TEST_TEMPLATE = """
Globals:
  Function: {Timeout: 10, Handler: handler.handler}
Resources:
  HealthFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/health/
      Events:
        Root: {Type: HttpApi, Properties: {Path: /api/v1/health, Method: ANY}}
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties: {VisibilityTimeout: 60}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/devstack/
      Handler: stack_fns.worker
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            FunctionResponseTypes: [ReportBatchItemFailures]
  Cleanup:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/devstack/
      Handler: stack_fns.scheduled
      Events:
        Hourly: {Type: Schedule, Properties: {Schedule: rate(1 hour), Name: cleanup-hourly}}
"""


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(done: Callable[[], bool], stack: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60  # bounds a broken run only; not a timing assertion
    while not done():
        assert stack.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


@dataclass
class Running:
    base: str
    state: Path
    log: Path
    process: subprocess.Popen[bytes]

    def wait_for(self, done: Callable[[], bool]) -> None:
        wait_for(done, self.process, self.log)


def _answers(url: str) -> bool:
    try:
        get(url)
    except OSError:
        return False
    return True


@contextmanager
def local_stack(
    tmp_path: Path,
    env: dict[str, str],
    *args: str,
    stop_with: tuple[signal.Signals, ...] = (signal.SIGINT,),
) -> Iterator[Running]:
    """`python -m tools.devstack` in a subprocess; `stop_with` on exit (SIGINT), which must end
    it with 0."""
    port = pg.free_port()
    log, state = tmp_path / "stack.log", tmp_path / "stack.json"
    command = [sys.executable, "-m", "tools.devstack", "--port", str(port), "--no-web"]
    command += ["--moto-port", str(pg.free_port()), "--state-file", str(state), *args]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    running = Running(f"http://127.0.0.1:{port}", state, log, process)
    try:
        running.wait_for(lambda: _answers(f"{running.base}/api/v1/health"))
        yield running
    finally:
        for signum in stop_with:
            process.send_signal(signum)
            time.sleep(0.001)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    output = log.read_text()
    assert code == 0, output
    assert "local stack ready" in output
    assert "Traceback" not in output
    assert not state.exists()


@pytest.mark.slow
def test_local_stack_serves_health_over_http_and_stops_cleanly(
    database_url: str, tmp_path: Path
) -> None:
    with local_stack(tmp_path, {"DATABASE_URL": database_url}) as stack:
        status, body = get(f"{stack.base}/api/v1/health")
        assert status == 200, body
        assert json.loads(body)["data"]["status"] == "healthy"

        status, body = get(f"{stack.base}/api-docs/openapi.json")
        assert status == 200
        assert "/api/v1/health" in json.loads(body)["paths"]

        status, body = get(f"{stack.base}/api/v1/nope")
        assert status == 404
        envelope = json.loads(body)
        assert envelope["success"] is False and envelope["error"]["code"] == "NOT_FOUND"

        environment = json.loads(stack.state.read_text())["environment"]
        assert environment["DATABASE_URL"] == database_url
        assert environment["TASK_QUEUE_URL"].endswith("/TaskQueue")
    assert "HTTP GET /api/v1/health -> HealthFunction" in stack.log.read_text()


@pytest.mark.slow
def test_local_stack_stops_cleanly_on_repeated_sigterms(database_url: str, tmp_path: Path) -> None:
    """`make run` stopped through its process group gets one SIGTERM per process: any number of
    them must stop the stack (exit 0, state file gone), never hang it."""
    with local_stack(
        tmp_path, {"DATABASE_URL": database_url}, stop_with=(signal.SIGTERM,) * 20
    ) as stack:
        for _ in range(20):  # the stack logs each request: signals arrive mid-write
            assert get(f"{stack.base}/api/v1/health/live")[0] == 200


@pytest.mark.slow
def test_local_stack_runs_workers_and_triggered_schedules(
    database_url: str, tmp_path: Path
) -> None:
    template, out = tmp_path / "template.yaml", tmp_path / "invocations.jsonl"
    template.write_text(TEST_TEMPLATE)
    env = {"DATABASE_URL": database_url, "DEVSTACK_TEST_OUT": str(out)}

    def invocations(kind: str) -> list[dict[str, Any]]:
        lines = out.read_text().splitlines() if out.exists() else []
        return [r["event"] for r in map(json.loads, lines) if r["kind"] == kind]

    args = ("--template", str(template), "--trigger", "cleanup-hourly")
    with local_stack(tmp_path, env, *args) as stack:
        stack.wait_for(lambda: len(invocations("schedule")) == 1)
        (scheduled,) = invocations("schedule")
        assert scheduled["detail-type"] == "Scheduled Event"
        assert scheduled["resources"][0].endswith(":rule/cleanup-hourly")

        environment = json.loads(stack.state.read_text())["environment"]
        sqs = sqs_client(environment["AWS_ENDPOINT_URL"])
        sqs.send_message(QueueUrl=environment["WORK_QUEUE_URL"], MessageBody="hello")
        stack.wait_for(lambda: len(invocations("sqs")) == 1)
        ((record,),) = (e["Records"] for e in invocations("sqs"))
        assert (record["body"], record["eventSource"]) == ("hello", "aws:sqs")
        stack.wait_for(
            lambda: (
                sqs.get_queue_attributes(
                    QueueUrl=environment["WORK_QUEUE_URL"],
                    AttributeNames=["ApproximateNumberOfMessagesNotVisible"],
                )["Attributes"]["ApproximateNumberOfMessagesNotVisible"]
                == "0"
            )
        )
    log = stack.log.read_text()
    assert "SCHEDULE cleanup-hourly -> Cleanup: ok" in log
    assert "SQS Worker <- WorkQueue: 1 message(s), 0 failed" in log
