"""Push devices: SNS platform endpoints in moto (register, rotate, unregister), the local stack's
logged endpoints, ownership, and the push handler's delivery and permanent failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared import aws
from shared.tasks import registry
from shared.tasks.registry import PermanentTaskError, TaskContext
from tests.conftest import Configure
from tests.ledger.conftest import Ledger

API = "/api/v1/devices"


@pytest.fixture
def sns(moto_endpoint: str, configure: Configure, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    aws.reset()
    app = aws.sns().create_platform_application(
        Name="ledger-fcm", Platform="GCM", Attributes={"PlatformCredential": "server-key"}
    )["PlatformApplicationArn"]
    configure(PUSH_FCM_APPLICATION_ARN=app)
    yield app
    aws.sns().delete_platform_application(PlatformApplicationArn=app)
    aws.reset()


def endpoints(app: str) -> dict[str, dict[str, str]]:
    found = aws.sns().list_endpoints_by_platform_application(PlatformApplicationArn=app)
    return {e["EndpointArn"]: e["Attributes"] for e in found["Endpoints"]}


def register(client: Ledger, device: str, token: str, platform: str = "fcm") -> Any:
    body = {"device_id": device, "platform": platform, "token": token}
    return client.ok("POST", API, json_body=body)


def test_register_rotate_and_unregister_in_sns(alice: Ledger, sns: str) -> None:
    register(alice, "phone", "first-token-abc")
    [(arn, attributes)] = endpoints(sns).items()
    assert attributes["Token"] == "first-token-abc" and attributes["Enabled"] == "true"
    register(alice, "phone", "rotated-token-xyz")  # a token rotation registers again
    assert [a["Token"] for a in endpoints(sns).values()] == ["rotated-token-xyz"]
    assert [d["device_id"] for d in alice.ok("GET", API)] == ["phone"]
    assert alice.delete(f"{API}/phone").status_code == 200
    assert alice.ok("GET", API) == []
    assert arn not in endpoints(sns) and endpoints(sns) == {}


def test_a_token_another_endpoint_holds_is_taken_over(alice: Ledger, sns: str) -> None:
    existing = aws.sns().create_platform_endpoint(
        PlatformApplicationArn=sns, Token="shared-token-1", CustomUserData="someone"
    )["EndpointArn"]
    register(alice, "phone", "shared-token-1")
    assert endpoints(sns)[existing]["Enabled"] == "true"


def test_without_a_platform_application_devices_are_local(alice: Ledger, bob: Ledger) -> None:
    device = register(alice, "phone", "local-token-1", platform="apns")
    assert device["platform"] == "apns" and "token" not in device  # the token is not echoed
    assert bob.ok("GET", API) == []
    assert bob.delete(f"{API}/phone").status_code == 404  # hers, not his
    assert [d["device_id"] for d in alice.ok("GET", API)] == ["phone"]


@pytest.mark.parametrize(
    "body",
    [
        {"device_id": "bad id", "platform": "fcm", "token": "token-12345"},
        {"device_id": "phone", "platform": "sms", "token": "token-12345"},
        {"device_id": "phone", "platform": "fcm", "token": "short"},
        {"device_id": "phone", "platform": "fcm", "token": "has space 123"},
    ],
)
def test_bad_devices_are_refused(alice: Ledger, body: dict[str, str]) -> None:
    assert alice.post(API, json_body=body).status_code in (400, 422)
    assert alice.ok("GET", API) == []


def context() -> TaskContext:
    import time
    import uuid

    return TaskContext(uuid.uuid4(), 1, 3, time.monotonic() + 30)


def test_the_push_handler_publishes_and_a_disabled_endpoint_is_permanent(
    alice: Ledger, sns: str
) -> None:
    arn = aws.sns().create_platform_endpoint(PlatformApplicationArn=sns, Token="tok-1")[
        "EndpointArn"
    ]
    push = registry.get("push")
    assert push is not None
    payload = {"endpoint": arn, "title": "Debt reminder", "body": "Ana owes you 1.00 EUR."}
    sent = push.run(payload, context())
    assert sent.result["message_id"] and sent.metadata == {"push_sent": True}
    aws.sns().set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "false"})
    with pytest.raises(PermanentTaskError, match="EndpointDisabled"):
        push.run(payload, context())
