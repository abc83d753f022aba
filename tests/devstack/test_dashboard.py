"""The dashboard on the API's port: files, the SPA fallback, the API's paths left alone, and the
build decision."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.devstack import dashboard
from tools.devstack.gateway import _dashboard_path


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<h1>app</h1>")
    (root / "assets" / "index-abc.js").write_text("console.log(1)")
    (root / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside")
    return root


def test_files_are_served_with_their_type_and_hashed_assets_cached_for_good(dist: Path) -> None:
    js = dashboard.asset(dist, "/assets/index-abc.js")
    assert js.body == b"console.log(1)" and js.content_type == "text/javascript"
    assert "immutable" in js.cache_control
    icon = dashboard.asset(dist, "/favicon.svg")
    assert icon.content_type == "image/svg+xml" and "immutable" not in icon.cache_control


@pytest.mark.parametrize("path", ["/", "/admin/tasks/123", "/auth/login", "/../secret.txt"])
def test_client_routes_and_escapes_get_index_html_uncached(dist: Path, path: str) -> None:
    page = dashboard.asset(dist, path)
    assert page.body == b"<h1>app</h1>" and page.cache_control == "no-cache"


@pytest.mark.parametrize(
    ("method", "path", "served"),
    [
        ("GET", "/", True),
        ("GET", "/admin/users", True),
        ("HEAD", "/favicon.svg", True),
        ("POST", "/admin", False),
        ("GET", "/api/v1/nope", False),
        ("GET", "/api", False),
        ("GET", "/api-docs", False),
    ],
)
def test_the_api_paths_stay_the_apis(method: str, path: str, served: bool) -> None:
    assert _dashboard_path(method, path) is served


def test_stale_when_missing_or_older_than_a_source(tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "src").mkdir(parents=True)
    source = web / "src" / "main.tsx"
    source.write_text("x")
    assert dashboard.stale(web)
    (web / "dist").mkdir()
    index = web / "dist" / "index.html"
    index.write_text("built")
    os.utime(source, (1_000, 1_000))
    assert not dashboard.stale(web)
    os.utime(source, None)
    os.utime(index, (1_000, 1_000))
    assert dashboard.stale(web)


def test_without_node_a_build_is_served_and_no_build_means_the_api_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    web = tmp_path / "web"
    (web / "src").mkdir(parents=True)
    assert dashboard.prepare(web) is None
    assert "Node.js is not installed: serving the API only" in caplog.text
    (web / "dist").mkdir()
    (web / "dist" / "index.html").write_text("old build")
    os.utime(web / "dist" / "index.html", (1_000, 1_000))
    assert dashboard.prepare(web) == web / "dist"
