"""The local stack's SQS event-source semantics, against moto, with a test-only function."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.devstack.conftest import template_from, unique_queues
from tools.devstack.sqs import Poller, failed_ids
from tools.devstack.stack import bindings
from tools.devstack.template import Template

TEMPLATE = """
Resources:
  Dlq:
    Type: AWS::SQS::Queue
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 1
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 2}
  PriorityWorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 1
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 2}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/worker/
      Handler: handler.handler
      Timeout: 30
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            BatchSize: %(batch)s
            FunctionResponseTypes: %(types)s
        Priority:
          Type: SQS
          Properties: {Queue: !GetAtt PriorityWorkQueue.Arn}
"""


class Worker:
    """The test-only SQS function: fails records whose body starts with "fail", or raises."""

    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.raise_next = False

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        assert context.get_remaining_time_in_millis() > 0
        self.batches.append(event["Records"])
        if self.raise_next:
            self.raise_next = False
            raise RuntimeError("worker crashed")
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]}
                for r in event["Records"]
                if r["body"].startswith("fail")
            ]
        }


class Stack:
    def __init__(self, sqs: Any, template: Template, stop: threading.Event) -> None:
        self.sqs = sqs
        self.queues = unique_queues(sqs, template)
        self.worker = Worker()
        self.poller = Poller(
            sqs, "Worker", bindings(template, self.queues)["Worker"], self.worker, 30, stop
        )

    def send(self, queue: str, *bodies: str) -> None:
        for body in bodies:
            self.sqs.send_message(QueueUrl=self.queues[queue].url, MessageBody=body)

    def count(self, queue: str) -> int:
        """Messages in the queue, visible or in flight."""
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=self.queues[queue].url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(v) for v in attrs.values())

    def poll_until(self, done: Callable[[], bool], limit: float = 20.0) -> None:
        """Keep polling (as the stack does) until `done`; the limit only bounds a broken run."""
        deadline = time.monotonic() + limit
        while not done():
            assert time.monotonic() < deadline, "condition not reached"
            if self.poller.poll_once() is None:
                time.sleep(0.1)


def make(
    tmp_path: Path, sqs: Any, stop: threading.Event, batch: int = 10, report_failures: bool = True
) -> Stack:
    types = "[ReportBatchItemFailures]" if report_failures else "[]"
    return Stack(sqs, template_from(tmp_path, TEMPLATE % {"batch": batch, "types": types}), stop)


def bodies(records: list[dict[str, Any]]) -> list[str]:
    return sorted(r["body"] for r in records)


def test_partial_failure_redelivers_only_the_failed_message_then_dead_letters_it(
    tmp_path: Path, sqs: Any, stop: threading.Event
) -> None:
    s = make(tmp_path, sqs, stop)
    s.send("WorkQueue", "ok-1", "fail-1", "ok-2")

    outcome = s.poller.poll_once()

    assert outcome is not None and (outcome.received, outcome.failed) == (3, 1)
    first = s.worker.batches[0]
    assert bodies(first) == ["fail-1", "ok-1", "ok-2"]
    assert {r["eventSource"] for r in first} == {"aws:sqs"}
    assert {r["eventSourceARN"] for r in first} == {s.queues["WorkQueue"].arn}
    assert s.count("WorkQueue") == 1  # the successes are deleted, the failure is in flight

    s.poll_until(lambda: len(s.worker.batches) == 2)  # after the visibility timeout
    (again,) = s.worker.batches[1]
    failed_id = next(r["messageId"] for r in first if r["body"] == "fail-1")
    assert (again["messageId"], again["body"]) == (failed_id, "fail-1")
    assert again["attributes"]["ApproximateReceiveCount"] == "2"

    # Received maxReceiveCount (2) times: the next receive moves it to the DLQ, as SQS does.
    s.poll_until(lambda: s.count("Dlq") == 1)
    dead = sqs.receive_message(QueueUrl=s.queues["Dlq"].url)["Messages"]
    assert [(m["MessageId"], m["Body"]) for m in dead] == [(failed_id, "fail-1")]
    assert s.count("WorkQueue") == 0
    assert len(s.worker.batches) == 2


def test_a_raising_handler_gets_the_whole_batch_again(
    tmp_path: Path, sqs: Any, stop: threading.Event
) -> None:
    s = make(tmp_path, sqs, stop)
    s.worker.raise_next = True
    s.send("WorkQueue", "a", "b")

    outcome = s.poller.poll_once()

    assert outcome is not None and (outcome.received, outcome.failed) == (2, 2)
    assert s.count("WorkQueue") == 2
    s.poll_until(lambda: len(s.worker.batches) == 2)
    first, second = s.worker.batches
    assert {r["messageId"] for r in second} == {r["messageId"] for r in first}
    assert {r["attributes"]["ApproximateReceiveCount"] for r in second} == {"2"}
    assert s.count("WorkQueue") == 0  # the retry succeeded and deleted both


def test_without_report_batch_item_failures_a_returned_list_is_ignored(
    tmp_path: Path, sqs: Any, stop: threading.Event
) -> None:
    s = make(tmp_path, sqs, stop, report_failures=False)
    s.send("WorkQueue", "ok", "fail")

    outcome = s.poller.poll_once()

    assert outcome is not None and (outcome.received, outcome.failed) == (2, 0)
    assert s.count("WorkQueue") == 0


def test_batch_size_caps_each_invocation(tmp_path: Path, sqs: Any, stop: threading.Event) -> None:
    s = make(tmp_path, sqs, stop, batch=2)
    s.send("WorkQueue", "1", "2", "3", "4", "5")

    s.poll_until(lambda: s.count("WorkQueue") == 0)

    assert all(len(b) <= 2 for b in s.worker.batches)
    assert sorted(r["body"] for b in s.worker.batches for r in b) == ["1", "2", "3", "4", "5"]


def test_priority_queue_is_drained_first(tmp_path: Path, sqs: Any, stop: threading.Event) -> None:
    s = make(tmp_path, sqs, stop)
    s.send("WorkQueue", "normal")
    s.send("PriorityWorkQueue", "urgent")

    s.poller.poll_once()
    s.poller.poll_once()

    assert [bodies(b) for b in s.worker.batches] == [["urgent"], ["normal"]]
    assert s.worker.batches[0][0]["eventSourceARN"] == s.queues["PriorityWorkQueue"].arn


def test_running_poller_processes_until_stopped(
    tmp_path: Path, sqs: Any, stop: threading.Event
) -> None:
    s = make(tmp_path, sqs, stop)
    thread = threading.Thread(target=s.poller.run)
    thread.start()
    s.send("WorkQueue", "x")
    deadline = time.monotonic() + 20
    while s.count("WorkQueue") and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert [bodies(b) for b in s.worker.batches] == [["x"]]


IDS = {"m1", "m2"}


@pytest.mark.parametrize(
    ("result", "failed"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": None}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m2"}]}, {"m2"}),
        # Malformed responses fail the whole batch, as in Lambda.
        ({"batchItemFailures": [{"itemIdentifier": "other"}]}, IDS),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, IDS),
        ({"batchItemFailures": [{"id": "m1"}]}, IDS),
        ({"batchItemFailures": ["m1"]}, IDS),
        ("ok", IDS),
    ],
)
def test_batch_item_failures_response(result: Any, failed: set[str]) -> None:
    assert failed_ids(result, IDS) == failed
