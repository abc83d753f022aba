"""A group's FastAPI app as a Lambda handler: Mangum plus Powertools logging, tracing, metrics."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from fastapi import FastAPI
from mangum import Mangum

from shared.observability import logger, metrics, traced

# Powertools warns on every invocation that records no metric of its own; that is expected.
warnings.filterwarnings("ignore", message="No application metrics to publish")

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def http_handler(app: FastAPI) -> LambdaHandler:
    # lifespan="off": Mangum would otherwise run startup/shutdown on every invocation.
    adapter = Mangum(app, lifespan="off")

    @metrics.log_metrics(capture_cold_start_metric=True)
    @traced
    @logger.inject_lambda_context(
        correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
    )
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        response: dict[str, Any] = adapter(event, context)  # type: ignore[arg-type]
        return response

    return cast(LambdaHandler, handler)  # Powertools' decorators are untyped
