"""`python -m tools.deploy_web [--stack NAME]` (`make deploy-web`): publish web/dist to a stack
deployed with EnableDashboard=true.

Hashed assets go first with a year-long immutable cache, then everything else (index.html,
favicon) revalidated on every load, so no browser ever gets an index.html whose assets are not
there yet. Objects no longer in the build are deleted, and CloudFront is invalidated once.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.devstack.dashboard import WEB, cache_control, content_type

DEFAULT_STACK = "serverless-starter"  # samconfig.toml's stack_name


@dataclass(frozen=True, slots=True)
class Published:
    uploaded: int
    deleted: int


def _boto3_client(service: str) -> Any:
    import boto3

    return boto3.client(service)  # type: ignore[call-overload]


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def publish(s3: Any, bucket: str, dist: Path) -> Published:
    files = sorted(p for p in dist.rglob("*") if p.is_file() and ".vite" not in p.parts)
    # Assets first: the new index.html must never reference a file not uploaded yet.
    files.sort(key=lambda p: p.parent.name != "assets")
    for path in files:
        key = path.relative_to(dist).as_posix()
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=content_type(path),
            CacheControl=cache_control(path),
        )
    keep = {p.relative_to(dist).as_posix() for p in files}
    stale = [
        obj["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for obj in page.get("Contents", [])
        if obj["Key"] not in keep
    ]
    for start in range(0, len(stale), 1000):  # DeleteObjects takes at most 1,000 keys
        batch = [{"Key": k} for k in stale[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    return Published(len(files), len(stale))


def invalidate(cloudfront: Any, distribution_id: str) -> str:
    created = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": f"deploy-web-{time.time_ns()}",
        },
    )
    invalidation_id: str = created["Invalidation"]["Id"]
    return invalidation_id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.deploy_web", description=__doc__)
    parser.add_argument("--stack", default=DEFAULT_STACK, help=f"default: {DEFAULT_STACK}")
    parser.add_argument("--dist", type=Path, default=WEB / "dist", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not (args.dist / "index.html").exists():
        print(f"{args.dist} has no build: run make web", file=sys.stderr)
        return 1
    outputs = stack_outputs(_boto3_client("cloudformation"), args.stack)
    if "DashboardBucketName" not in outputs:
        print(
            f"stack {args.stack} has no dashboard: deploy with EnableDashboard=true",
            file=sys.stderr,
        )
        return 1
    published = publish(_boto3_client("s3"), outputs["DashboardBucketName"], args.dist)
    invalidation = invalidate(_boto3_client("cloudfront"), outputs["DashboardDistributionId"])
    print(
        f"uploaded {published.uploaded} files, deleted {published.deleted} stale ones, "
        f"invalidation {invalidation}: {outputs['DashboardUrl']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
