"""Cold start and memory of every HTTP function against the floor: a minimal FastAPI + Mangum +
psycopg app (bench/minimal_app.py) answering with one SQL round trip.

Each sample is a fresh interpreter, as Lambda starts one. The cold start runs from starting the
process to the first response (the monotonic clock is the machine's, so the child's reading
compares with the parent's); import and first event are also shown on their own. RSS is read
after a second event. The functions get the
environment template.yaml gives them in prod (tracing off by default), and run from compiled
bytecode, as the build ships it. Samples alternate between the apps, so a noisy neighbour slows
all of them alike; the ratio is median to median.

Targets: every function ≤ 1.10x the minimal app, RSS ≤ 55 MiB. Tracing on: ≤ +50 ms.
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import time
from dataclasses import astuple, dataclass
from pathlib import Path

from bench.common import bench_database, production_environment, report, use_environment
from tools.lambda_events import http_api_event

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("shared", "functions", "bench")
ROUNDS = int(os.environ.get("BENCH_COLD_ROUNDS", "9"))
RSS_TARGET_MIB = 55.0
RATIO_TARGET = 1.10
TRACING_TARGET_MS = 50.0

_PROBE = """
import json, sys, time
event = json.loads(sys.argv[2])
started = time.perf_counter()
import importlib
handler = importlib.import_module(sys.argv[1]).handler
imported = time.perf_counter()
class Context:
    function_name = "bench"; memory_limit_in_mb = 512; aws_request_id = "cold"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    def get_remaining_time_in_millis(self): return 29000
first = handler(event, Context())
answered = time.perf_counter()
answered_at = time.monotonic()
second = handler(event, Context())
rss_kib = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
print(json.dumps({"status": [first["statusCode"], second["statusCode"]],
    "import_ms": (imported - started) * 1000, "first_ms": (answered - imported) * 1000,
    "answered_at": answered_at,
    "rss_mib": rss_kib / 1024}), file=sys.stderr)
