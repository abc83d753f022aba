"""Streaming upload to S3 with multipart: bytes are buffered up to one part and sent, so memory
stays about one part however large the object grows."""

from __future__ import annotations

from contextlib import suppress
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from shared import aws
from shared.tasks.handlers.aws_errors import classified

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef


class MultipartUpload:
    """`with MultipartUpload(...) as up: up.write(b"...")` completes on success, aborts on error
    (the bucket's lifecycle rule also removes uploads left incomplete by a crash)."""

    def __init__(self, bucket: str, key: str, content_type: str, part_size: int) -> None:
        self.bucket, self.key, self.part_size = bucket, key, part_size
        self.content_type = content_type
        self.size = 0
        self._buffer = bytearray()
        self._parts: list[CompletedPartTypeDef] = []
        self._upload_id = ""

    def __enter__(self) -> MultipartUpload:
        with classified("S3 CreateMultipartUpload"):
            answer = aws.s3().create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self.content_type
            )
        self._upload_id = answer["UploadId"]
        return self

    def write(self, data: bytes) -> None:
        self._buffer += data
        self.size += len(data)
        if len(self._buffer) >= self.part_size:
            self._send_part()

    def _send_part(self) -> None:
        number = len(self._parts) + 1
        with classified("S3 UploadPart"):
            answer = aws.s3().upload_part(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self._upload_id,
                PartNumber=number,
                # botocore takes a bytearray as is: no copy of the part (the stubs say bytes)
                Body=cast(bytes, self._buffer),
            )
        self._parts.append({"ETag": answer["ETag"], "PartNumber": number})
        self._buffer = bytearray()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            if self._buffer or not self._parts:  # the last part may be small (or empty)
                self._send_part()
            with classified("S3 CompleteMultipartUpload"):
                aws.s3().complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=self.key,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                )
            return
        self._abort()

    def _abort(self) -> None:
        # The original error is what matters; the lifecycle rule removes what stays behind.
        with suppress(Exception):
            aws.s3().abort_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self._upload_id
            )


def presigned_get(bucket: str, key: str, expires_in: int) -> str:
    url: Any = aws.s3().generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in
    )
    return str(url)
