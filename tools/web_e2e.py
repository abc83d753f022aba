"""`python -m tools.web_e2e [playwright args]`: the dashboard's end-to-end suite against the real
local stack. Starts `python -m tools.devstack` on free ports with its own state file (a running
`make run` is left alone), creates the admin the tests sign in as, runs Playwright in Debian's
chromium, then stops the stack. Screenshots land in web/test-results/."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tools import pg
from tools.devstack import dashboard
from tools.devstack.template import REPO

READY_SECONDS = 180


def _wait_ready(state: Path, process: subprocess.Popen[bytes]) -> dict[str, str]:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the local stack exited with {process.returncode}")
        if state.exists() and state.read_text():
            info = json.loads(state.read_text())
            with urllib.request.urlopen(f"{info['api']}/api/v1/health", timeout=10) as response:  # noqa: S310 - our own local URL
                if response.status == 200:
                    env: dict[str, str] = info["environment"]
                    return {"api": info["api"], **env}
        time.sleep(0.5)
    raise SystemExit("the local stack was not ready in time")


def main(argv: list[str]) -> int:
    if dashboard.prepare() is None:
        print("the dashboard could not be built (see above)", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="e2e-"))
    state, log = work / "stack.json", work / "stack.log"
    port = pg.free_port()
    command = [sys.executable, "-m", "tools.devstack", "--port", str(port)]
    command += ["--moto-port", str(pg.free_port()), "--state-file", str(state)]
    with log.open("wb") as out:
        stack = subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
    try:
        info = _wait_ready(state, stack)
        # The local database outlives runs: a fresh admin each time.
        admin = f"e2e_admin_{secrets.token_hex(4)}"
        password = f"E2e-{secrets.token_urlsafe(12)}!"
        starter = Path(sys.executable).with_name("starter")
        subprocess.run(
            [
                str(starter),
                "admin",
                "create-admin",
                "--username",
                admin,
                "--email",
                f"{admin}@example.com",
            ],
            env={
                **os.environ,
                "DATABASE_URL": info["DATABASE_URL"],
                "INITIAL_ADMIN_PASSWORD": password,
            },
            check=True,
        )
        env = {**os.environ, "E2E_BASE_URL": info["api"], "E2E_ADMIN_USER": admin}
        env["E2E_ADMIN_PASSWORD"] = password
        started = time.monotonic()
        result = subprocess.run(
            ["npx", "playwright", "test", *argv], cwd=dashboard.WEB, env=env, check=False
        )
        print(f"end-to-end suite: {time.monotonic() - started:.1f} s, exit {result.returncode}")
        return result.returncode
    finally:
        stack.send_signal(signal.SIGINT)
        try:
            stack.wait(timeout=30)
        except subprocess.TimeoutExpired:
            stack.kill()
        if stack.returncode not in (0, None):
            print(log.read_text()[-5000:], file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
