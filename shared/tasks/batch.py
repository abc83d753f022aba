"""A Powertools BatchProcessor that handles the whole SQS batch at once (batched SQL), then lets
Powertools report each record: the record handler only raises for records to redeliver."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from shared.observability import instrumented

DEFAULT_REMAINING_SECONDS = 900.0  # when called without a Lambda context

# (records, seconds the invocation has left) -> message ids SQS must deliver again
BatchRun = Callable[[list[SQSRecord], float], set[str]]


class RedeliverLater(Exception):
    """The record is reported failed, so SQS delivers it again after the visibility timeout."""


class WholeBatchProcessor(BatchProcessor):
    def __init__(self, run: BatchRun) -> None:
        # Every record may legitimately fail together (database down): report, do not raise.
        super().__init__(EventType.SQS, raise_on_entire_batch_failure=False)
        self._run = run
        self._redeliver: set[str] = set()

    def process(self) -> list[tuple[Any, ...]]:
        context = getattr(self, "lambda_context", None)
        remaining = (
            context.get_remaining_time_in_millis() / 1000
            if context is not None
            else DEFAULT_REMAINING_SECONDS
        )
        self._redeliver = self._run([SQSRecord(r) for r in self.records], remaining)
        return super().process()

    def record_handler(self, record: SQSRecord) -> None:
        if record.message_id in self._redeliver:
            raise RedeliverLater(record.message_id)


def sqs_handler(
    processor: WholeBatchProcessor, record_handler: Callable[[SQSRecord], None]
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """An SQS-triggered function's entry point: partial batch failures reported to SQS."""

    @instrumented
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        return dict(response)

    return handler
