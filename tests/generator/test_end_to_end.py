"""The generator's promise, checked on a copy of the repository: a group per template is lint-,
type-, contract- and template-clean, migrates up and down, passes its own tests, answers through
the local stack with no manual step, and revert leaves every byte as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from shared import migrations
from tests.generator.conftest import copy_repo, snapshot
from tools import pg
from tools.generator import modules

VENV_BIN = Path(sys.executable).parent


def run(repo: Path, *command: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEST_DATABASE_URL")}
    result = subprocess.run(
        command, cwd=repo, env={**env, "PYTHONPATH": str(repo)}, capture_output=True, text=True
    )
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"


def http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def call_through_the_local_stack(repo: Path, database_url: str) -> None:
    """`python -m tools.devstack` (what `make run` starts) serves the new routes at once."""
    port = pg.free_port()
    base = f"http://127.0.0.1:{port}"
    log = repo / "stack.log"
    command = [sys.executable, "-m", "tools.devstack", "--port", str(port), "--no-web"]
    command += ["--moto-port", str(pg.free_port()), "--state-file", str(repo / "stack.json")]
    env = {**os.environ, "PYTHONPATH": str(repo), "DATABASE_URL": database_url}
    with log.open("w") as out:
        stack = subprocess.Popen(command, cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90  # bounds a broken start only; not a timing assertion
        while True:
            assert stack.poll() is None, log.read_text()
            try:
                if http("GET", f"{base}/api/v1/health")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        user = {"username": "gen_user", "email": "gen@example.com", "password": "Sup3r-Secret!"}
        assert http("POST", f"{base}/api/v1/auth/register", user)[0] == 200
        credentials = {"username": user["username"], "password": user["password"]}
        _, login = http("POST", f"{base}/api/v1/auth/login", credentials)
        token = login["data"]["session_token"]
        status, created = http("POST", f"{base}/api/v1/books", {"name": "Dune"}, token)
        assert status == 200, created
        status, page = http("GET", f"{base}/api/v1/books?sort_by=name", token=token)
        assert status == 200 and [i["name"] for i in page["data"]["items"]] == ["Dune"]
        assert http("GET", f"{base}/api/v1/notes", token=token)[0] == 200
        _, document = http("GET", f"{base}/api-docs/openapi.json")
        assert {"/api/v1/books", "/api/v1/notes/{item_id}"} <= set(document["paths"])
    finally:
        stack.send_signal(signal.SIGINT)
        stack.wait(timeout=30)
    (repo / "stack.log").unlink()


@pytest.mark.slow
def test_generated_groups_work_end_to_end_and_revert_cleanly(
    tmp_path: Path, empty_database_url: str
) -> None:
    repo = copy_repo(tmp_path / "repo")
    before = snapshot(repo)
    first = modules.generate(repo, modules.plan(repo, "book", template="production"))
    modules.generate(repo, modules.plan(repo, "note", template="basic", visibility="all"))

    run(repo, sys.executable, "-m", "ruff", "check", ".")
    run(repo, sys.executable, "-m", "ruff", "format", "--check", ".")
    run(repo, sys.executable, "-m", "mypy")
    run(repo, str(VENV_BIN / "lint-imports"))
    run(repo, str(VENV_BIN / "cfn-lint"), "template.yaml")

    sql_dir = repo / "shared/migrations/sql"
    migrations.up(empty_database_url, directory=sql_dir)
    migrations.down(empty_database_url, first.migration_version - 1, directory=sql_dir)
    migrations.up(empty_database_url, directory=sql_dir)

    run(
        repo,
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/books",
        "tests/notes",
        "tests/docs",  # the generated routes document what they raise
        "tests/fuzz",  # and their schemas state their rules
        "-k",
        "books or notes or documented",
    )
    call_through_the_local_stack(repo, empty_database_url)

    for name in ("note", "book"):
        manifest = modules.load_manifest(repo, name)
        modules.revert(repo, manifest, force=False, database_url=empty_database_url)
    assert snapshot(repo) == before
