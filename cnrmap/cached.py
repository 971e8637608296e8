"""Streamlit's caches around the library's loaders: the only module of cnrmap that imports streamlit.

Pages call these instead of the plain loaders so that a filter change reruns the page without
re-reading files. Data problems stop the page with a French message, never a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import streamlit as st

from cnrmap.config import Settings, get_settings
from cnrmap.curated import load as datasets
from cnrmap.errors import DataError

T = TypeVar("T")


@st.cache_resource
def settings() -> Settings:
    """The settings, once per server process (which is also when its memory allocator is tuned)."""
    from cnrmap.memory import tune_allocators

    tune_allocators()
    return get_settings()


def data_revision() -> str:
    """Changes whenever someone records a status or imports a file (one small query; none without a database)."""
    from cnrmap.records.db import revision

    return revision(settings())


@st.cache_data(show_spinner="Chargement des données du CNR santé…", max_entries=4)
def _cnr_data(revision: str) -> datasets.CnrData:
    from cnrmap.records.data import load_data

    return load_data(settings())


def cnr_data() -> datasets.CnrData:
    """The curated CNR data with what people recorded (:func:`cnrmap.records.data.load_data`), as it stands now:
    a status recorded in another session shows at this page's next rerun."""
    return _cnr_data(data_revision())


def show_error(exc: DataError) -> None:
    """Show a data problem the French way: the message, the list of problems, what to do."""
    st.error(exc.message)
    if exc.problems:
        with st.expander(f"Détail : {len(exc.problems)} problème(s)", expanded=len(exc.problems) <= 10):
            st.markdown("\n".join(f"- {p}" for p in exc.problems[:200]))
    if exc.hint:
        st.info(exc.hint)


def or_stop(load: Callable[[], T]) -> T:
    """Run a loader; on a data problem, show it and stop the page."""
    try:
        return load()
    except DataError as exc:
        show_error(exc)
        st.stop()
        raise  # unreachable: st.stop() raises


@st.cache_data(show_spinner=False)
def reference() -> datasets.Reference:
    return datasets.load_reference(settings())


@st.cache_data(show_spinner="Diagnostic des données installées…", ttl=60)
def diagnosis() -> list:
    from cnrmap.sources.doctor import diagnose

    return diagnose(settings())


@st.cache_resource(show_spinner="Chargement des contours des départements…")
def departments():
    from cnrmap.geo.boundaries import load_departments

    return load_departments(settings())


@st.cache_resource(show_spinner=False)
def _asset_folders() -> dict[str, str]:
    from cnrmap.leaflet.assets import locate_assets

    folders = {name: str(folder) for name, folder in locate_assets().folders().items()}
    payloads = settings().payload_cache
    try:
        payloads.mkdir(parents=True, exist_ok=True)
    except OSError:
        return folders  # a read-only cache: the Carte keeps its layer data inline (cnrmap.leaflet.page)
    return folders | {"layers": str(payloads)}


@st.cache_resource(show_spinner=False)
def payload_store():
    """Where the Carte page puts the map data the browser loads by URL (served as the component ``layers``)."""
    from cnrmap.leaflet.page import PayloadStore

    return PayloadStore(settings().payload_cache)


def static_assets() -> None:
    """Make Streamlit serve Leaflet and jQuery straight from their installed packages (nothing is copied), and the
    map data the Carte page links (:attr:`cnrmap.config.Settings.payload_cache`, see :func:`payload_store`).

    Each folder is declared as a custom component, which Streamlit serves at ``/component/cnrmap.cached.<name>/``
    (:data:`cnrmap.leaflet.assets.DEFAULT_BASE_URL`): the map's iframe loads ``leaflet.js``, ``leaflet.css``
    (and its ``images/``), ``jquery.min.js`` and the linked layers from there. Declared on every run of the page,
    before the map: the declaration is a dictionary entry of the server's runtime.
    """
    import streamlit.components.v1 as components

    for name, folder in or_stop(_asset_folders).items():
        components.declare_component(name, path=folder)


