"""`starter local trigger`: one real scheduled event through the function's handler."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.devstack import scheduled_fn
from tests.devstack.conftest import template_from
from tools import pg
from tools.devstack.stack import run, trigger
from tools.devstack.template import Template

TEMPLATE = """
Parameters:
  Sender: {Type: String, Default: noreply@example.com}
Resources:
  TaskQueue:
    Type: AWS::SQS::Queue
  ReportsBucket:
    Type: AWS::S3::Bucket
  Cleanup:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/devstack/
      Handler: scheduled_fn.handler
      Timeout: 60
      Environment:
        Variables: {REPORTS_BUCKET: !Ref ReportsBucket, SENDER: !Ref Sender}
      Policies:
        - Statement:
            - Effect: Allow
              Action: [ses:SendEmail]
              Resource: !Sub "arn:${AWS::Partition}:ses:${AWS::Region}:*:identity/${Sender}"
      Events:
        Inspect:
          Type: Schedule
          Properties: {Schedule: rate(1 day), Input: '{"inspect_moto": true}'}
        Hourly:
          Type: Schedule
          Properties: {Schedule: rate(1 hour), Name: cleanup-hourly}
        Broken:
          Type: ScheduleV2
          Properties: {ScheduleExpression: "cron(0 3 * * ? *)", Input: '{"fail": true}'}
