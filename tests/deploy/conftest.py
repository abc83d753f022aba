"""A local stand-in for CloudFormation's pre-signed ResponseURL, and custom-resource events."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tools.lambda_events import ACCOUNT, REGION

STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/starter/{uuid.uuid4()}"


@dataclass
class ResponseUrl:
    """Records every PUT CloudFormation would receive."""

    url: str
    answers: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str | None] = field(default_factory=list)

    @property
    def only(self) -> dict[str, Any]:
        assert len(self.answers) == 1, self.answers
        return self.answers[0]


@pytest.fixture
def response_url() -> Iterator[ResponseUrl]:
    recorder = ResponseUrl(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers["Content-Length"])
            recorder.answers.append(json.loads(self.rfile.read(length)))
            recorder.content_types.append(self.headers.get("Content-Type"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_port}/cfn-response?X-Amz-Signature=abc"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


def custom_resource_event(
    request_type: str, response_url: str, *, physical_id: str | None = None
) -> dict[str, Any]:
    """A CloudFormation custom-resource request as Lambda receives it."""
    properties = {
        "ServiceToken": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:starter-MigrationFunction",
        "ServiceTimeout": "600",
        "SharedLayer": f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:SharedLayer:7",
    }
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": properties["ServiceToken"],
        "ResponseURL": response_url,
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": "DatabaseMigrations",
        "ResourceType": "Custom::DatabaseMigrations",
        "ResourceProperties": properties,
    }
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    if request_type == "Update":
        event["OldResourceProperties"] = {
            **properties,
            "SharedLayer": f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:SharedLayer:6",
        }
    return event
