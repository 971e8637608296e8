"""Helpers for the tests of concurrency: wait for a state of other threads, see where a thread waits."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

import pytest


def wait_until(condition: Callable[[], bool], what: str, limit: float = 20.0) -> None:
    """Poll ``condition`` (a state of other threads, not a duration); fail after ``limit`` s if never true."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"jamais arrivé : {what}")
        time.sleep(0.001)


def blocked_in(thread: threading.Thread, function: str) -> bool:
    """Whether ``thread``'s current call stack goes through ``function`` (e.g. it waits on a lock there)."""
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code.co_name == function:
            return True
        frame = frame.f_back
    return False
