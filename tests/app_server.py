"""Serve the Streamlit app on 127.0.0.1 for the browser tests, launch Debian's Chromium, cut the network."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

from cnrmap.export.browser import LAUNCH_ARGS, find_executable
from tools.local_server import running_app

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
LOCAL = {"127.0.0.1", "localhost"}


@contextmanager
def serve_app(env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[str]:
    """Run ``streamlit run serve.py`` on a free local port; yield its base URL once healthy."""
    with running_app(env, timeout) as (url, _):
        yield url


def launch_chromium(playwright):
    """Debian's Chromium, headless, with the same options as the app's image export."""
    return playwright.chromium.launch(executable_path=find_executable(), headless=True, args=list(LAUNCH_ARGS))


def offline_page(browser, outside: list[str], height: int = 1000):
    """A page where every request not for 127.0.0.1 is recorded in ``outside`` and aborted."""
    page = browser.new_page(viewport={"width": 1600, "height": height})

    def guard(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:", "about:")) or host in LOCAL:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return page
