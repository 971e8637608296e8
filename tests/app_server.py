"""Serve the Streamlit app on 127.0.0.1 for the browser tests, and launch Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cnrmap.export.browser import LAUNCH_ARGS, find_executable
from tools.local_server import running_app


@contextmanager
def serve_app(env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[str]:
    """Run ``streamlit run app.py`` on a free local port; yield its base URL once healthy."""
    with running_app(env, timeout) as (url, _):
        yield url


def launch_chromium(playwright):
    """Debian's Chromium, headless, with the same options as the app's image export."""
    return playwright.chromium.launch(executable_path=find_executable(), headless=True, args=list(LAUNCH_ARGS))