"""


@pytest.fixture
def template(tmp_path: Path) -> Template:
    return template_from(tmp_path, TEMPLATE)


@pytest.fixture(autouse=True)
def restore_environment() -> Iterator[None]:
    """trigger() points this process at the stack's services; undo that after each test."""
    saved = dict(os.environ)
    scheduled_fn.calls.clear()
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_trigger_starts_services_and_delivers_a_scheduled_event(
    database_url: str, template: Template, tmp_path: Path
) -> None:
    assert trigger("cleanup-hourly", template=template, state_file=tmp_path / "none.json")

    ((event, seen),) = scheduled_fn.calls
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/cleanup-hourly"]
    assert seen["DATABASE_URL"] == database_url
    assert seen["TASK_QUEUE_URL"] and seen["TASK_QUEUE_URL"].endswith("/TaskQueue")
    assert seen["AWS_ENDPOINT_URL"] and seen["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert (seen["REPORTS_BUCKET"], seen["SENDER"]) == ("reportsbucket", "noreply@example.com")


def test_trigger_runs_against_moto_with_the_templates_buckets_and_ses_identities(
    database_url: str, template: Template, tmp_path: Path
) -> None:
    assert trigger("Inspect", template=template, state_file=tmp_path / "none.json")

    ((_, seen),) = scheduled_fn.calls
    assert "reportsbucket" in seen["buckets"]
    assert "noreply@example.com" in seen["identities"]


def test_trigger_uses_a_running_stacks_environment(template: Template, tmp_path: Path) -> None:
    state = tmp_path / "stack.json"
    environment = {"DATABASE_URL": "postgresql://running", "AWS_ENDPOINT_URL": "http://moto:1"}
    state.write_text(json.dumps({"pid": os.getpid(), "api": "x", "environment": environment}))

    assert trigger("Cleanup.Hourly", template=template, state_file=state)

    ((_, seen),) = scheduled_fn.calls
    assert seen["DATABASE_URL"] == "postgresql://running"
    assert seen["AWS_ENDPOINT_URL"] == "http://moto:1"


def test_trigger_sends_the_rules_input_and_reports_failure(
    template: Template, tmp_path: Path
) -> None:
    state = tmp_path / "stack.json"
    state.write_text(json.dumps({"pid": os.getpid(), "api": "x", "environment": {}}))

    assert not trigger("Broken", template=template, state_file=state)

    ((event, _),) = scheduled_fn.calls
    assert event == {"fail": True}


def test_a_second_stack_in_one_folder_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Two stacks would share one state file (and overwrite it): the second says so and exits."""
    state = tmp_path / "stack.json"
    running = {"pid": os.getpid(), "api": "http://127.0.0.1:3000", "environment": {}}
    state.write_text(json.dumps(running))
    assert run(port=pg.free_port(), state_file=state) == 1
    assert "a local stack is already running here" in caplog.text
    assert json.loads(state.read_text()) == running  # left as it was


def test_a_cluster_left_running_by_a_killed_stack_is_adopted(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """After `kill -9`, PostgreSQL outlives the stack: the next stack uses it, says so, and
    stops it on exit (the data directory it returns)."""
    import logging
    import shutil
    import tempfile

    from tools.devstack import services

    home = Path(tempfile.mkdtemp(prefix="starter-pgtest-"))
    home.chmod(0o755)  # the server account must reach it (pytest's tmp_path is root-only)
    data_dir = home / "pg"
    monkeypatch.setattr(services.pg, "data_dir_for", lambda name: data_dir)
    monkeypatch.setattr(services, "DEFAULT_PG_PORT", pg.free_port())
    pg.start(data_dir, durable=False)  # what the killed stack left behind
    try:
        with caplog.at_level(logging.INFO, logger="devstack"):
            url, to_stop = services._database()
        assert to_stop == data_dir
        assert "PostgreSQL was already running" in caplog.text
        assert "dbname=starter" in url or url.endswith("/starter")
    finally:
        pg.stop(data_dir)
        shutil.rmtree(home, ignore_errors=True)


def test_run_refuses_an_unknown_trigger_before_starting_anything(tmp_path: Path) -> None:
    assert run(port=pg.free_port(), triggers=("nope",), state_file=tmp_path / "s.json") == 2
    assert not (tmp_path / "s.json").exists()


def test_run_refuses_a_busy_port_before_starting_anything(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert run(port=port, state_file=tmp_path / "s.json") == 1
    assert not (tmp_path / "s.json").exists()


def test_run_reports_an_unusable_database_and_cleans_up(
    unreachable_database: str, tmp_path: Path
) -> None:
    handler = signal.getsignal(signal.SIGINT)
    state = tmp_path / "s.json"

    assert run(port=pg.free_port(), moto_port=pg.free_port(), state_file=state) == 1

    assert not state.exists()
    assert signal.getsignal(signal.SIGINT) is handler


@pytest.mark.parametrize(
    ("argv", "env", "port"),
    [([], {}, 3000), ([], {"PORT": "8123"}, 8123), (["--port", "9000"], {"PORT": "8123"}, 9000)],
)
def test_the_port_comes_from_the_flag_then_port_then_3000(
    argv: list[str], env: dict[str, str], port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools.devstack import __main__ as entry

    monkeypatch.delenv("PORT", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    chosen: dict[str, int] = {}
    monkeypatch.setattr(entry, "configure_logging", lambda: None)
    monkeypatch.setattr(entry, "run", lambda **kwargs: chosen.setdefault("port", kwargs["port"]))
    entry.main(argv)
    assert chosen == {"port": port}


def test_each_log_line_names_its_own_function() -> None:
    """Functions share one Powertools logger in this process; Lambda context keys set by one
    invocation must not label another's lines."""
    import io
    from concurrent.futures import ThreadPoolExecutor

    from shared.observability import logger
    from tests.devstack import stack_fns
    from tools.devstack.invoke import Invoker
    from tools.devstack.template import Function
    from tools.lambda_events import FakeLambdaContext

    stack_fns.fast_done.clear()
    output = io.StringIO()
    previous = logger.registered_handler.setStream(output)
    invoker = Invoker()
    slow = Function("SlowFunction", "tests.devstack.stack_fns", "slow", 10, {})
    fast = Function("FastFunction", "tests.devstack.stack_fns", "fast", 10, {})
    try:
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(invoker.handler_for(slow), {}, FakeLambdaContext("SlowFunction"))
            time.sleep(0.2)  # slow has logged its first line and waits for fast
            invoker.handler_for(fast)({}, FakeLambdaContext("FastFunction"))
            first.result(timeout=10)
    finally:
        invoker.shutdown()
        logger.registered_handler.setStream(previous)
    lines = [json.loads(line) for line in output.getvalue().splitlines() if "slow" in line]
    assert [(line["message"], line["function_name"]) for line in lines] == [
        ("slow: before", "SlowFunction"),
        ("slow: after", "SlowFunction"),
    ]
