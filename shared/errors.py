"""One error hierarchy. Every failure the API reports is an AppError mapped to one envelope."""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "INTERNAL_ERROR"
    default_message: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationFailed(AppError):
    status, code = 400, "VALIDATION_FAILED"

    def __init__(self, field: str, detail: str, *, details: Any = None) -> None:
        self.field = field
        super().__init__(f"Validation failed for {field}: {detail}", details=details)


class InvalidInput(AppError):
    status, code, default_message = 400, "INVALID_INPUT", "Invalid input"


class Unauthorized(AppError):
    status, code, default_message = 401, "UNAUTHORIZED", "Unauthorized access"


class InvalidCredentials(AppError):
    status, code, default_message = 401, "INVALID_CREDENTIALS", "Invalid credentials"


class Forbidden(AppError):
    status, code, default_message = 403, "FORBIDDEN", "Access denied"


class NotFound(AppError):
    status, code, default_message = 404, "NOT_FOUND", "The requested resource was not found"


class MethodNotAllowed(AppError):
    status, code, default_message = 405, "METHOD_NOT_ALLOWED", "Method not allowed"


class Conflict(AppError):
    status, code, default_message = 409, "CONFLICT", "Conflict"


class UserAlreadyExists(AppError):
    status, code, default_message = 409, "USER_ALREADY_EXISTS", "User already exists"


class EmailAlreadyExists(AppError):
    status, code, default_message = 409, "EMAIL_ALREADY_EXISTS", "Email already exists"


class UsernameAlreadyExists(AppError):
    status, code, default_message = 409, "USERNAME_ALREADY_EXISTS", "Username already exists"


class PayloadTooLarge(AppError):
    status, code, default_message = 413, "PAYLOAD_TOO_LARGE", "Request body too large"


class UnsupportedMediaType(AppError):
    status, code = 415, "UNSUPPORTED_MEDIA_TYPE"
    default_message = "Content-Type must be application/json"


class SchemaInvalid(AppError):
    """Well-formed JSON of the wrong shape (missing field, wrong type, bad enum)."""

    status, code, default_message = 422, "VALIDATION_FAILED", "Request body is invalid"


class TooManyRequests(AppError):
    status, code, default_message = 429, "TOO_MANY_REQUESTS", "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after_seconds: int) -> None:
        seconds = max(1, retry_after_seconds)
        super().__init__(message, headers={"Retry-After": str(seconds)})
        self.retry_after_seconds = seconds


class DatabaseError(AppError):
    status, code, default_message = 500, "DATABASE_ERROR", "Database error occurred"


class InternalError(AppError):
    pass


class ServiceUnavailable(AppError):
    status, code, default_message = 503, "SERVICE_UNAVAILABLE", "Service unavailable"


class ServiceUnhealthy(AppError):
    status, code, default_message = 503, "SERVICE_UNHEALTHY", "Service unhealthy: unhealthy"
