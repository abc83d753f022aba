"""The SQS stand-in: a moto server with template.yaml's queues, and pollers that invoke the
SQS-triggered functions with Lambda event-source-mapping semantics.

moto implements the redrive itself: a receive that finds a message already received
maxReceiveCount times moves it to the dead-letter queue, as SQS does.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tools.devstack.invoke import Handler
from tools.devstack.template import Queue, SqsSource
from tools.lambda_events import REGION, FakeLambdaContext, SqsMessage, sqs_event

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

log = logging.getLogger("devstack")

# Template properties that are SQS queue attributes of the same name.
_ATTRIBUTES = (
    "VisibilityTimeout",
    "DelaySeconds",
    "MessageRetentionPeriod",
    "MaximumMessageSize",
    "ReceiveMessageWaitTimeSeconds",
    "FifoQueue",
    "ContentBasedDeduplication",
)


@dataclass(frozen=True)
class LocalQueue:
    logical_id: str
    name: str
    url: str
    arn: str


def start_moto(port: int) -> ThreadedMotoServer:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def aws_client(service: str, endpoint: str) -> Any:
    import boto3

    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's dummy credentials
    )


def sqs_client(endpoint: str) -> SQSClient:
    client: SQSClient = aws_client("sqs", endpoint)
    return client


def _target_id(arn: Any) -> str:
    if isinstance(arn, dict) and "Fn::GetAtt" in arn:
        return str(arn["Fn::GetAtt"][0])
    raise ValueError(f"deadLetterTargetArn must be !GetAtt <Queue>.Arn, got {arn!r}")


def _attribute(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def create_queues(sqs: SQSClient, queues: Iterable[Queue]) -> dict[str, LocalQueue]:
    """Create every queue with its template properties; dead-letter targets first."""
    pending = list(queues)
    created: dict[str, LocalQueue] = {}
    while pending:
        ready = [
            q
            for q in pending
            if "RedrivePolicy" not in q.properties
            or _target_id(q.properties["RedrivePolicy"]["deadLetterTargetArn"]) in created
        ]
        if not ready:
            raise ValueError(f"unresolvable dead-letter targets: {[q.logical_id for q in pending]}")
        for queue in ready:
            attributes = {
                k: _attribute(queue.properties[k]) for k in _ATTRIBUTES if k in queue.properties
            }
            if "RedrivePolicy" in queue.properties:
                policy = queue.properties["RedrivePolicy"]
                target = created[_target_id(policy["deadLetterTargetArn"])]
                attributes["RedrivePolicy"] = json.dumps(
                    {
                        "deadLetterTargetArn": target.arn,
                        "maxReceiveCount": int(policy["maxReceiveCount"]),
                    }
                )
            url = sqs.create_queue(QueueName=queue.name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
            created[queue.logical_id] = LocalQueue(queue.logical_id, queue.name, url, arn)
            pending.remove(queue)
    return created


@dataclass(frozen=True)
class Binding:
    """One SQS event source of a function."""

    queue: LocalQueue
    source: SqsSource


def _lambda_message_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {
            "stringValue": a.get("StringValue"),
            "binaryValue": a.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": a["DataType"],
        }
        for name, a in attributes.items()
    }


def failed_ids(result: Any, ids: set[str]) -> set[str]:
    """The message ids a ReportBatchItemFailures response marks failed. As in Lambda, an empty
    response means success, and a malformed one (unknown or missing id) fails the whole batch."""
    if result is None:
        return set()
    if not isinstance(result, dict):
        return set(ids)
    failures = result.get("batchItemFailures") or []
    failed: set[str] = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in ids:
            return set(ids)
        failed.add(identifier)
    return failed


@dataclass(frozen=True)
class BatchOutcome:
    received: int
    failed: int


class Poller:
    """One function's event source mappings. Bindings are polled in order each cycle, so a
    priority queue listed first is drained before the others."""

    def __init__(
        self,
        sqs: SQSClient,
        function_name: str,
        bindings: list[Binding],
        handler: Handler,
        timeout_seconds: float,
        stop: threading.Event,
        idle_seconds: float = 0.5,
    ) -> None:
        self._sqs = sqs
        self.function_name = function_name
        self.bindings = bindings
        self._handler = handler
        self._timeout = timeout_seconds
        self._stop = stop
        self._idle = idle_seconds

    def _receive(self, binding: Binding) -> list[MessageTypeDef]:
        size, window = binding.source.batch_size, binding.source.window_seconds
        messages: list[MessageTypeDef] = []
        deadline = time.monotonic() + window
        while len(messages) < size:
            response = self._sqs.receive_message(
                QueueUrl=binding.queue.url,
                MaxNumberOfMessages=min(10, size - len(messages)),
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            got = response.get("Messages", [])
            messages.extend(got)
            # Lambda invokes when the batch is full or the batching window has passed.
            if not messages or time.monotonic() >= deadline:
                break
            if not got:
                self._stop.wait(min(0.2, max(0.0, deadline - time.monotonic())))
        return messages

    def _invoke(self, binding: Binding, messages: list[MessageTypeDef]) -> BatchOutcome:
        records = []
        for m in messages:
            attributes: dict[str, str] = {str(k): v for k, v in m.get("Attributes", {}).items()}
            count = int(attributes.get("ApproximateReceiveCount", "1"))
            records.append(
                SqsMessage(m["MessageId"], m["ReceiptHandle"], m["Body"], count, attributes)
            )
        event = sqs_event(binding.queue.name, records)
        for record, message in zip(event["Records"], messages, strict=True):
            record["messageAttributes"] = _lambda_message_attributes(
                dict(message.get("MessageAttributes", {}))
            )
            first = message.get("Attributes", {}).get("ApproximateFirstReceiveTimestamp")
            if first:
                record["attributes"]["ApproximateFirstReceiveTimestamp"] = first
        ids = {m["MessageId"] for m in messages}
        started = time.monotonic()
        try:
            result = self._handler(event, FakeLambdaContext(self.function_name, self._timeout))
        except Exception:
            log.exception("%s raised on a batch from %s", self.function_name, binding.queue.name)
            failed = set(ids)
        else:
            failed = failed_ids(result, ids) if binding.source.report_failures else set()
        elapsed = time.monotonic() - started
        if elapsed > self._timeout:  # Lambda would have killed it: the whole batch is retried
            log.warning(
                "%s ran %.1f s, over its %.0f s timeout", self.function_name, elapsed, self._timeout
            )
            failed = set(ids)
        done = [m for m in messages if m["MessageId"] not in failed]
        for i in range(0, len(done), 10):
            self._sqs.delete_message_batch(
                QueueUrl=binding.queue.url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(done[i : i + 10])
                ],
            )
        log.info(
            "SQS %s <- %s: %d message(s), %d failed, %.1f ms",
            self.function_name,
            binding.queue.name,
            len(messages),
            len(failed),
            elapsed * 1000,
        )
        return BatchOutcome(len(messages), len(failed))

    def poll_once(self) -> BatchOutcome | None:
        """Invoke the function with the first non-empty batch, bindings in order."""
        for binding in self.bindings:
            if not binding.source.enabled:
                continue
            messages = self._receive(binding)
            if messages:
                return self._invoke(binding, messages)
        return None

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                outcome = self.poll_once()
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("polling for %s failed", self.function_name)
                outcome = None
            if outcome is None:
                self._stop.wait(self._idle)
