"""The success and error envelopes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from shared.errors import AppError


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
