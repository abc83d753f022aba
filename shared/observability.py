"""Powertools Logger, Metrics and Tracer: created once per execution environment.

Service name, log level and metrics namespace come from the POWERTOOLS_* environment variables
that template.yaml sets globally. The Tracer is built only when tracing is on: it imports the X-Ray
SDK and botocore, which is most of a cold start on small functions
(POWERTOOLS_TRACE_DISABLED=true skips it; Lambda's own Active tracing still records invocations).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any, cast

from aws_lambda_powertools import Logger, Metrics

# Powertools warns on every invocation that records no metric of its own; that is expected.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger()
metrics = Metrics()


def tracing_enabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() not in {"true", "1"}


@cache
def tracer() -> Any:
    from aws_lambda_powertools import Tracer

    return Tracer()


def traced[Handler: Callable[..., Any]](handler: Handler) -> Handler:
    """Powertools' capture_lambda_handler when tracing is on; the handler itself otherwise."""
    if not tracing_enabled():
        return handler
    wrapped: Handler = tracer().capture_lambda_handler(handler, capture_response=False)
    return wrapped


def instrumented[Handler: Callable[..., Any]](
    handler: Handler, correlation_id_path: str | None = None
) -> Handler:
    """Every function's Lambda entry point: structured logs (context, correlation id, state
    cleared per invocation), tracing when on, and metrics flushed with the cold-start metric."""
    logged = logger.inject_lambda_context(
        handler, correlation_id_path=correlation_id_path, clear_state=True
    )
    return cast(Handler, metrics.log_metrics(traced(logged), capture_cold_start_metric=True))
