"""Streamlit's caches around the library's loaders: the only module of cnrmap that imports streamlit.

Pages call these instead of the plain loaders so that a filter change reruns the page without
re-reading files. Data problems stop the page with a French message, never a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from cnrmap.config import Settings, get_settings
from cnrmap.curated import load as datasets
from cnrmap.errors import DataError

T = TypeVar("T")


@st.cache_resource
def settings() -> Settings:
    """The settings, once per server process (which is also when its memory allocator is tuned)."""
    from cnrmap.memory import fix_mmap_threshold

    fix_mmap_threshold()
    return get_settings()


@st.cache_data(show_spinner="Chargement des données du CNR santé…")
def cnr_data() -> datasets.CnrData:
    return datasets.load_cnr_data(settings())


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

    return {name: str(folder) for name, folder in locate_assets().folders().items()}


def static_assets() -> None:
    """Make Streamlit serve Leaflet and jQuery straight from their installed packages (nothing is copied).

    Each package folder is declared as a custom component, which Streamlit serves at
    ``/component/cnrmap.cached.<name>/`` (:data:`cnrmap.leaflet.assets.DEFAULT_BASE_URL`): the map's iframe
    loads ``leaflet.js``, ``leaflet.css`` (and its ``images/``) and ``jquery.min.js`` from there. Declared on
    every run of the page, before the map: the declaration is a dictionary entry of the server's runtime.
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
def view(state, extra_key: str = "", _extra: dict | None = None):
    """The map of ``state``; ``extra_key`` identifies the session's imported indicators in ``_extra``.

    Few entries: a view of France by commune holds about 15 MB, and a new view costs 0.2 s once warm. Two
    sessions asking for the same view at once: Streamlit builds it once (a lock per key), the other waits.
    Different views are built one at a time (:func:`cnrmap.memory.build_slot`).
    """
    from cnrmap.carte.compose import build_view
    from cnrmap.memory import build_slot

    with build_slot():
        return build_view(state, settings(), cnr_data(), extra_indicators=_extra)


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
    from cnrmap.importer.core import reference_for_settings

    return reference_for_settings(settings())


def csv_downloads(table, stem: str) -> None:
    """Two download buttons for a table: UTF-8 CSV, and the `;` variant French spreadsheets open directly."""
    from cnrmap.export.csv import to_csv_bytes

    left, right = st.columns(2)
    left.download_button(
        "Télécharger ce tableau (CSV UTF-8)",
        to_csv_bytes(table, variant="utf8-bom"),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key="download",
    )
    right.download_button(
        "Télécharger pour un tableur français (CSV ;)",
        to_csv_bytes(table, variant="semicolon"),
        file_name=f"{stem}-point-virgule.csv",
        mime="text/csv",
        key="download_semicolon",
    )
