"""A group's FastAPI app as a Lambda handler: Mangum plus Powertools logging, tracing, metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from fastapi import FastAPI
from mangum import Mangum

from shared.observability import instrumented, logger

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def http_handler(app: FastAPI) -> LambdaHandler:
    # lifespan="off": Mangum would otherwise run startup/shutdown on every invocation.
    adapter = Mangum(app, lifespan="off")

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        # API Gateway's request id is the correlation id: read directly, not through
        # Powertools' JMESPath expression (a few hundredths of a ms per request).
        request_id = (event.get("requestContext") or {}).get("requestId")
        if request_id:
            logger.set_correlation_id(request_id)
        response: dict[str, Any] = adapter(event, context)  # type: ignore[arg-type]
        return response

    return instrumented(handler)