"""


@dataclass(frozen=True)
class Target:
    label: str
    function: str  # template logical id (its environment)
    module: str
    path: str
    role: str | None = None  # the caller's role when the route needs a token


TARGETS = [
    Target("minimal app", "HealthFunction", "bench.minimal_app", "/api/v1/health"),
    Target("HealthFunction", "HealthFunction", "functions.health.handler", "/api/v1/health"),
    Target("AuthFunction", "AuthFunction", "functions.auth.handler", "/api/v1/auth/me", "user"),
    Target("UsersFunction", "UsersFunction", "functions.users.handler", "/api/v1/users", "admin"),
    Target(
        "AdminFunction",
        "AdminFunction",
        "functions.admin.handler",
        "/api/v1/admin/users/stats",
        "admin",
    ),
    Target("TasksFunction", "TasksFunction", "functions.tasks.handler", "/api/v1/tasks", "user"),
    Target(
        "MonitoringFunction",
        "MonitoringFunction",
        "functions.monitoring.handler",
        "/api/v1/monitoring/events",
        "user",
    ),
    Target("DocsFunction", "DocsFunction", "functions.docs.handler", "/api-docs"),
]


@dataclass(frozen=True)
class Sample:
    total_ms: float  # process start to first response
    import_ms: float
    first_ms: float
    rss_mib: float


def ship_bytecode() -> None:
    """Compile what the build compiles (layers/*/Makefile), so no sample pays for compiling. The
    build marks its bytecode unchecked; here it stays timestamp-checked, so that a later edit of
    the source is still seen (the check is one stat per module, which the import makes anyway)."""
    for tree in (sysconfig.get_paths()["purelib"], *(ROOT / d for d in SOURCES)):
        compileall.compile_dir(str(tree), quiet=2, workers=0)


def sample(target: Target, env: dict[str, str], tokens: dict[str, str]) -> Sample:
    headers = {"authorization": f"Bearer {tokens[target.role]}"} if target.role else {}
    event = http_api_event("GET", target.path, headers=headers)
    spawned_at = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, target.module, json.dumps(event)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{target.label}: {done.stderr[-2000:]}")
    result = json.loads(done.stderr.strip().splitlines()[-1])
    if result["status"] != [200, 200]:
        raise RuntimeError(f"{target.label} answered {result['status']}")
    total_ms = (result["answered_at"] - spawned_at) * 1000
    return Sample(total_ms, result["import_ms"], result["first_ms"], result["rss_mib"])


def environment(url: str, function: str, tracing: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "DATABASE_"))}
    env |= production_environment(url, function)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT)
    if tracing:
        env["POWERTOOLS_TRACE_DISABLED"] = "false"
    return env


def median(samples: list[Sample], field: str) -> float:
    return statistics.median(getattr(s, field) for s in samples)


def main() -> None:
    ship_bytecode()
    with bench_database() as url:
        use_environment(url)
        from shared.identity.principal import Role
        from tests.users import create_user

        tokens = {role: create_user(Role(role))[1] for role in ("user", "admin")}
        floor, *functions = TARGETS
        traced = Target("HealthFunction, tracing on", *astuple(functions[0])[1:])
        samples: dict[str, list[Sample]] = {t.label: [] for t in [*TARGETS, traced]}
        ratios: dict[str, list[float]] = {t.label: [] for t in TARGETS}
        added: list[float] = []  # tracing on minus off, health, sampled back to back
        for _ in range(ROUNDS):
            for target in functions:
                # Each function right after a fresh floor sample: the machine's speed drifts.
                base = sample(floor, environment(url, floor.function), tokens)
                got = sample(target, environment(url, target.function), tokens)
                samples[floor.label].append(base)
                samples[target.label].append(got)
                ratios[target.label].append(got.total_ms / base.total_ms)
                if target is functions[0]:
                    on = sample(traced, environment(url, traced.function, tracing=True), tokens)
                    samples[traced.label].append(on)
                    added.append(on.total_ms - got.total_ms)
        document = _openapi_build_ms(url)
    rows: dict[str, str] = {}
    best_floor = min(s.total_ms for s in samples[floor.label])
    for label, got in samples.items():
        rss = median(got, "rss_mib")
        rows[label] = (
            f"{median(got, 'total_ms'):4.0f} ms (import {median(got, 'import_ms'):4.0f}"
            f" + first {median(got, 'first_ms'):3.0f})  RSS {rss:4.1f} MiB"
        )
        if label == traced.label:
            extra = statistics.median(added)
            met = extra <= TRACING_TARGET_MS and rss <= RSS_TARGET_MIB
            rows[label] += f"  +{extra:.0f} ms over off (target ≤ +{TRACING_TARGET_MS:.0f} ms)"
        elif label != floor.label:
            paired = statistics.median(ratios[label])
            best = min(s.total_ms for s in got) / best_floor
            met = paired <= RATIO_TARGET and rss <= RSS_TARGET_MIB
            rows[label] += f"  {paired:4.2f}x paired  {best:4.2f}x best"
        else:
            continue
        rows[label] += "  ok" if met else "  MISSED"
    rows["DocsFunction, first openapi.json"] = f"{document:6.0f} ms (built once per container)"
    report(
        f"cold start: process start to first response, {ROUNDS} fresh processes, ratio to the "
        f"minimal app sampled just before (targets ≤ {RATIO_TARGET:.2f}x, RSS ≤ "
        f"{RSS_TARGET_MIB:.0f} MiB)",
        rows,
    )


def _openapi_build_ms(url: str) -> float:
    """The docs function's first GET /api-docs/openapi.json in a fresh process, import excluded."""
    probe = Target("openapi", "DocsFunction", "functions.docs.handler", "/api-docs/openapi.json")
    return statistics.median(
        sample(probe, environment(url, probe.function), {}).first_ms for _ in range(3)
    )
