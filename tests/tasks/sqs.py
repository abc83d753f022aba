"""SQS as Lambda's event source mapping uses it, on moto: receive up to 10 messages, invoke the
real handler with a real SQS event, delete what it acknowledged. Reported failures become
visible again at once here (on AWS, after the visibility timeout)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.lambda_events import FakeLambdaContext, SqsMessage, sqs_event

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class Queues:
    client: Any
    urls: dict[str, str]  # logical id -> URL

    def receive(self, name: str, limit: int = 10) -> list[SqsMessage]:
        answer = self.client.receive_message(
            QueueUrl=self.urls[name],
            MaxNumberOfMessages=limit,
            AttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        return [
            SqsMessage(
                m["MessageId"],
                m["ReceiptHandle"],
                m["Body"],
                int(m["Attributes"]["ApproximateReceiveCount"]),
                m["Attributes"],
            )
            for m in answer.get("Messages", [])
        ]

    def deliver(
        self, name: str, handler: Handler, messages: list[SqsMessage], context: Any = None
    ) -> set[str]:
        """One invocation; returns the message ids the handler reported as failed."""
        response = handler(sqs_event(name, messages), context or FakeLambdaContext())
        failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        for m in messages:
            if m.message_id in failed:
                self.client.change_message_visibility(
                    QueueUrl=self.urls[name], ReceiptHandle=m.receipt_handle, VisibilityTimeout=0
                )
            else:
                self.client.delete_message(QueueUrl=self.urls[name], ReceiptHandle=m.receipt_handle)
        return failed

    def send_raw(self, name: str, body: str) -> None:
        self.client.send_message(QueueUrl=self.urls[name], MessageBody=body)

    def count(self, name: str) -> int:
        attrs = self.client.get_queue_attributes(
            QueueUrl=self.urls[name],
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesDelayed",
                "ApproximateNumberOfMessagesNotVisible",
            ],
        )["Attributes"]
        return sum(int(v) for v in attrs.values())

    def pump(
        self,
        handler: Handler,
        *,
        until_empty_for: float = 0.0,
        timeout: float = 30.0,
        rounds: int | None = None,
    ) -> int:
        """Feed the worker, priority queue first, until both queues stay empty; returns the
        number of invocations."""
        invocations = 0
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while time.monotonic() < deadline and (rounds is None or invocations < rounds):
            batch_name = None
            messages: list[SqsMessage] = []
            for name in ("PriorityTaskQueue", "TaskQueue"):
                messages = self.receive(name)
                if messages:
                    batch_name = name
                    break
            if batch_name is None:
                now = time.monotonic()
                quiet_since = quiet_since or now
                pending = self.count("PriorityTaskQueue") + self.count("TaskQueue")
                if pending == 0 and now - quiet_since >= until_empty_for:
                    break
                time.sleep(0.05)
                continue
            quiet_since = None
            self.deliver(batch_name, handler, messages)
            invocations += 1
        return invocations
