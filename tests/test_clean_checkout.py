"""Serving the app writes nothing into its checkout, and the map still draws with no network.

The test serves a fresh copy of the working tree (every file git tracks or would add, committed in a new
repository), opens every page in Chromium with everything but 127.0.0.1 cut, checks that the Carte map
draws (Leaflet and jQuery served by the app from their installed packages), then that ``git status`` of the
copy is still empty, ignored files included. Python's bytecode is not written (``PYTHONDONTWRITEBYTECODE``)
and the caches are in a temporary folder, so anything that appears was written by the app.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from app_server import MAP_FRAME, launch_chromium, offline_page

from cnrmap.config import get_settings
from cnrmap.leaflet.assets import DEFAULT_BASE_URL
from tools.local_server import running_app

pytestmark = pytest.mark.browser
ROOT = get_settings().root
PAGES = {
    "": "CNR santé — Accueil",
    "propositions": "CNR santé — Propositions",
    "projets": "CNR santé — Projets",
    "sources": "CNR santé — Sources",
    "carte?territory=FR&basemap=0": "CNR santé — Carte",
}


def git(folder: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args]
    return subprocess.run(command, cwd=folder, check=True, capture_output=True, text=True).stdout


def fresh_checkout(target: Path) -> Path:
    """The working tree's files (tracked, and new ones not ignored) committed in a new repository."""
    listed = git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0")
    for relative in filter(None, listed):
        source = ROOT / relative
        if source.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "copy of the working tree")
    return target


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def test_serving_every_page_writes_nothing_into_the_checkout(playwright, tmp_path):
    checkout = fresh_checkout(tmp_path / "checkout")
    assert git(checkout, "status", "--porcelain", "--ignored", "--untracked-files=all") == ""
    env = {
        "CNRMAP_ROOT": "",  # found from the server's folder, the copy
        "CNRMAP_DATA_DIR": "",
        "CNRMAP_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(checkout),
    }
    with running_app(env, root=checkout) as (url, _):
        browser = launch_chromium(playwright)
        outside: list[str] = []
        page = offline_page(browser, outside)
        for path, title in PAGES.items():
            page.goto(f"{url}/{path}")
            page.wait_for_function("t => document.title === t", arg=title, timeout=60_000)
            page.locator("h1").first.wait_for(timeout=60_000)
            assert page.locator('[data-testid="stException"]').count() == 0, path
        frame = page.frame_locator(MAP_FRAME)
        frame.locator(".leaflet-container").wait_for(timeout=60_000)
        # Departments (those out of view are empty paths), then project and meeting markers.
        frame.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(150).wait_for(timeout=60_000)
        loaded = frame.locator("body").evaluate(
            "() => [...document.scripts].map(s => s.src).concat([...document.styleSheets].map(s => s.href))"
        )
        assert any(src and f"{DEFAULT_BASE_URL}leaflet/leaflet.js" in src for src in loaded), loaded
        # The stylesheet's images are served from the same package folder.
        for name in ("leaflet/images/layers.png", "leaflet/leaflet.css", "jquery/jquery.min.js"):
            response = page.request.get(f"{url}{DEFAULT_BASE_URL}{name}")
            assert response.ok, name
        assert outside == []
        browser.close()
    assert git(checkout, "status", "--porcelain", "--ignored", "--untracked-files=all") == ""
