"""Built-in request instrumentation, called by the shared HTTP middleware.

Every request adds to in-memory totals per (method, route, status). (No CloudWatch metric per
request: API Gateway already publishes Count, Latency, 4xx and 5xx for the API, which the
dashboard and the latency alarm use; an EMF copy would cost custom-metric fees and a JSON line
per request.) The totals are written to the metrics
table as `http_requests_total` (requests since the previous flush) and `http_request_duration_ms`
(their mean latency) at most once every METRICS_FLUSH_INTERVAL_SECONDS or
METRICS_FLUSH_MAX_REQUESTS requests, so most requests cost no database round trip. The trade-off:
totals not yet flushed when Lambda retires an execution environment are lost.

Every function, including health, loads this module: it imports nothing the app factory has not
already loaded; the database code is imported on the first flush.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from shared.observability import logger
from shared.settings import get_settings

ERROR_SOURCE = "system-http"

# (method, route, status) -> [requests, total milliseconds]
_pending: dict[tuple[str, str, str], list[float]] = {}
_requests = 0
_last_flush = time.monotonic()


def route_of(scope: Mapping[str, Any]) -> str:
    """The matched route template (bounded cardinality), never the raw path."""
    route = scope.get("route")
    return str(getattr(route, "path", None) or "unmatched")


def request_finished(scope: Mapping[str, Any], status: int, duration_ms: float) -> None:
    global _requests
    settings = get_settings()
    if not settings.monitoring.request_metrics_enabled:
        return
    method, route = str(scope.get("method", "")), route_of(scope)
    totals = _pending.setdefault((method, route, str(status)), [0.0, 0.0])
    totals[0] += 1
    totals[1] += duration_ms
    _requests += 1
    if (
        _requests >= settings.monitoring.metrics_flush_max_requests
        or time.monotonic() - _last_flush >= settings.monitoring.metrics_flush_interval_seconds
    ):
        flush()


def flush() -> int:
    """Write the pending totals in one INSERT; returns the rows written. Never raises: losing a
    batch of request metrics must not fail the request that happened to trigger the flush."""
    global _pending, _requests, _last_flush
    batch, _pending, _requests, _last_flush = _pending, {}, 0, time.monotonic()
    if not batch:
        return 0
    names, values, labels = [], [], []
    for (method, route, status), (count, total_ms) in batch.items():
        tags = {"method": method, "route": route, "status": status}
        names += ["http_requests_total", "http_request_duration_ms"]
        values += [count, total_ms / count]
        labels += [tags, tags]
    try:
        from psycopg.types.json import Jsonb

        from shared import db

        db.connection().execute(
            "INSERT INTO metrics (name, metric_type, value, labels)"
            " SELECT n, CASE WHEN n = 'http_requests_total' THEN 'counter' ELSE 'summary' END,"
            " v, l FROM unnest(%s::text[], %s::float8[], %s::jsonb[]) AS t(n, v, l)",
            (names, values, [Jsonb(t) for t in labels]),
        )
    except Exception:
        logger.warning("request metrics flush failed", exc_info=True)
        return 0
    return len(names)


def reset() -> None:
    """Drop pending totals (tests)."""
    global _pending, _requests, _last_flush
    _pending, _requests, _last_flush = {}, 0, time.monotonic()


def fingerprint(error: BaseException) -> tuple[str, str]:
    """(fingerprint, location): the exception type and the innermost application frame (its
    file's last path parts and its function), never the message or a line number, so repeats of
    one bug share a fingerprint across requests and deploys."""
    # Only the error path pays for these imports.
    import hashlib
    import sysconfig
    import traceback
    from pathlib import Path

    stdlib = sysconfig.get_paths()["stdlib"]

    def ours(filename: str) -> bool:  # application code: not a library, not the stdlib
        return not (
            filename.startswith(("<", stdlib))
            or "site-packages" in filename
            or "/var/runtime/" in filename
        )

    frames = traceback.extract_tb(error.__traceback__)
    frame = next((f for f in reversed(frames) if ours(f.filename)), frames[-1] if frames else None)
    location = "unknown"
    if frame is not None:
        location = f"{'/'.join(Path(frame.filename).parts[-3:])}:{frame.name}"
    kind = f"{type(error).__module__}.{type(error).__qualname__}"
    digest = hashlib.sha256(f"{kind}@{location}".encode()).hexdigest()[:16]
    return digest, location


def unhandled_error(error: BaseException, request_id: str, scope: Mapping[str, Any]) -> None:
    """Record an `error` event that alert rules can count by fingerprint. Never raises."""
    digest, location = fingerprint(error)
    try:
        from shared.monitoring.system_events import record_event

        record_event(
            "log",
            ERROR_SOURCE,
            f"Unhandled {type(error).__name__} in {route_of(scope)}",
            "error",
            {
                "fingerprint": digest,
                "exception_type": type(error).__name__,
                "request_id": request_id,
                "route": route_of(scope),
            },
            {"location": location, "method": scope.get("method")},
        )
    except Exception:
        logger.warning("could not record the unhandled error", exc_info=True)
