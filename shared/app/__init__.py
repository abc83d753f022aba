"""A resource group as a Lambda function: its FastAPI app (middleware, error envelope, CORS)
behind Mangum. The layer above every domain: it wires request instrumentation into monitoring."""

from shared.app.factory import create_app
from shared.app.lambda_http import http_handler

__all__ = ["create_app", "http_handler"]
