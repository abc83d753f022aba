"""Cold start of the health function in a fresh process, and its warm latency through the handler.

Cold start = module import time + the first handled event (which opens the DB connection), each
measured in a new interpreter, as Lambda would see it. Targets: cold ≤ 300 ms, warm p50 ≤ 2 ms."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

from bench.common import bench_database, http_call, report, time_calls, use_environment

COLD_RUNS = 7

_COLD_PROBE = """
import json, time
t0 = time.perf_counter()
from functions.health.handler import handler
t1 = time.perf_counter()
from tools.lambda_events import FakeLambdaContext, http_api_event
result = handler(http_api_event("GET", "/api/v1/health"), FakeLambdaContext())
t2 = time.perf_counter()
assert result["statusCode"] == 200, result
print(json.dumps({"import_ms": (t1 - t0) * 1000, "first_ms": (t2 - t1) * 1000}))
"""


def cold_start(database_url: str) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": database_url}
    runs = []
    for _ in range(COLD_RUNS):
        out = subprocess.run(
            [sys.executable, "-c", _COLD_PROBE], env=env, capture_output=True, text=True, check=True
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    imports = statistics.median(r["import_ms"] for r in runs)
    first = statistics.median(r["first_ms"] for r in runs)
    return {"import_ms": imports, "first_ms": first, "total_ms": imports + first}


def main() -> None:
    with bench_database() as url:
        use_environment(url)
        cold = cold_start(url)
        from functions.health.handler import handler

        health = time_calls(http_call(handler, "GET", "/api/v1/health"), 2000)
        live = time_calls(http_call(handler, "GET", "/api/v1/health/live"), 2000)
    report(
        "health function (target: cold ≤ 300 ms, warm p50 ≤ 2 ms)",
        {
            "cold: import": f"{cold['import_ms']:.0f} ms (median of {COLD_RUNS} fresh processes)",
            "cold: first event": f"{cold['first_ms']:.0f} ms (incl. DB connect)",
            "cold: total": f"{cold['total_ms']:.0f} ms",
            "warm GET /health": f"p50 {health['p50']:.2f} ms  p99 {health['p99']:.2f} ms (1 query)",
            "warm GET /health/live": f"p50 {live['p50']:.2f} ms  p99 {live['p99']:.2f} ms (no DB)",
        },
    )


if __name__ == "__main__":
    main()
