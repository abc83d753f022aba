"""The CloudFormation custom-resource protocol: answer every request exactly once, and in time.

CloudFormation waits for a PUT to the request's pre-signed ResponseURL. A function that crashes or
times out without answering leaves the stack waiting (up to the resource's ServiceTimeout), so
every failure, a missed deadline included, is reported as FAILED with a reason.
"""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import FrameType
from typing import Any, Literal
from urllib.parse import urlsplit

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from shared.observability import logger

Status = Literal["SUCCESS", "FAILED"]
# Time kept back from the Lambda timeout to send the answer (3 PUT attempts of at most 5 s).
ANSWER_RESERVE_SECONDS = 20
_PUT_ATTEMPTS = 3
_PUT_TIMEOUT_SECONDS = 5
_REASON_LIMIT = 1000
_DATA_LIMIT_BYTES = 2048  # the whole answer must stay under CloudFormation's 4 KiB


class DeadlineExceeded(Exception):
    pass


def is_request(event: Mapping[str, Any]) -> bool:
    return "RequestType" in event and "ResponseURL" in event


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise DeadlineExceeded in the main thread after `seconds` (interrupts a waiting query)."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise DeadlineExceeded(f"not finished after {seconds:.0f} s; gave up to answer in time")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1.0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _attributes(result: Mapping[str, object]) -> dict[str, str]:
    """Result values as Fn::GetAtt-able strings; whatever does not fit is only logged."""
    data: dict[str, str] = {}
    size = 0
    for key, value in result.items():
        text = ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        size += len(key) + len(text) + 6
        if size > _DATA_LIMIT_BYTES:
            break
        data[key] = text
    return data


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        # Without the input: a settings error would otherwise echo secret values.
        return "invalid settings: " + "; ".join(
            str(e["msg"]) for e in exc.errors(include_url=False, include_input=False)
        )
    return f"{type(exc).__name__}: {exc}"


def respond(
    event: Mapping[str, Any],
    status: Status,
    *,
    physical_id: str,
    reason: str = "",
    data: Mapping[str, str] | None = None,
) -> None:
    url = str(event["ResponseURL"])
    if urlsplit(url).scheme not in ("https", "http"):
        raise ValueError("ResponseURL must be an http(s) URL")
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason[:_REASON_LIMIT],
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": False,
            "Data": dict(data or {}),
        }
    ).encode()
    # The URL is pre-signed without a content type: sending one would break the signature.
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, method="PUT", headers={"Content-Type": ""}
    )
    for attempt in range(1, _PUT_ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=_PUT_TIMEOUT_SECONDS):  # noqa: S310
                return
        except OSError as exc:
            logger.warning(
                "answering CloudFormation failed", extra={"attempt": attempt, "error": str(exc)}
            )
            if attempt == _PUT_ATTEMPTS:
                raise
            time.sleep(0.5 * attempt)


def run(
    event: Mapping[str, Any],
    context: LambdaContext,
    on_create_or_update: Callable[[], Mapping[str, object]],
) -> None:
    """Answer one custom-resource request. Delete only acknowledges: nothing is ever torn down."""
    request_type = event["RequestType"]
    # Stable across updates: a new id would make CloudFormation delete the "old" resource.
    physical_id = str(event.get("PhysicalResourceId") or event["LogicalResourceId"])
    if request_type == "Delete":
        respond(event, "SUCCESS", physical_id=physical_id)
        return
    budget = context.get_remaining_time_in_millis() / 1000 - ANSWER_RESERVE_SECONDS
    try:
        with deadline(budget):
            result = on_create_or_update()
    except Exception as exc:  # every failure must reach CloudFormation, not hang the stack
        reason = _describe(exc)
        logger.error(
            "custom resource request failed",
            extra={"request_type": request_type, "reason": reason},
            exc_info=not isinstance(exc, ValidationError),
        )
        reason = f"{reason} (log stream {context.log_stream_name})"
        respond(event, "FAILED", physical_id=physical_id, reason=reason)
        return
    logger.info("custom resource request succeeded", extra={"result": dict(result)})
    respond(event, "SUCCESS", physical_id=physical_id, data=_attributes(result))
