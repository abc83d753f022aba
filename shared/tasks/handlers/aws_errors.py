"""Classifying AWS failures for handlers: throttling, 5xx and network trouble are transient
(a later attempt may succeed); any other client error (4xx) is permanent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shared.tasks.registry import PermanentTaskError, TransientTaskError

THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "LimitExceededException",  # SES: sending quota/rate exceeded
        "ServiceUnavailable",
        "RequestTimeout",
    }
)


@contextmanager
def classified(what: str) -> Iterator[None]:
    """Re-raise botocore errors from the block as Transient/PermanentTaskError."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        text = f"{what} failed: {code}: {error.get('Message', '')}".rstrip(": ")
        if code in THROTTLING or status == 429 or status >= 500:
            raise TransientTaskError(text) from None
        raise PermanentTaskError(text) from None
    except BotoCoreError as exc:  # connection refused/reset, timeouts, DNS
        raise TransientTaskError(f"{what} failed: {exc}") from None
