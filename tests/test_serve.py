"""The server's start: ``streamlit run serve.py`` fills the caches before its first visitor, and a new session
costs no watching of the sources.

The warm-up is called here as the start-up hook calls it (outside any page's run), with the view build replaced
by one that records what it is asked; the server itself is started once to check that the hook ran.
"""

from __future__ import annotations

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
    built: list[MapState] = []

    def build_view(state, settings, data, extra_indicators=None):
        built.append(state)
        return {"state": state}

    monkeypatch.setattr(compose, "build_view", build_view)
    cached._view.clear()
    yield built
    cached._view.clear()


def test_the_warm_up_builds_france_at_both_levels_and_the_pages_then_find_them(recorded_builds):
    assert cached.warm_up() == []
    assert [(s.territory, s.level) for s in recorded_builds] == [("FR", "departement"), ("FR", "commune")]
    # The Carte's first visitor with the default settings, then one asking France by commune: nothing is built.
    assert cached.view(MapState())["state"] == MapState()
    assert cached.view(MapState(level="commune"))["state"] == MapState(level="commune")
    assert len(recorded_builds) == 2


def test_a_data_problem_does_not_stop_the_warm_up(recorded_builds, monkeypatch):
    def broken():
        raise DataError("Table de référence illisible.")

    monkeypatch.setattr(cached, "reference", broken)
    assert cached.warm_up() == ["Table de référence illisible."]
    assert len(recorded_builds) == 2  # the steps after the failed one still ran


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
