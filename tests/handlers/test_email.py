"""email: SES v2 on moto for success and rejection; a loopback endpoint answering as SES does
for throttling and 5xx; payload validation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared import aws
from shared.tasks.registry import PermanentTaskError, TransientTaskError
from tests.conftest import Configure
from tests.handlers.conftest import Run
from tests.handlers.fake_http import fake_server

MESSAGE = {"to": "alice@example.com", "subject": "Hello", "body": "Plain text"}


def sent_count() -> int:
    import boto3

    return int(boto3.client("ses").get_send_quota()["SentLast24Hours"])


def test_sends_through_ses_and_returns_the_message_id(ses: Any, run: Run) -> None:
    before = sent_count()
    out = run(
        "email",
        {**MESSAGE, "html": "<p>Hi</p>", "cc": ["bob@example.com"], "reply_to": "ops@example.com"},
    )
    assert out.result["message_id"]
    assert out.result["to"] == ["alice@example.com"] and out.result["cc"] == ["bob@example.com"]
    assert out.metadata == {"email_sent": True}
    assert sent_count() == before + 2  # both recipients


def test_a_list_of_recipients_is_accepted(ses: Any, run: Run) -> None:
    out = run("email", {**MESSAGE, "to": ["a@example.com", "b@example.org"]})
    assert out.result["to"] == ["a@example.com", "b@example.org"]


def test_a_rejected_sender_is_permanent(ses: Any, run: Run, configure: Configure) -> None:
    configure(EMAIL_SENDER="unverified@example.com")
    with pytest.raises(PermanentTaskError, match="MessageRejected"):
        run("email", MESSAGE)


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (429, "TooManyRequestsException"),
        (400, "LimitExceededException"),
        (500, "InternalFailure"),
        (503, "ServiceUnavailable"),
    ],
)
def test_throttling_and_server_errors_are_transient(
    ses: Any, run: Run, monkeypatch: pytest.MonkeyPatch, status: int, error_type: str
) -> None:
    with fake_server() as server:
        # Every request answered with SES's rest-json error shape.
        body = json.dumps({"message": "try later"}).encode()
        server.always = (status, {"x-amzn-ErrorType": error_type}, body)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", server.url(""))
        aws.reset()
        with pytest.raises(TransientTaskError, match=error_type):
            run("email", MESSAGE)
    assert server.requests  # SES was really called


def test_an_unreachable_endpoint_is_transient(
    ses: Any, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tools import pg

    monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", f"http://127.0.0.1:{pg.free_port()}")
    aws.reset()
    with pytest.raises(TransientTaskError, match="SES SendEmail failed"):
        run("email", MESSAGE)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"subject": "s", "body": "b"}, "to"),
        ({**MESSAGE, "to": "not-an-address"}, "to"),
        ({**MESSAGE, "to": []}, "to"),
        ({**MESSAGE, "cc": ["bad@"]}, "cc"),
        ({**MESSAGE, "reply_to": "nope"}, "reply_to"),
        ({**MESSAGE, "subject": ""}, "subject"),
        ({"to": "a@example.com", "subject": "s"}, "body"),
    ],
)
def test_invalid_payloads_fail_permanently_naming_the_field(
    ses: Any, run: Run, payload: dict[str, Any], field: str
) -> None:
    before = sent_count()
    with pytest.raises(PermanentTaskError, match=f"Invalid payload: {field}"):
        run("email", payload)
    assert sent_count() == before


def test_too_many_recipients_is_permanent(ses: Any, run: Run) -> None:
    to = [f"user{i}@example.com" for i in range(51)]
    with pytest.raises(PermanentTaskError, match="Too many recipients"):
        run("email", {**MESSAGE, "to": to})