@st.cache_data(show_spinner=False, ttl=60)
def indicators() -> dict:
    """The registry of indicators (:func:`cnrmap.indicators.registry.catalogue`), without filters."""
    from cnrmap.indicators import registry

    return registry.catalogue(settings())


@st.cache_resource(show_spinner="Construction de la carte…", max_entries=8)
def _view(state, extra_key: str, revision: str, today: str, _extra: dict | None = None):
    from cnrmap.carte.compose import build_view
    from cnrmap.memory import build_slot

    with build_slot():
        return build_view(state, settings(), _cnr_data(revision), extra_indicators=_extra)


def view(state, extra_key: str = "", _extra: dict | None = None):
    """The map of ``state``; ``extra_key`` identifies the session's imported indicators in ``_extra``.

    Keyed on the recorded data's revision (a new status redraws the map) and on today's date (a state
    without ``as_of`` shows today). Few entries: a view of France by commune holds about 15 MB, and a new
    view costs 0.2 s once warm. Two sessions asking for the same view at once: Streamlit builds it once (a
    lock per key), the other waits. Different views are built one at a time (:func:`cnrmap.memory.build_slot`).
    """
    import datetime as dt

    return _view(state, extra_key, data_revision(), dt.date.today().isoformat(), _extra=_extra)


def view_download(state, extra_key: str, extra: dict | None, make: Callable[[Any], bytes]) -> Callable[[], bytes]:
    """A download of ``make(view)`` computed on click, holding the view's key rather than the view.

    Streamlit keeps a session's deferred downloads, and the globals of its last run that its callbacks refer
    to, while the session lives (and ``server.disconnectedSessionTTL``, 2 minutes, after its tab is closed):
    a national view weighs about 15 MB. On click the view is read again from :func:`view`.
    """
    return functools.partial(_view_download, state, extra_key, extra, make)


def _view_download(state, extra_key: str, extra: dict | None, make: Callable[[Any], bytes]) -> bytes:
    return make(view(state, extra_key, _extra=extra))


