"""The one boto3 client factory: created on first use, one client per service per execution
environment, reused across invocations. boto3 is imported only by the code that needs it (it
ships with the Lambda runtime), so routes that never call AWS never pay for it.

Region and credentials come from the Lambda environment. Retries are kept short: the task
engine owns retrying, with backoff across attempts, and a task send that fails is the outbox's
to repeat. AWS_ENDPOINT_URL (the local stack, tests) points every client at moto.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from shared import snapstart

if TYPE_CHECKING:
    from mypy_boto3_rds import RDSClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

_clients: dict[str, Any] = {}
_lock = threading.Lock()  # the worker runs handlers in threads; boto3 session setup is not safe


def _client(service: str) -> Any:
    with _lock:
        if service not in _clients:
            import boto3
            from botocore.config import Config

            from shared.observability import trace_library

            trace_library("botocore")  # X-Ray subsegments, with tracing on

            config = Config(
                retries={"mode": "standard", "max_attempts": 2},
                connect_timeout=5,
                read_timeout=30,
                signature_version="s3v4" if service == "s3" else None,  # presigned URLs: SigV4
            )
            _clients[service] = boto3.client(service, config=config)  # type: ignore[call-overload]
        return _clients[service]


def s3() -> S3Client:
    client: S3Client = _client("s3")
    return client


def sesv2() -> SESV2Client:
    client: SESV2Client = _client("sesv2")
    return client


def rds() -> RDSClient:
    """Only for IAM authentication tokens: signed locally, no request is sent."""
    client: RDSClient = _client("rds")
    return client


def secretsmanager() -> SecretsManagerClient:
    client: SecretsManagerClient = _client("secretsmanager")
    return client


def sns() -> SNSClient:
    client: SNSClient = _client("sns")
    return client


def sqs() -> SQSClient:
    client: SQSClient = _client("sqs")
    return client


@snapstart.after_restore  # their connection pools hold sockets from before the snapshot
def reset() -> None:
    """Forget the clients (tests switch endpoints; SnapStart restores)."""
    with _lock:
        _clients.clear()
