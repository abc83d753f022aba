"""`email`: sends through Amazon SES v2 from the configured sender."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from shared import aws
from shared.errors import ValidationFailed
from shared.identity.validation import validate_email
from shared.observability import logger
from shared.settings import SAFE_ENVIRONMENTS, get_settings
from shared.tasks.handlers.aws_errors import classified
from shared.tasks.registry import PermanentTaskError, TaskContext, TaskOutput, task_handler

MAX_RECIPIENTS = 50  # SES's limit per message, To and Cc together


def _address(value: str) -> str:
    try:
        validate_email(value)
    except ValidationFailed as exc:
        raise ValueError(f"Invalid email format: {value!r}") from exc
    return value


class EmailPayload(BaseModel):
    to: str | list[str]
    subject: str = Field(min_length=1, max_length=998)  # RFC 5322 line limit
    body: str
    html: str | None = None
    cc: list[str] = Field(default_factory=list)
    reply_to: str | None = None

    @field_validator("to")
    @classmethod
    def _to(cls, value: str | list[str]) -> list[str]:
        addresses = [value] if isinstance(value, str) else value
        if not addresses:
            raise ValueError("at least one recipient is required")
        return [_address(a) for a in addresses]

    @field_validator("cc")
    @classmethod
    def _cc(cls, value: list[str]) -> list[str]:
        return [_address(a) for a in value]

    @field_validator("reply_to")
    @classmethod
    def _reply_to(cls, value: str | None) -> str | None:
        return None if value is None else _address(value)

    def recipients(self) -> list[str]:
        return [*self.to, *self.cc]


@task_handler(
    "email",
    "Sends an email through Amazon SES",
    EmailPayload,
    example={"to": "someone@example.com", "subject": "Hello", "body": "Sent as a task."},
)
def send_email(payload: EmailPayload, ctx: TaskContext) -> TaskOutput:
    settings = get_settings()
    to = list(payload.to)  # the validator made it a list
    if len(payload.recipients()) > MAX_RECIPIENTS:
        raise PermanentTaskError(f"Too many recipients (max {MAX_RECIPIENTS})")
    body: dict[str, Any] = {"Text": {"Data": payload.body, "Charset": "UTF-8"}}
    if payload.html is not None:
        body["Html"] = {"Data": payload.html, "Charset": "UTF-8"}
    request: dict[str, Any] = {
        "FromEmailAddress": settings.handlers.email_sender,
        "Destination": {"ToAddresses": to, "CcAddresses": payload.cc},
        "Content": {
            "Simple": {"Subject": {"Data": payload.subject, "Charset": "UTF-8"}, "Body": body}
        },
        "EmailTags": [{"Name": "task_id", "Value": str(ctx.task_id)}],
    }
    if payload.reply_to is not None:
        request["ReplyToAddresses"] = [payload.reply_to]
    with classified("SES SendEmail"):
        answer = aws.sesv2().send_email(**request)
    message_id = answer["MessageId"]
    # Locally (moto) nothing is delivered: the log line shows what would have been sent.
    # Elsewhere only counts are logged: addresses and content are personal data.
    detail: dict[str, Any] = {"message_id": message_id, "recipients": len(payload.recipients())}
    if settings.environment in SAFE_ENVIRONMENTS:
        detail |= {
            "from": settings.handlers.email_sender,
            "to": to,
            "cc": payload.cc,
            "subject": payload.subject,
            "body": payload.body[:500],
        }
    logger.info("email sent", extra=detail)
    result = {"message_id": message_id, "to": to, "cc": payload.cc, "subject": payload.subject}
    return TaskOutput(result, {"email_sent": True})  # clients check this flag
