"""The web dashboard on the API's port: built when missing or stale, served with an SPA fallback.

Node is needed only to build: a stack with a built `web/dist` runs without it. Without both, the
API is served alone and one log line says why.
"""

from __future__ import annotations

import logging
import mimetypes
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tools.devstack.template import REPO

log = logging.getLogger("devstack")

WEB = REPO / "web"
SOURCES = ("src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts")
IMMUTABLE = "public, max-age=31536000, immutable"  # hashed names never change content


def _newest(paths: list[Path]) -> float:
    times = [p.stat().st_mtime for root in paths if root.exists() for p in [root, *root.rglob("*")]]
    return max(times, default=0.0)


def stale(web: Path = WEB) -> bool:
    index = web / "dist" / "index.html"
    if not index.exists():
        return True
    return _newest([web / s for s in SOURCES]) > index.stat().st_mtime


def _npm(web: Path, *args: str) -> bool:
    result = subprocess.run(
        ["npm", *args], cwd=web, capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode != 0:
        log.error("npm %s failed:\n%s", " ".join(args), (result.stdout + result.stderr)[-3000:])
    return result.returncode == 0


def prepare(web: Path = WEB) -> Path | None:
    """The directory to serve at `/`, building it first when it is missing or older than its
    sources; None when there is nothing to serve."""
    dist = web / "dist"
    if not stale(web):
        return dist
    if shutil.which("npm") is None:
        if (dist / "index.html").exists():
            log.warning("web/dist is older than web/src and Node.js is not installed: serving it")
            return dist
        log.warning("dashboard not built and Node.js is not installed: serving the API only")
        return None
    log.info("building the dashboard (web/dist)…")
    installed = web / "node_modules" / ".package-lock.json"
    fresh = (
        installed.exists()
        and installed.stat().st_mtime >= (web / "package-lock.json").stat().st_mtime
    )
    built = (fresh or _npm(web, "ci", "--no-audit", "--no-fund")) and _npm(web, "run", "build")
    return dist if built or (dist / "index.html").exists() else None


def content_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def cache_control(path: Path) -> str:
    """Hashed assets (under assets/) for a year; everything else revalidated on every load, so
    a new index.html, and the assets it names, are picked up at once. Local and deployed alike."""
    return IMMUTABLE if path.parent.name == "assets" else "no-cache"


@dataclass(frozen=True, slots=True)
class Asset:
    content_type: str
    cache_control: str
    body: bytes


def asset(dist: Path, path: str) -> Asset:
    """A GET for `path`: the file when there is one, else index.html (client-side routes)."""
    root = dist.resolve()
    candidate = (root / path.lstrip("/")).resolve()
    if not (candidate.is_relative_to(root) and candidate.is_file()):
        candidate = root / "index.html"
    return Asset(content_type(candidate), cache_control(candidate), candidate.read_bytes())
