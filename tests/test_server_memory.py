"""The server's memory with many sessions: one build per view, one heavy build at a time, small sessions.

The page gets its map from :func:`cnrmap.cached.view` (``st.cache_resource``). The concurrency tests call it
from threads, as the Streamlit server does for simultaneous sessions, with the real build replaced by one that
waits until the test lets it finish, and check where the other threads wait (not how long).
"""

from __future__ import annotations

import threading

import pytest
from threads import blocked_in, wait_until

from cnrmap import cached
from cnrmap.carte import compose
from cnrmap.carte.state import MapState


@pytest.fixture
def slow_build(monkeypatch):
    """Replace the view build by one that records its states and waits for ``release``."""
    calls: list[MapState] = []
    release = threading.Event()

    def build_view(state, settings, data, extra_indicators=None):
        calls.append(state)
        release.wait(20)
        return {"state": state}

    monkeypatch.setattr(compose, "build_view", build_view)
    cached._view.clear()
    yield calls, release
    release.set()
    cached._view.clear()


def _ask(state: MapState, results: dict, name: str) -> threading.Thread:
    thread = threading.Thread(target=lambda: results.__setitem__(name, cached.view(state)), name=name)
    thread.start()
    return thread


def test_two_sessions_on_the_same_new_view_build_it_once(slow_build):
    calls, release = slow_build
    state = MapState(territory="region:93", basemap="aucun")
    results: dict = {}
    first = _ask(state, results, "first")
    wait_until(lambda: len(calls) == 1, "la première session construit la vue")
    second = _ask(state, results, "second")
    # Streamlit's cache_resource takes a lock per key: the second session waits there for the first's result.
    wait_until(lambda: blocked_in(second, "_hold_compute_lock"), "la seconde session attend la première")
    release.set()
    first.join(20)
    second.join(20)
    assert calls == [state]
    assert results["first"] is results["second"]


def test_two_different_new_views_are_built_one_after_the_other(slow_build):
    calls, release = slow_build
    results: dict = {}
    france = MapState(territory="FR", level="commune", basemap="aucun")
    paca = MapState(territory="region:93", basemap="aucun")
    first = _ask(france, results, "france")
    wait_until(lambda: len(calls) == 1, "la première vue se construit")
    second = _ask(paca, results, "paca")
    wait_until(lambda: blocked_in(second, "build_slot"), "la seconde vue attend son tour")
    assert calls == [france]  # not started while the first one builds
    release.set()
    first.join(20)
    second.join(20)
    assert calls == [france, paca]
    assert results["france"]["state"] == france and results["paca"]["state"] == paca


def test_a_session_does_not_keep_its_view_once_the_cache_drops_it():
    """The page's globals outlive the run (callbacks refer to them): the view is not among them."""
    import gc

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from cnrmap.carte.compose import ViewResult
    from cnrmap.config import get_settings
    from cnrmap.leaflet.page import PageMap

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(get_settings().app_path), default_timeout=90)
    at.query_params["territory"] = "region:93"
    at.run()
    at.switch_page("views/1_Carte.py").run()
    assert not at.exception, at.exception
    assert "Provence-Alpes-Côte d'Azur" in at.title[0].value
    cached._view.clear()  # what eviction does
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, ViewResult | PageMap)]
    assert alive == []  # neither the view nor the map the page gave streamlit-folium (it shares the view's data)
    assert at.session_state["territory"] == "region:93"  # the session itself is still there


def test_forget_upload_removes_the_file_from_streamlit(monkeypatch):
    """The Streamlit internals :func:`cnrmap.cached.forget_upload` relies on (script run context, file manager)."""
    from types import SimpleNamespace

    import streamlit.runtime.scriptrunner as scriptrunner
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    record = UploadedFileRec(file_id="f1", name="bombe.xlsx", type="application/zip", data=b"x" * 1000)
    manager.add_file("session", record)
    context = SimpleNamespace(uploaded_file_mgr=manager, session_id="session")
    monkeypatch.setattr(scriptrunner, "get_script_run_ctx", lambda suppress_warning=False: context)
    upload = UploadedFile(record, SimpleNamespace(upload_url="", delete_url=""))
    cached.forget_upload(upload)
    assert manager.get_files("session", ["f1"]) == []
    cached.forget_upload(None)  # nothing uploaded: nothing to do


def test_the_server_process_gives_arrow_the_system_allocator():
    """Arrow's default pool (mimalloc) keeps what it freed: the server switches to the system allocator."""
    import subprocess
    import sys

    code = (
        "import pyarrow as pa\n"
        "from cnrmap.memory import tune_allocators\n"
        "tune_allocators()\n"
        "print(pa.default_memory_pool().backend_name)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "system"
