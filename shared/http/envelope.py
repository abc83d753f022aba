"""The success and error envelopes, and the one timestamp format every response uses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, PlainSerializer

from shared.errors import AppError


def format_timestamp(value: datetime) -> str:
    """RFC 3339 UTC with microseconds and Z: fixed width, so strings compare like times."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Timestamp = Annotated[datetime, PlainSerializer(format_timestamp, return_type=str)]


class Envelope[T](BaseModel):
    success: Literal[True] = True
    data: T
    message: str | None = None


def ok[T](data: T, message: str | None = None) -> Envelope[T]:
    return Envelope[T](data=data, message=message)


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    success: Literal[False] = False
    error: ErrorBody
    request_id: str | None = None


def error_body(error: AppError, request_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details is not None:
        body["details"] = error.details
    return {"success": False, "error": body, "request_id": request_id}
