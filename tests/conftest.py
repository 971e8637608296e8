"""Shared fixtures and the ``mirror`` marker.

The mirror of the official sources is ``$CNRMAP_MIRROR`` or ``../shared``. Tests that read it (they use the
``mirror_dir`` or ``mirror_settings`` fixture, directly or through another fixture) get the ``mirror`` marker
automatically and are skipped with one short reason when it is absent, so a fresh clone with nothing beside it
passes; the same logic is covered on a tiny synthetic mirror (``tests/synthetic.py``). With
``CNRMAP_REQUIRE_MIRROR=1`` (set by ``.ci/run``) a missing mirror fails those tests instead, and a run that
skipped any test exits with 1.

Property tests (hypothesis) run derandomised and without an example database when ``CI`` is set, so that a
run's verdict does not depend on luck; the examples hypothesis found are regular tests.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from synthetic import Served, SyntheticMirror, build_mirror, serve_folder

from cnrmap.config import Settings, get_settings
from cnrmap.sources.catalog import Source

MIRROR_FIXTURES = frozenset({"mirror_dir", "mirror_settings"})
MIRROR_ABSENT = "miroir des sources absent (CNRMAP_MIRROR ou ../shared)"
SKIP_REASON = f"{MIRROR_ABSENT} : test des données réelles ignoré"
REQUIRE_MIRROR = "CNRMAP_REQUIRE_MIRROR"

_skipped: list[str] = []

hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@functools.cache
def _mirror_dir() -> Path | None:
    # Read once: some tests change CNRMAP_MIRROR for the code under test, not for the test session.
    settings = get_settings()
    path = Path(settings.mirror or settings.root.parent / "shared")
    return path if (path / "france-geojson").is_dir() else None


def _mirror_required() -> bool:
    return os.environ.get(REQUIRE_MIRROR) == "1"


def _without_mirror() -> None:
    """Skip the current test (or fail it when the mirror is required)."""
    if _mirror_required():
        pytest.fail(f"{MIRROR_ABSENT} alors que {REQUIRE_MIRROR}=1 : définir CNRMAP_MIRROR.", pytrace=False)
    pytest.skip(SKIP_REASON)


@pytest.hookimpl(tryfirst=True)  # before the -m selection, so that -m "not mirror" works
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if MIRROR_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.mirror)


@pytest.hookimpl(tryfirst=True)  # before any fixture is set up (module fixtures fetch from the mirror)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("mirror") is not None and _mirror_dir() is None:
        _without_mirror()


def pytest_sessionstart(session: pytest.Session) -> None:
    _skipped.clear()


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _mirror_required() and _skipped and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if _mirror_required() and _skipped:
        terminalreporter.write_line(
            f"{REQUIRE_MIRROR}=1 : {len(_skipped)} test(s) ignoré(s) alors qu'aucun ne doit l'être ici "
            ": échec (raisons : lignes SKIPPED ci-dessous).",
            red=True,
        )


@pytest.fixture(scope="session", autouse=True)
def _records_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never read nor write the developer's records database, and pages start read-only.

    The session's database file is never created (nothing is recorded into it): tests that record use
    their own (:func:`records_settings`).
    """
    patch = pytest.MonkeyPatch()
    patch.setenv("CNRMAP_DATABASE_URL", f"sqlite:///{tmp_path_factory.mktemp('records') / 'unused.sqlite'}")
    patch.delenv("CNRMAP_EDITING", raising=False)
    patch.delenv("CNRMAP_USER_HEADER", raising=False)
    yield
    patch.undo()


@pytest.fixture(scope="session", autouse=True)
def _payload_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Pages under test write the map data they link (:mod:`cnrmap.leaflet.page`) to a temporary folder, never
    into the developer's cache."""
    folder = tmp_path_factory.mktemp("web")
    patch = pytest.MonkeyPatch()
    patch.setattr(Settings, "payload_cache", property(lambda self: folder))
    yield folder
    patch.undo()


@pytest.fixture()
def records_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings (and environment, for pages and commands) with a fresh records database and editing on."""
    monkeypatch.setenv("CNRMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'records.sqlite'}")
    monkeypatch.setenv("CNRMAP_EDITING", "1")
    return get_settings()


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    path = _mirror_dir()
    if path is None:
        _without_mirror()
    return path


@pytest.fixture()
def empty_settings(tmp_path: Path) -> Settings:
    """Settings with an empty cache and no mirror."""
    return get_settings(cache_dir=tmp_path / "cache", mirror="")


@pytest.fixture()
def mirror_settings(tmp_path: Path, mirror_dir: Path) -> Settings:
    """Settings with an empty cache and the folder mirror."""
    return get_settings(cache_dir=tmp_path / "cache", mirror=str(mirror_dir))


@pytest.fixture(scope="session")
def synthetic_mirror(tmp_path_factory: pytest.TempPathFactory) -> SyntheticMirror:
    """A tiny mirror laid out like ``../shared`` and its catalog, built once (tests must not change it)."""
    return build_mirror(tmp_path_factory.mktemp("synthetic"))


@pytest.fixture()
def synthetic_catalog(synthetic_mirror: SyntheticMirror) -> list[Source]:
    """The catalog of the synthetic mirror (same paths as ``sources.toml``, hashes of the synthetic files)."""
    return synthetic_mirror.catalog()


@pytest.fixture()
def synthetic_settings(tmp_path: Path, synthetic_mirror: SyntheticMirror) -> Settings:
    """Settings with an empty cache and the synthetic folder mirror."""
    return get_settings(cache_dir=tmp_path / "cache", mirror=str(synthetic_mirror.root))


@pytest.fixture(scope="module")
def synthetic_http(synthetic_mirror: SyntheticMirror) -> Iterator[Served]:
    """The synthetic mirror served over HTTP on 127.0.0.1 (``.url``; ``.requests`` lists what was asked)."""
    with serve_folder(synthetic_mirror.root) as served:
        yield served


@pytest.fixture()
def fresh_streamlit_caches() -> Iterator[None]:
    """Empty Streamlit's caches around a page test (AppTest runs share one process and its caches)."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


# --- real-browser tests (marked ``browser``): one Chromium and one app server per test module ----------------


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (:func:`app_server.launch_chromium`)."""
    from app_server import launch_chromium
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """The app served on 127.0.0.1 with the default settings (a module may serve it otherwise)."""
    from app_server import serve_app

    with serve_app() as url:
        yield url