def forget_upload(upload) -> None:
    """Drop an uploaded file's bytes from the server now; Streamlit keeps them until the session ends otherwise.

    Uses the script run context's ``uploaded_file_mgr`` (pinned by ``tests/test_server_memory.py``). The page also gives
    its uploader a new key, so that the widget no longer names the file.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx(suppress_warning=True)
    if upload is not None and context is not None:
        context.uploaded_file_mgr.remove_file(context.session_id, upload.file_id)


def _close_browser(browser) -> None:
    browser.close()


@st.cache_resource(show_spinner=False, on_release=_close_browser)
def export_browser():
    """The headless Chromium of the image export, kept open between exports for the whole server (started at the
    first export, closed when the process exits: :class:`cnrmap.export.browser.WarmBrowser`)."""
    from cnrmap.export.browser import WarmBrowser

    return WarmBrowser(settings().chromium)


@st.cache_data(show_spinner=False, max_entries=2)
def _deck(state, extra_key: str, revision: str, today: str, _extra: dict | None = None) -> bytes:
    from cnrmap.deck.build import build_deck

    return build_deck(state, settings(), _cnr_data(revision), extra=_extra, browser=export_browser()).data


def deck(state, extra_key: str = "", _extra: dict | None = None) -> bytes:
    """The PowerPoint deck of ``state``'s territory (:func:`cnrmap.deck.build.build_deck`), as bytes.

    Keyed like :func:`view` (recorded data's revision, today's date: the slides carry it); two entries, a deck
    weighs a few megabytes. Raises :class:`DataError` (Chromium missing…) for the page to show.
    """
    import datetime as dt

    return _deck(state, extra_key, data_revision(), dt.date.today().isoformat(), _extra=_extra)


@st.cache_data(show_spinner=False)
def search_places() -> dict[str, str]:
    """Search entries « name (code) » → territory or commune key, from the installed references."""
    from cnrmap.carte.search import search_index

    return search_index(settings())


@st.cache_resource(show_spinner=False)
def folded_places() -> list[tuple[str, str]]:
    """:func:`search_places` prepared for :func:`cnrmap.carte.search.find_places`."""
    from cnrmap.carte.search import folded_entries

    return folded_entries(search_places())


@st.cache_resource(show_spinner=False)
def import_reference():
    """The code reference for imported indicators (COG 2026 from the cache or the mirror)."""
    from cnrmap.importer import reference_for_settings

    return reference_for_settings(settings())


def filter_select(label: str, labels: Mapping[str, str], key: str) -> list[str]:
    """A multiselect filter over ``labels`` (code → French label) whose empty selection reads « Tous » and means all."""
    return st.multiselect(label, list(labels), format_func=lambda code: labels.get(code, code), key=key,
                          placeholder="Tous")  # fmt: skip


def signed_in_user() -> str:
    """The user the reverse proxy names in ``Settings.user_header`` (``X-Forwarded-User``), or ``""``.

    Only meaningful behind a proxy that sets this header and removes it from the requests it receives.
    """
    name = settings().user_header
    if not name:
        return ""
    try:
        headers = st.context.headers
    except AttributeError:
        return ""
    return str(headers.get(name) or "").strip()[:200]


def csv_downloads(table, stem: str) -> None:
    """Two download buttons for a table: UTF-8 CSV, and the `;` variant French spreadsheets open directly."""
    from cnrmap.export.csv import to_csv_bytes

    variants = (
        ("Télécharger ce tableau (CSV UTF-8)", "utf8-bom", f"{stem}.csv", "download"),
        (
            "Télécharger pour un tableur français (CSV ;)",
            "semicolon",
            f"{stem}-point-virgule.csv",
            "download_semicolon",
        ),
    )
    for column, (label, variant, name, key) in zip(st.columns(len(variants)), variants, strict=True):
        column.download_button(label, to_csv_bytes(table, variant=variant), file_name=name, mime="text/csv", key=key)


# Modules the pages import at their first run, beyond what the warm-up's loaders import: folium's plugins
# (Carte), the export and the importer (Carte), Streamlit's emoji catalogue (0.2 s: the first
# ``st.set_page_config`` with an emoji icon). A module missing from another version is skipped. Not
# ``streamlit_folium``: it declares its component when imported, which only registers from a page's run.
PAGE_MODULES = (
    "folium.plugins", "cnrmap.carte.panel", "cnrmap.export.png", "cnrmap.export.data",
    "cnrmap.importer", "streamlit.emojis",
)  # fmt: skip


def warm_up() -> list[str]:
    """Fill the server's caches before its first visitor: the libraries the pages import, the curated data, the
    references and indicators every page reads (then kept out of the garbage collector's walks:
    :func:`cnrmap.memory.freeze_long_lived`), and France at both levels on the Carte's default settings (the
    department view is the Carte's default; the commune view also reads the commune tables — codes, populations,
    indicators — that a region's or a department's commune map reuses).

    Called once per process by ``serve.py``'s start-up hook, before the server answers. Nothing is raised here:
    the server starts anyway and the pages show a data problem in French; the problems are returned for the log
    (commune maps not installed, for one).
    """
    import contextlib
    import importlib

    from cnrmap.carte.state import MapState
    from cnrmap.memory import freeze_long_lived

    for name in PAGE_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    problems: list[str] = []
    for load in (settings, cnr_data, reference, indicators, _asset_folders, payload_store, search_places,
                 folded_places):  # fmt: skip
        _attempt(load, problems)
    freeze_long_lived()  # libraries and data; not the views: a view dropped from the cache must be collectable
    for state in (MapState(), MapState(level="commune")):
        _attempt(functools.partial(view, state), problems)
    return problems


def _attempt(step: Callable[[], Any], problems: list[str]) -> None:
    """Run a step of the warm-up; a failure is noted in ``problems``, never raised."""
    try:
        step()
    except DataError as exc:
        problems.append(exc.message)
    except Exception as exc:  # a warm-up that fails leaves the caches cold, nothing more
        problems.append(f"{type(exc).__name__} : {exc}")
