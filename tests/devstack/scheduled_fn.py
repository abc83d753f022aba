"""A test-only scheduled function (CodeUri tests/devstack/, Handler scheduled_fn.handler)."""

from __future__ import annotations

import os
from typing import Any

calls: list[tuple[dict[str, Any], dict[str, Any]]] = []
ENV = ("DATABASE_URL", "TASK_QUEUE_URL", "AWS_ENDPOINT_URL", "REPORTS_BUCKET", "SENDER")


def handler(event: dict[str, Any], context: Any) -> None:
    seen: dict[str, Any] = {k: os.environ.get(k) for k in ENV}
    if event.get("inspect_moto"):  # what the stack created, seen through AWS_ENDPOINT_URL
        import boto3

        seen["buckets"] = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
        seen["identities"] = boto3.client("ses").list_identities()["Identities"]
    calls.append((event, seen))
    if event.get("fail"):
        raise RuntimeError("scheduled job failed")
