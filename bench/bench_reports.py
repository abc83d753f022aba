"""report_generation of N task rows to S3 (moto, in a separate process so its storage of the
uploaded object does not count): wall time, and the handler's peak Python memory (tracemalloc,
a second run, since tracing slows Python down). Streaming means the peak is bounded by about
one multipart part (REPORT_PART_SIZE_BYTES), not by the row count: below one part the whole
file is that part."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.common import bench_database, report, use_environment
from tools import pg

SIZES = (10_000, 100_000, 200_000)
MIB = 1024 * 1024


@contextmanager
def moto_process() -> Iterator[str]:
    port = pg.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import urllib.request

        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def _seed(rows: int) -> None:
    from shared import db

    db.connection().execute("TRUNCATE tasks CASCADE")
    db.connection().execute(
        """INSERT INTO tasks (task_type, status, created_at, last_error, metadata)
           SELECT 'delay_task', 'failed', '2026-01-01'::timestamptz + g * interval '1 second',
                  'Task execution error: simulated failure number ' || g, '{"tag": "bench"}'
           FROM generate_series(1, %s) g""",
        (rows,),
    )


def _run(fmt: str) -> dict[str, Any]:
    from shared.tasks import registry

    handler = registry.get("report_generation")
    assert handler is not None
    ctx = registry.TaskContext(uuid.uuid4(), 1, 1, time.monotonic() + 900)
    payload = {
        "report_type": "tasks",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "format": fmt,
    }
    result: dict[str, Any] = handler.run(payload, ctx).result
    return result


def main() -> None:
    with bench_database() as url, moto_process() as endpoint:
        use_environment(url)
        bucket = f"bench-reports-{uuid.uuid4().hex[:8]}"
        os.environ.update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_DEFAULT_REGION="us-east-1",
            REPORTS_BUCKET=bucket,
        )
        from shared import aws
        from shared.settings import get_settings
        from shared.tasks import service

        get_settings.cache_clear()
        service.sync_task_types(url)
        aws.s3().create_bucket(Bucket=bucket)
        part = get_settings().handlers.report_part_size_bytes
        _run("csv")  # warm-up: imports, connections
        rows: dict[str, str] = {}
        for size in SIZES:
            _seed(size)
            for fmt in ("csv", "json"):
                started = time.perf_counter()
                result = _run(fmt)
                seconds = time.perf_counter() - started
                assert result["row_count"] == size
                tracemalloc.start()
                _run(fmt)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                rows[f"{size:>7,} rows {fmt:<4}"] = (
                    f"{seconds:6.2f} s  {size / seconds:8,.0f} rows/s  "
                    f"file {result['size_bytes'] / MIB:6.1f} MiB  peak {peak / MIB:5.1f} MiB"
                )
        report(
            f"report_generation to moto S3 (part size {part / MIB:.0f} MiB; peak = tracemalloc)",
            rows,
        )


if __name__ == "__main__":
    main()
