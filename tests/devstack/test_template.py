"""Reading template.yaml: short tags, functions, events, queues and the functions' environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.devstack.conftest import template_from
from tools.devstack.schedules import UnknownSchedule, find_schedule
from tools.devstack.services import function_environment, resource_names
from tools.devstack.sqs import LocalQueue
from tools.devstack.template import load, parse

TEMPLATE = """
Parameters:
  Stage: {Type: String, Default: dev}
  Secret: {Type: String}
  LogLevel: {Type: String, Default: DEBUG}
Globals:
  Function:
    Timeout: 29
    Handler: handler.handler
    Environment:
      Variables:
        ENVIRONMENT: !Ref Stage
        SECRET_ARN: !Ref Secret
        POWERTOOLS_LOG_LEVEL: !Ref LogLevel
Resources:
  Dlq:
    Type: AWS::SQS::Queue
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 180
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 5}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/worker/
      Handler: app.main
      Timeout: 30
      Environment:
        Variables:
          WORK_URL: !Ref WorkQueue
          WORK_NAME: !GetAtt WorkQueue.QueueName
          WORK_DESC: !Sub "${WorkQueue.Arn} in ${AWS::Region}"
          CONSTANT: "7"
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            BatchSize: 5
            MaximumBatchingWindowInSeconds: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
        Nightly:
          Type: Schedule
          Properties: {Schedule: rate(1 day), Name: nightly-cleanup}
        Hourly:
          Type: ScheduleV2
          Properties: {ScheduleExpression: rate(1 hour), State: DISABLED}
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/api
      Events:
        Catch: {Type: HttpApi}
        Items: {Type: HttpApi, Properties: {Path: "/items/{id}", Method: get}}
"""


def test_functions_and_events(tmp_path: Path) -> None:
    t = template_from(tmp_path, TEMPLATE)
    worker, api = t.functions["Worker"], t.functions["Api"]
    assert (worker.module, worker.attribute, worker.timeout) == ("functions.worker.app", "main", 30)
    assert (api.module, api.attribute, api.timeout) == ("functions.api.handler", "handler", 29)
    (source,) = worker.sqs
    assert (source.queue, source.batch_size, source.window_seconds, source.report_failures) == (
        "WorkQueue",
        5,
        2.0,
        True,
    )
    assert [(s.rule_name, s.expression, s.enabled) for s in worker.schedules] == [
        ("nightly-cleanup", "rate(1 day)", True),
        ("WorkerHourly", "rate(1 hour)", False),
    ]
    assert [(r.method, r.path) for r in api.routes] == [("ANY", "$default"), ("GET", "/items/{id}")]
    assert t.queues["WorkQueue"].properties["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["Dlq", "Arn"]
    }


def test_environment_resolves_local_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POWERTOOLS_LOG_LEVEL", raising=False)
    monkeypatch.setenv("ENVIRONMENT", "prod")  # the local stack is always dev
    t = template_from(tmp_path, TEMPLATE)
    url = "http://127.0.0.1:1/123456789012/WorkQueue"
    arn = "arn:aws:sqs:us-east-1:123456789012:WorkQueue"
    queues = {"WorkQueue": LocalQueue("WorkQueue", "WorkQueue", url, arn)}
    env = function_environment(t, "postgresql://db", "http://127.0.0.1:1", queues)
    assert env["WORK_URL"] == url
    assert env["WORK_QUEUE_URL"] == url
    assert env["WORK_NAME"] == "WorkQueue"
    assert env["WORK_DESC"] == f"{arn} in us-east-1"
    assert env["CONSTANT"] == "7"
    assert env["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    assert env["ENVIRONMENT"] == "dev"
    assert env["DATABASE_URL"] == "postgresql://db"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert "SECRET_ARN" not in env  # a parameter without a default has no local value


def test_shell_overrides_template_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "ERROR")
    env = function_environment(template_from(tmp_path, TEMPLATE), "postgresql://db", "http://x", {})
    assert "POWERTOOLS_LOG_LEVEL" not in env


def test_find_schedule_by_any_name(tmp_path: Path) -> None:
    t = template_from(tmp_path, TEMPLATE)
    for name in ("nightly-cleanup", "Worker.Nightly", "NIGHTLY"):
        assert find_schedule(t, name).rule_name == "nightly-cleanup"
    with pytest.raises(UnknownSchedule, match="ambiguous"):
        find_schedule(t, "Worker")
    with pytest.raises(
        UnknownSchedule, match=r"unknown schedule 'nope'; schedules: Worker\.Nightly"
    ):
        find_schedule(t, "nope")


def test_project_template() -> None:
    t = parse(load())
    routes = {(r.method, r.path): r.function for r in t.routes}
    assert routes[("ANY", "/api/v1/health")] == "HealthFunction"
    assert routes[("ANY", "$default")] == "DocsFunction"
    assert {"TaskQueue", "PriorityTaskQueue", "TaskDeadLetterQueue"} <= set(t.queues)
    assert t.functions["HealthFunction"].module == "functions.health.handler"
    assert resource_names(t, {})["ReportsBucket"] == "reportsbucket"
