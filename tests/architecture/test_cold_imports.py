"""Functions that serve no HTTP never load the web framework: it is most of a cold start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NON_HTTP = ["worker", "sweeper", "cleanup", "alert_evaluation", "dlq_reconciler", "migrate"]
WEB = ("fastapi", "starlette", "mangum", "shared.http", "shared.app")
PROBE = (
    "import importlib, json, sys; importlib.import_module(sys.argv[1]);"
    "print(json.dumps(sorted(sys.modules)))"
)


@pytest.mark.parametrize("function", NON_HTTP)
def test_handler_imports_no_web_framework(function: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, f"functions.{function}.handler"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"},
    )
    loaded = json.loads(out.stdout)
    web = [m for m in loaded if m.startswith(WEB)]
    assert web == [], f"{function} loads {web[:5]}"


def test_http_handler_probe_sees_the_framework() -> None:
    """The probe itself works: an HTTP function does load FastAPI."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "functions.health.handler"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"},
    )
    assert "fastapi" in json.loads(out.stdout)


HTTP = ["health", "auth", "users", "admin", "tasks", "monitoring", "docs"]
# Loaded on first use only: password hashing (a native library) and the AWS SDK.
ON_FIRST_USE = ("argon2", "boto3", "botocore.client", "aws_xray_sdk")


@pytest.mark.parametrize("function", HTTP)
def test_http_handler_defers_what_few_requests_need(function: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, f"functions.{function}.handler"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"},
    )
    loaded = json.loads(out.stdout)
    assert [m for m in loaded if m.startswith(ON_FIRST_USE)] == []
