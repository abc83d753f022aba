"""`make deploy-web` against moto: uploads with the right types and caching, prunes what the
build no longer has, invalidates, and refuses a stack without a dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools import deploy_web


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / ".vite").mkdir()
    (tmp_path / "index.html").write_text("<html>")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path / "assets" / "index-1a2b.js").write_text("js")
    (tmp_path / ".vite" / "manifest.json").write_text("{}")
    return tmp_path


def _head(s3: Any, key: str) -> dict[str, Any]:
    head: dict[str, Any] = s3.head_object(Bucket="web", Key=key)
    return head


def test_publish_uploads_typed_and_cached_files_and_prunes_stale_ones(
    aws: None, dist: Path
) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="web")
    s3.put_object(Bucket="web", Key="assets/index-old.js", Body=b"old")
    published = deploy_web.publish(s3, "web", dist)
    assert published == deploy_web.Published(uploaded=3, deleted=1)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="web")["Contents"]}
    assert keys == {"index.html", "favicon.svg", "assets/index-1a2b.js"}
    js = _head(s3, "assets/index-1a2b.js")
    assert js["ContentType"] == "text/javascript" and "immutable" in js["CacheControl"]
    index = _head(s3, "index.html")
    assert index["ContentType"] == "text/html" and index["CacheControl"] == "no-cache"


def test_main_refuses_a_stack_without_the_dashboard(
    aws: None, dist: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("cloudformation").create_stack(
        StackName="plain",
        TemplateBody='{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}',
    )
    assert deploy_web.main(["--stack", "plain", "--dist", str(dist)]) == 1
    assert "EnableDashboard=true" in capsys.readouterr().err


def test_main_refuses_without_a_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert deploy_web.main(["--dist", str(tmp_path)]) == 1
    assert "run make web" in capsys.readouterr().err


def test_invalidate_returns_the_invalidation(aws: None) -> None:
    cloudfront = boto3.client("cloudfront")
    origin = {
        "Id": "o",
        "DomainName": "web.s3.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    created = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "t",
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"},
            "Comment": "",
            "Enabled": True,
        }
    )
    distribution = created["Distribution"]["Id"]
    invalidation = deploy_web.invalidate(cloudfront, distribution)
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    assert [i["Id"] for i in listed["Items"]] == [invalidation]
