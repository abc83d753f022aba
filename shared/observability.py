"""Powertools Logger, Metrics and Tracer: created once per execution environment.

Service name, log level and metrics namespace come from the POWERTOOLS_* environment variables
that template.yaml sets globally. Tracing is off unless the stack's EnableTracing parameter turns
it on (POWERTOOLS_TRACE_DISABLED=false, Lambda Active tracing). Then the Tracer is built on the
first invocation and patches nothing up front: the X-Ray SDK imports botocore, and patching every
library it knows would import more. A library's calls are traced from the moment the function
first uses it (`trace_library`, called by the boto3 client factory).
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

    return Tracer(auto_patch=False)


_traced_libraries: set[str] = set()


def trace_library(name: str) -> None:
    """With tracing on, X-Ray records the calls library `name` ("botocore", ...) makes from now
    on; patched once per execution environment. Does nothing with tracing off."""
    if not tracing_enabled() or name in _traced_libraries:
        return
    tracer().patch([name])
    _traced_libraries.add(name)


def traced[Handler: Callable[..., Any]](handler: Handler) -> Handler:
    """Powertools' capture_lambda_handler when tracing is on; the handler itself otherwise."""
    if not tracing_enabled():
        return handler
    wrapped: Handler = tracer().capture_lambda_handler(handler, capture_response=False)
    return wrapped


def instrumented[Handler: Callable[..., Any]](handler: Handler) -> Handler:
    """Every function's Lambda entry point: structured logs (context, state cleared per
    invocation), tracing when on, and metrics flushed with the cold-start metric. An HTTP
    function sets the correlation id itself (shared/app/lambda_http.py)."""
    logged = logger.inject_lambda_context(handler, clear_state=True)
    return cast(Handler, metrics.log_metrics(traced(logged), capture_cold_start_metric=True))
