"""The SQS worker: Powertools batch processing with ReportBatchItemFailures.

Per batch: parse every record, claim every task in one statement, run the claimed handlers
concurrently (each cut off at min(task timeout, Lambda time left - margin)), record every outcome
in one statement, then send retries and re-delays, then report every transition to monitoring
in one more statement (lifecycle.py). A record is reported failed (SQS redelivers it)
only when the database could not be reached: every other case is acknowledged, because the task
row, not the message, carries the state. Retries follow the task's strategy, never SQS's
maxReceiveCount; the redrive DLQ only catches crash loops.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any
from uuid import UUID

import psycopg
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from shared.observability import logger
from shared.settings import get_settings
from shared.tasks import claims, error_log, lifecycle, outbox, queue, registry, retry
from shared.tasks.batch import WholeBatchProcessor
from shared.tasks.claims import Claim, Outcome
from shared.tasks.lifecycle import TaskTransition
from shared.tasks.states import TaskStatus

MAX_CONCURRENCY = 10  # one thread per record of a full SQS batch

_executor: ThreadPoolExecutor | None = None


def executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(MAX_CONCURRENCY, thread_name_prefix="task")
    return _executor


def _abandon_executor() -> None:
    """A timed-out handler cannot be killed in Python: leave its thread behind, start afresh."""
    global _executor
    if _executor is not None:
        _executor.shutdown(wait=False)
        _executor = None


def parse_task_id(body: str) -> UUID | None:
    try:
        data = json.loads(body)
        return UUID(str(data["task_id"]))
    except (ValueError, TypeError, KeyError):
        return None


def _execute(claim: Claim, deadline: float) -> Any:
    handler = registry.get(claim.task_type)
    if handler is None:
        raise registry.PermanentTaskError(f"No handler registered for task type: {claim.task_type}")
    ctx = registry.TaskContext(
        claim.id, claim.attempt, claim.max_attempts, deadline, claim.created_by
    )
    output = handler.run(claim.payload, ctx)
    try:  # fail here, not in the completion statement, if the result cannot be stored
        json.dumps([output.result, output.metadata], allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise registry.PermanentTaskError(f"result is not JSON: {exc}") from None
    return output


def _failure(
    claim: Claim, outcome: str, error: str, duration_ms: int, retry_after: float | None = None
) -> Outcome:
    if outcome == "permanent_error":
        return Outcome(claim, TaskStatus.FAILED, outcome, duration_ms, error=error)
    strategy = retry.parse(claim.retry_strategy)
    delay = retry.next_delay(strategy, claim.attempt)
    if delay is None:
        return Outcome(claim, TaskStatus.FAILED, outcome, duration_ms, error=error)
    if retry_after is not None:  # e.g. Retry-After: honoured when longer than the backoff
        delay = min(max(delay, retry_after), retry.MAX_DELAY_SECONDS)
    return Outcome(
        claim, TaskStatus.RETRYING, outcome, duration_ms, error=error, delay_seconds=delay
    )


def _outcome(claim: Claim, future: Future[Any], deadline: float, started: float) -> Outcome:
    try:
        output = future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        _abandon_executor()
        ms = int((time.monotonic() - started) * 1000)
        return _failure(claim, "timeout", f"Task execution timed out after {ms / 1000:.1f}s", ms)
    except registry.PermanentTaskError as exc:
        ms = int((time.monotonic() - started) * 1000)
        return _failure(claim, "permanent_error", f"Task execution error: {exc}", ms)
    except registry.TransientTaskError as exc:
        ms = int((time.monotonic() - started) * 1000)
        return _failure(
            claim, "transient_error", f"Task execution error: {exc}", ms, exc.retry_after
        )
    except Exception as exc:  # an unclassified handler error may succeed next time
        ms = int((time.monotonic() - started) * 1000)
        return _failure(claim, "transient_error", f"Task execution error: {exc}", ms)
    ms = int((time.monotonic() - started) * 1000)
    return Outcome(
        claim,
        TaskStatus.COMPLETED,
        "success",
        ms,
        result=output.result,
        metadata=output.metadata or None,
    )


def _transitions(deferred: list[tuple[UUID, str]], applied: list[Outcome]) -> list[TaskTransition]:
    events = [
        TaskTransition(
            task_id,
            task_type,
            TaskStatus.RETRYING,
            f"Task deferred: circuit breaker open for task type {task_type}, no attempt used",
            "deferred",
        )
        for task_id, task_type in deferred
    ]
    for o in applied:
        c = o.claim
        if o.status is TaskStatus.COMPLETED:
            message = f"Task completed on attempt {c.attempt}"
        elif o.status is TaskStatus.RETRYING:
            message = (
                f"Task retrying in {o.delay_seconds:.1f}s after attempt {c.attempt} "
                f"of {c.max_attempts}: {o.error}"
            )
        else:
            message = f"Task failed on attempt {c.attempt} of {c.max_attempts}: {o.error}"
        events.append(TaskTransition(c.id, c.task_type, o.status, message, o.outcome))
    return events


def run_batch(records: list[SQSRecord], remaining_seconds: float) -> set[str]:
    """Process one SQS batch; returns the message ids to redeliver."""
    settings = get_settings()
    ids: dict[str, UUID] = {}
    bad: list[error_log.TaskError] = []
    for r in records:
        task_id = parse_task_id(r.body)
        if task_id is None:  # poison: acknowledged, recorded, never retried
            bad.append(
                error_log.TaskError(
                    "worker", "Malformed task message", message_id=r.message_id, body=r.body
                )
            )
        else:
            ids[r.message_id] = task_id
    try:
        error_log.record(bad)
        claimed = claims.claim(list(dict.fromkeys(ids.values()))) if ids else None
    except psycopg.Error:
        logger.exception("claim failed; the whole batch will be redelivered soon")
        queue.redeliver_soon(records, settings.tasks.task_redelivery_base_seconds)
        return {r.message_id for r in records}
    if claimed is None:
        return set()
    started = time.monotonic()
    budget = max(0.0, remaining_seconds - settings.tasks.worker_deadline_margin_seconds)
    running = []
    for c in claimed.claims:
        deadline = started + min(float(c.timeout_seconds), budget)
        running.append((c, deadline, executor().submit(_execute, c, deadline)))
    outcomes = [_outcome(c, f, deadline, started) for c, deadline, f in running]
    try:
        completion = claims.complete(outcomes)
    except psycopg.Error:
        # The handlers ran but nothing was recorded: the tasks stay leased and the sweeper
        # recovers them when the leases expire; redelivered messages are acknowledged meanwhile.
        logger.exception("recording outcomes failed; the whole batch will be redelivered")
        return {r.message_id for r in records}
    outbox.dispatch([queue.Outgoing(i, p, d) for i, p, d in [*claimed.resend, *completion.retries]])
    lifecycle.record(_transitions(claimed.deferred, completion.applied))
    return set()


processor = WholeBatchProcessor(run_batch)
record_handler = processor.record_handler
