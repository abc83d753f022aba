"""A throwaway copy of the repository (tracked files only) for the generator to write into."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Tool caches and local state, all git-ignored: never part of the tree a user commits.
CACHES = {"__pycache__", ".mypy_cache", ".ruff_cache", ".import_linter_cache", ".devstack"}


def copy_repo(target: Path) -> Path:
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return target


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes, tool caches (git-ignored) excluded."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not CACHES & set(p.relative_to(root).parts)
    }


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return copy_repo(tmp_path / "repo")
