"""SQS for tasks: batched sends through the one client factory (shared.aws).

A message body is `{"task_id": "<uuid>"}`. high/critical go to PriorityTaskQueue, the rest to
TaskQueue. SQS delays at most 15 minutes: a task due later is not sent; the sweeper sends it.
Sends never raise: a task that could not be sent keeps `enqueued_at` NULL and the sweeper retries.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from shared import aws
from shared.observability import logger
from shared.settings import get_settings

if TYPE_CHECKING:  # types only: the API never loads Powertools' event classes
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from mypy_boto3_sqs.type_defs import ChangeMessageVisibilityBatchRequestEntryTypeDef

MAX_DELAY_SECONDS = 900
PRIORITY_QUEUE_LEVELS = frozenset({"high", "critical"})
_BATCH = 10  # SendMessageBatch limit


@dataclass(frozen=True, slots=True)
class Outgoing:
    task_id: UUID
    priority: str
    delay_seconds: float = 0.0


def sendable(delay_seconds: float) -> bool:
    return delay_seconds <= MAX_DELAY_SECONDS


def queue_url(priority: str) -> str | None:
    settings = get_settings()
    if priority in PRIORITY_QUEUE_LEVELS:
        return settings.tasks.priority_task_queue_url
    return settings.tasks.task_queue_url


def body(task_id: UUID) -> str:
    return json.dumps({"task_id": str(task_id)})


def send(messages: Iterable[Outgoing]) -> list[UUID]:
    """Send what SQS can delay; returns the ids actually accepted by SQS."""
    by_queue: dict[str, list[Outgoing]] = {}
    for m in messages:
        url = queue_url(m.priority)
        if not url:
            logger.warning(
                "task queue URL not configured; the sweeper will retry",
                extra={"task_id": str(m.task_id)},
            )
            continue
        if sendable(m.delay_seconds):
            by_queue.setdefault(url, []).append(m)
    sent: list[UUID] = []
    for url, items in by_queue.items():
        for start in range(0, len(items), _BATCH):
            sent.extend(_send_batch(url, items[start : start + _BATCH]))
    return sent


def _send_batch(url: str, items: list[Outgoing]) -> list[UUID]:
    entries: list[Any] = [
        {
            "Id": str(i),
            "MessageBody": body(m.task_id),
            # Round up: a message must never arrive before its task is due.
            "DelaySeconds": min(MAX_DELAY_SECONDS, max(0, math.ceil(m.delay_seconds))),
        }
        for i, m in enumerate(items)
    ]
    try:
        answer = aws.sqs().send_message_batch(QueueUrl=url, Entries=entries)
    except Exception as exc:  # botocore raises many types; every one means "not sent"
        logger.warning(
            "task send failed; the sweeper will retry",
            extra={"error": type(exc).__name__, "count": len(items)},
        )
        return []
    failed = answer.get("Failed", [])
    if failed:
        logger.warning(
            "some task sends failed; the sweeper will retry", extra={"count": len(failed)}
        )
    return [items[int(ok["Id"])].task_id for ok in answer.get("Successful", [])]


MAX_REDELIVERY_SECONDS = 300


def redeliver_soon(records: Sequence[SQSRecord], base_seconds: int) -> None:
    """Received messages the worker could not even claim (database unreachable) become visible
    again after `base_seconds`, doubled per receive, instead of after the queue's visibility
    timeout (90 minutes). Best effort: on failure SQS still redelivers, only later."""
    by_queue: dict[str, list[SQSRecord]] = {}
    for record in records:
        by_queue.setdefault(record.event_source_arn, []).append(record)
    for arn, queued in by_queue.items():
        *_, account, name = arn.split(":")
        try:
            url = aws.sqs().get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
            for start in range(0, len(queued), _BATCH):
                entries: list[ChangeMessageVisibilityBatchRequestEntryTypeDef] = [
                    {
                        "Id": str(i),
                        "ReceiptHandle": r.receipt_handle,
                        "VisibilityTimeout": min(
                            base_seconds * 2 ** (int(r.attributes.approximate_receive_count) - 1),
                            MAX_REDELIVERY_SECONDS,
                        ),
                    }
                    for i, r in enumerate(queued[start : start + _BATCH])
                ]
                aws.sqs().change_message_visibility_batch(QueueUrl=url["QueueUrl"], Entries=entries)
        except Exception:  # botocore raises many types; the redelivery still happens, later
            logger.warning("could not shorten the redelivery of %d messages", len(queued))
