"""The server's start: ``streamlit run serve.py`` fills the caches before its first visitor, and a new session
costs no watching of the sources.

The warm-up is called here as the start-up hook calls it (outside any page's run), with the view build replaced
by one that records what it is asked; the server itself is started once to check that the hook ran.
"""

from __future__ import annotations

import gc
import tomllib

import pytest

from cnrmap import cached
from cnrmap.carte import compose
from cnrmap.carte.state import MapState
from cnrmap.config import get_settings
from cnrmap.errors import DataError
from tools.local_server import running_app


@pytest.fixture
def recorded_builds(monkeypatch):
    """Builds recorded (state, objects frozen at that moment) instead of made; the collector unfrozen after."""
    built: list[MapState] = []
    frozen: list[int] = []

    def build_view(state, settings, data, extra_indicators=None):
        built.append(state)
        frozen.append(gc.get_freeze_count())
        return {"state": state}

    monkeypatch.setattr(compose, "build_view", build_view)
    cached._view.clear()
    yield built, frozen
    cached._view.clear()
    gc.unfreeze()


def test_the_warm_up_builds_france_at_both_levels_and_the_pages_then_find_them(recorded_builds):
    built, _ = recorded_builds
    assert cached.warm_up() == []
    assert [(s.territory, s.level) for s in built] == [("FR", "departement"), ("FR", "commune")]
    # The Carte's first visitor with the default settings, then one asking France by commune: nothing is built.
    assert cached.view(MapState())["state"] == MapState()
    assert cached.view(MapState(level="commune"))["state"] == MapState(level="commune")
    assert len(built) == 2


def test_the_data_are_frozen_out_of_the_collectors_walks_and_the_views_are_not(recorded_builds):
    _, frozen = recorded_builds
    gc.unfreeze()
    cached.warm_up()
    # Frozen before the first view was built, and not again after: the views' objects stay collectable (the count
    # may only fall, as frozen objects that nothing refers to any more are freed).
    assert frozen[0] > 0 and frozen[1] <= frozen[0] and gc.get_freeze_count() <= frozen[0]


def test_a_data_problem_does_not_stop_the_warm_up(recorded_builds, monkeypatch):
    def broken():
        raise DataError("Table de référence illisible.")

    monkeypatch.setattr(cached, "reference", broken)
    assert cached.warm_up() == ["Table de référence illisible."]
    assert len(recorded_builds[0]) == 2  # the steps after the failed one still ran


def test_sessions_do_not_watch_the_sources():
    # Each new session would otherwise register watchers over the project's folder (virtual environment
    # included): about 0.4 s of every first page and every new tab, measured on the development machine.
    config = tomllib.loads((get_settings().root / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["fileWatcherType"] == "none"


def test_the_server_answers_once_its_caches_are_filled():
    with running_app(timeout=120) as (_url, process):
        pass
    log = process.stderr.read().decode()
    assert "Caches remplis en" in log, log[-2000:]
    assert "Traceback" not in log
