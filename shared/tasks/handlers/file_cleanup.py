"""`file_cleanup`: deletes the objects of the reports bucket under
`file_path` last modified more than `max_age_hours` ago, in batches of up to 1000 (S3's
DeleteObjects limit), and reports what was really deleted.

`file_path` is a key prefix that must lie inside one of FILE_CLEANUP_ALLOWED_PREFIXES; an empty
prefix, `..` segments or anything outside those prefixes is refused (permanently).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from shared import aws
from shared.settings import get_settings
from shared.tasks.handlers.aws_errors import classified
from shared.tasks.registry import (
    PermanentTaskError,
    TaskContext,
    TransientTaskError,
    task_handler,
)

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

DELETE_BATCH = 1000
STOP_BEFORE_DEADLINE_SECONDS = 5.0


class FileCleanupPayload(BaseModel):
    file_path: str
    max_age_hours: int = Field(default=24, ge=0, le=24 * 365 * 10)


def checked_prefix(file_path: str, allowed: list[str]) -> str:
    prefix = file_path.lstrip("/")
    if not prefix.strip():
        raise PermanentTaskError("file_path must not be empty")
    parts = prefix.split("/")
    if any(p in (".", "..") for p in parts) or "\\" in prefix or "//" in prefix:
        raise PermanentTaskError(f"file_path {file_path!r} is not a plain key prefix")
    if not any(prefix.startswith(a) for a in allowed if a):
        raise PermanentTaskError(
            f"file_path {file_path!r} is outside the allowed prefixes: {', '.join(allowed)}"
        )
    return prefix


class _Deleter:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        self.pending: list[tuple[str, int]] = []
        self.files_deleted = 0
        self.bytes_freed = 0
        self.errors: list[str] = []

    def add(self, key: str, size: int) -> None:
        self.pending.append((key, size))
        if len(self.pending) >= DELETE_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        sizes = dict(self.pending)
        objects: list[ObjectIdentifierTypeDef] = [{"Key": k} for k in sizes]
        with classified("S3 DeleteObjects"):
            answer = aws.s3().delete_objects(
                Bucket=self.bucket, Delete={"Objects": objects, "Quiet": False}
            )
        for deleted in answer.get("Deleted", []):
            self.files_deleted += 1
            self.bytes_freed += sizes.get(deleted.get("Key", ""), 0)
        self.errors += [f"{e.get('Key')}: {e.get('Code')}" for e in answer.get("Errors", [])]
        self.pending = []


@task_handler(
    "file_cleanup",
    "Deletes old objects under a prefix of the reports bucket",
    FileCleanupPayload,
    example={"file_path": "tmp/", "max_age_hours": 24},
)
def file_cleanup(payload: FileCleanupPayload, ctx: TaskContext) -> dict[str, Any]:
    settings = get_settings()
    prefix = checked_prefix(payload.file_path, settings.handlers.file_cleanup_allowed_prefixes)
    bucket = settings.handlers.reports_bucket
    if not bucket:
        raise PermanentTaskError("REPORTS_BUCKET is not configured")
    cutoff = datetime.now(UTC) - timedelta(hours=payload.max_age_hours)
    deleter = _Deleter(bucket)
    pages = aws.s3().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    with classified("S3 ListObjectsV2"):
        for page in pages:
            for obj in page.get("Contents", []):
                if obj["LastModified"] < cutoff:
                    deleter.add(obj["Key"], obj.get("Size", 0))
            if ctx.remaining_seconds() < STOP_BEFORE_DEADLINE_SECONDS:
                deleter.flush()  # keep what is done; the next attempt continues from there
                raise TransientTaskError(
                    f"Time ran out after deleting {deleter.files_deleted} files; will continue"
                )
    deleter.flush()
    if deleter.errors and not deleter.files_deleted:
        raise TransientTaskError(f"S3 refused every deletion: {deleter.errors[0]}")
    return {
        "files_deleted": deleter.files_deleted,
        "bytes_freed": deleter.bytes_freed,
        "cleanup_path": prefix,
        "max_age_hours": payload.max_age_hours,
        "errors": deleter.errors[:20],
    }
