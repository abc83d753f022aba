"""`push`: one notification to one device, through its Amazon SNS platform endpoint.

One task per device, so a retry never notifies a device twice. A disabled endpoint (the app was
uninstalled, the token expired) is a permanent failure: retrying cannot deliver it. Endpoints of
the local stack (`local:`) exist only in its log.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from shared import aws
from shared.observability import logger
from shared.settings import SAFE_ENVIRONMENTS, get_settings
from shared.tasks.handlers.aws_errors import classified
from shared.tasks.registry import TaskContext, TaskOutput, task_handler

LOCAL_ENDPOINT = "local:"


class PushPayload(BaseModel):
    endpoint: str = Field(min_length=1, max_length=1024)
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(max_length=2000)


def message(payload: PushPayload) -> str:
    """One message in each platform's shape (SNS picks by the endpoint's platform)."""
    alert = {"title": payload.title, "body": payload.body}
    return json.dumps(
        {
            "default": payload.body,
            "APNS": json.dumps({"aps": {"alert": alert, "sound": "default"}}),
            "APNS_SANDBOX": json.dumps({"aps": {"alert": alert, "sound": "default"}}),
            "GCM": json.dumps({"notification": alert}),
        }
    )


@task_handler(
    "push",
    "Sends a push notification to one device through Amazon SNS",
    PushPayload,
    example={"endpoint": f"{LOCAL_ENDPOINT}example-device", "title": "Hello", "body": "A test."},
)
def send_push(payload: PushPayload, ctx: TaskContext) -> TaskOutput:  # noqa: ARG001
    detail: dict[str, Any] = {"endpoint": payload.endpoint}
    if get_settings().environment in SAFE_ENVIRONMENTS:
        detail |= {"title": payload.title, "body": payload.body[:500]}
    if payload.endpoint.startswith(LOCAL_ENDPOINT):
        logger.info("push (local: logged, not sent)", extra=detail)
        return TaskOutput({"message_id": None, "endpoint": payload.endpoint}, {"push_sent": True})
    with classified("SNS Publish"):
        answer = aws.sns().publish(
            TargetArn=payload.endpoint, Message=message(payload), MessageStructure="json"
        )
    logger.info("push sent", extra=detail | {"message_id": answer["MessageId"]})
    return TaskOutput(
        {"message_id": answer["MessageId"], "endpoint": payload.endpoint}, {"push_sent": True}
    )
