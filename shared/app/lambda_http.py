"""A group's FastAPI app as a Lambda handler: Mangum plus Powertools logging, tracing, metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from fastapi import FastAPI
from mangum import Mangum

from shared.observability import instrumented

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def http_handler(app: FastAPI) -> LambdaHandler:
    # lifespan="off": Mangum would otherwise run startup/shutdown on every invocation.
    adapter = Mangum(app, lifespan="off")

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        response: dict[str, Any] = adapter(event, context)  # type: ignore[arg-type]
        return response

    return instrumented(handler, correlation_paths.API_GATEWAY_HTTP)
