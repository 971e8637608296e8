"""Headless Chromium through Playwright, in one place, so that the rest of cnrmap works without it.

Only the image export needs a browser. Playwright is imported when :func:`launch` is called, never at
import time; a missing package, a missing Chromium or a browser that does not start all become one
:class:`BrowserUnavailable` with a French message saying what to install.

The browser is the system Chromium (``playwright install`` downloads from the internet, which the users'
machines often cannot reach). ``CNRMAP_CHROMIUM`` names another executable.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import queue
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from cnrmap.config import CHROMIUM_ENV, get_settings
from cnrmap.errors import DataError

ENV_EXECUTABLE = CHROMIUM_ENV
EXECUTABLE_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# No sandbox: containers and CI runners rarely allow it. The rest keeps Chromium off the network.
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
T = TypeVar("T")
INSTALL_HINT = (
    "Pour exporter des images, installer Chromium et Playwright :\n"
    "  apt-get install chromium\n"
    "  pip install playwright\n"
    f"ou indiquer le navigateur à utiliser dans la variable {ENV_EXECUTABLE} (chemin de l'exécutable)."
)


class BrowserUnavailable(DataError):
    """Chromium or Playwright cannot be used: the French message says what to install."""

    def __init__(self, message: str, hint: str | None = INSTALL_HINT):
        super().__init__(message, hint=hint)


def find_executable(executable: str | None = None) -> str:
    """The Chromium executable to start.

    Parameters
    ----------
    executable : str, optional
        Path or command name; defaults to ``$CNRMAP_CHROMIUM`` (:attr:`cnrmap.config.Settings.chromium`),
        then the first of :data:`EXECUTABLE_NAMES` found on the ``PATH``.

    Returns
    -------
    str
        Absolute path of the executable.

    Raises
    ------
    BrowserUnavailable
        If no executable is found (the wanted name is quoted).
    """
    wanted = executable or get_settings().chromium
    candidates = (wanted,) if wanted else EXECUTABLE_NAMES
    for name in candidates:
        found = shutil.which(name)
        if found:
            return found
    if wanted:
        raise BrowserUnavailable(f"Navigateur introuvable : {wanted!r} n'est pas un exécutable.")
    raise BrowserUnavailable("Chromium est introuvable sur cette machine : l'export en image en a besoin.")


@contextmanager
def launch(executable: str | None = None, timeout_ms: float = 30_000) -> Iterator[Any]:
    """Start headless Chromium; close it (and Playwright) on exit.

    Parameters
    ----------
    executable : str, optional
        See :func:`find_executable`.
    timeout_ms : float
        How long Chromium may take to start.

    Yields
    ------
    playwright.sync_api.Browser
        The browser; open pages with ``browser.new_page(...)``.

    Raises
    ------
    BrowserUnavailable
        If Playwright is not installed, Chromium is not found, or it does not start.
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
    except ImportError as exc:
        raise BrowserUnavailable("Le paquet Python « playwright » n'est pas installé.") from exc

    path = find_executable(executable)
    with _playwright(PlaywrightError) as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=path, headless=True, args=list(LAUNCH_ARGS), timeout=timeout_ms
            )
        except PlaywrightError as exc:
            raise BrowserUnavailable(f"Chromium ({path}) ne démarre pas : {_first_line(exc)}") from exc
        try:
            yield browser
        finally:
            browser.close()


# The sync Playwright of this thread, shared by nested launch() calls (a second one cannot start while the
# first runs): [instance, number of users].
_shared = threading.local()


@contextmanager
def _playwright(error_type: type[Exception]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    state = getattr(_shared, "state", None)
    if state is None:
        try:
            state = [sync_playwright().start(), 0]
        except error_type as exc:
            raise BrowserUnavailable(f"Playwright ne démarre pas : {_first_line(exc)}") from exc
        _shared.state = state
    state[1] += 1
    try:
        yield state[0]
    finally:
        state[1] -= 1
        if state[1] == 0:
            _shared.state = None
            state[0].stop()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class WarmBrowser:
    """One headless Chromium kept open for the whole process, used from any thread.

    Playwright's synchronous objects belong to the thread that created them, while Streamlit runs every page in
    a thread of its own: the browser lives in a worker thread and :meth:`run` hands it the work. Started on the
    first call (so that a page that never exports starts nothing), started again if it stopped, and closed by
    :meth:`close` — at the latest when the process exits.

    Parameters
    ----------
    executable : str, optional
        See :func:`find_executable`.
    """

    def __init__(self, executable: str | None = None):
        self.executable = executable
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        atexit.register(self.close)

    def run(self, work: Callable[[Any], T], timeout_s: float = 120.0) -> T:
        """Run ``work(browser)`` in the browser's thread and return its result (its exception is raised here).

        Raises
        ------
        BrowserUnavailable
            If Chromium cannot be started, or ``work`` takes longer than ``timeout_s``.
        """
        done: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name="cnrmap-browser", daemon=True)
                self._thread.start()
            self._jobs.put((work, done))
        try:
            return done.result(timeout=timeout_s)
        except concurrent.futures.TimeoutError as exc:
            raise BrowserUnavailable(f"Le navigateur n'a pas répondu en {timeout_s:.0f} s.", hint=None) from exc

    def close(self) -> None:
        """Close the browser and stop its thread (waits for the work under way)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None and thread.is_alive():
            self._jobs.put(None)
            thread.join(timeout=30)

    def _serve(self) -> None:
        browser_cm = None
        browser = None
        while True:
            job = self._jobs.get()
            if job is None:
                break
            work, done = job
            if not done.set_running_or_notify_cancel():
                continue
            try:
                if browser is None or not browser.is_connected():
                    if browser_cm is not None:
                        browser_cm.__exit__(None, None, None)
                    browser_cm = launch(self.executable)
                    browser = browser_cm.__enter__()
                done.set_result(work(browser))
            except BaseException as exc:  # handed to the caller, who raises it in its own thread
                done.set_exception(exc)
        if browser_cm is not None:
            browser_cm.__exit__(None, None, None)
