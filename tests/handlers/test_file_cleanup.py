"""file_cleanup: deletes only the old objects under the prefix (moto S3), in batches, with the
real counts; refuses empty and escaping prefixes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import aws
from shared.tasks.registry import PermanentTaskError
from tests.conftest import Configure
from tests.handlers.conftest import Run, s3_age

OLD = datetime.now(UTC) - timedelta(hours=48)


def put(bucket: str, key: str, size: int, *, old: bool) -> None:
    aws.s3().put_object(Bucket=bucket, Key=key, Body=b"x" * size)
    if old:
        s3_age(bucket, key, OLD)


def keys(bucket: str) -> set[str]:
    pages = aws.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def test_deletes_only_old_objects_under_the_prefix(bucket: str, run: Run) -> None:
    put(bucket, "reports/tasks/a.csv", 100, old=True)
    put(bucket, "reports/tasks/b.csv", 250, old=True)
    put(bucket, "reports/tasks/new.csv", 50, old=False)
    put(bucket, "reports/users/old.csv", 70, old=True)  # outside the given prefix
    put(bucket, "keep/old.csv", 10, old=True)
    result = run("file_cleanup", {"file_path": "reports/tasks/", "max_age_hours": 24}).result
    assert result["files_deleted"] == 2
    assert result["bytes_freed"] == 350
    assert result["cleanup_path"] == "reports/tasks/"
    assert keys(bucket) == {"reports/tasks/new.csv", "reports/users/old.csv", "keep/old.csv"}


def test_the_age_is_a_threshold(bucket: str, run: Run) -> None:
    put(bucket, "tmp/x", 5, old=True)
    assert (
        run("file_cleanup", {"file_path": "tmp/", "max_age_hours": 72}).result["files_deleted"] == 0
    )
    assert run("file_cleanup", {"file_path": "/tmp/"}).result["files_deleted"] == 1  # 24 h


def test_deletes_in_batches_of_a_thousand(bucket: str, run: Run) -> None:
    for i in range(1205):
        put(bucket, f"tmp/batch/{i:05d}", 1, old=True)
    result = run("file_cleanup", {"file_path": "tmp/batch/", "max_age_hours": 1}).result
    assert (result["files_deleted"], result["bytes_freed"]) == (1205, 1205)
    assert keys(bucket) == set()


def test_nothing_to_delete(bucket: str, run: Run) -> None:
    result = run("file_cleanup", {"file_path": "reports/none/"}).result
    assert (result["files_deleted"], result["bytes_freed"]) == (0, 0)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("", "must not be empty"),
        ("/", "must not be empty"),
        ("   ", "must not be empty"),
        ("reports/../keep/", "not a plain key prefix"),
        ("reports/./x", "not a plain key prefix"),
        ("reports//x", "not a plain key prefix"),
        ("keep/", "outside the allowed prefixes"),
        ("reports", "outside the allowed prefixes"),
        ("reportsX/", "outside the allowed prefixes"),
    ],
)
def test_empty_and_escaping_prefixes_are_refused(
    bucket: str, run: Run, path: str, message: str
) -> None:
    put(bucket, "keep/old.csv", 10, old=True)
    put(bucket, "reports/old.csv", 10, old=True)
    with pytest.raises(PermanentTaskError, match=message):
        run("file_cleanup", {"file_path": path, "max_age_hours": 1})
    assert keys(bucket) == {"keep/old.csv", "reports/old.csv"}


def test_the_allowed_prefixes_come_from_settings(
    bucket: str, run: Run, configure: Configure
) -> None:
    put(bucket, "exports/old.csv", 10, old=True)
    with pytest.raises(PermanentTaskError, match="outside"):
        run("file_cleanup", {"file_path": "exports/"})
    configure(FILE_CLEANUP_ALLOWED_PREFIXES="exports/,reports/")
    assert run("file_cleanup", {"file_path": "exports/"}).result["files_deleted"] == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "file_path"),
        ({"file_path": "tmp/", "max_age_hours": -1}, "max_age_hours"),
        ({"file_path": "tmp/", "max_age_hours": "soon"}, "max_age_hours"),
    ],
)
def test_invalid_payloads_fail_permanently(run: Run, payload: dict[str, Any], field: str) -> None:
    with pytest.raises(PermanentTaskError, match=f"Invalid payload: {field}"):
        run("file_cleanup", payload)


def test_a_missing_bucket_is_permanent(aws_env: str, run: Run, configure: Configure) -> None:
    configure(REPORTS_BUCKET="no-such-bucket-here")
    with pytest.raises(PermanentTaskError, match="NoSuchBucket"):
        run("file_cleanup", {"file_path": "tmp/"})
