"""The map as the Carte page hands it to streamlit-folium: a base map, the points apart, the big data by URL.

``st_folium`` sends its whole argument list (the map's script among them) to the browser at every rerun, and
rebuilds the map when that script changes. So the page splits the assembled map (:func:`page_map`):

- the **base map** — background, choropleth, overlay, limits, frames, marks — whose script does not change when
  only the project filters change: streamlit-folium keeps the drawn map (same component key);
- the **points and names** as feature groups (``feature_group_to_add``): a theme or status filter sends and
  redraws only them, with the layer control that lists them (``layer_control``);
- the **big payloads** of the base map (the choropleth's arcs and table, the offline land, the limits' GeoJSON)
  written once per content to files the app serves (:class:`PayloadStore`); the map's script names them and
  streamlit-folium loads them with Leaflet (its ``js_links``), so the choropleth never travels in a rerun's
  message. A standalone page (:func:`cnrmap.leaflet.assets.inline_html`) keeps everything inline.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import folium

from cnrmap import memory
from cnrmap.filestore import keep_most_recent, write_atomically
from cnrmap.leaflet.labels import PlaceLabels
from cnrmap.leaflet.points import PointSymbols
from cnrmap.leaflet.raw import copy_sharing_data, declare_bounds, detach, link_geojson, walk
from cnrmap.memo import Memo

# Payloads smaller than this stay in the script (a request costs more than they do).
LINK_MIN_CHARS = 16_000
# Where the app serves the payload folder (:func:`cnrmap.cached.static_assets`, component ``layers``).
PAYLOAD_URL = "/component/cnrmap.cached.layers/"
# The store keeps at most this many files; the oldest used are removed beyond it.
MAX_FILES = 400
DYNAMIC_TYPES: tuple[type, ...] = (PointSymbols, PlaceLabels)


class PayloadStore:
    """Files named by the digest of their content, in ``folder``, served at ``url``.

    A file is written once (atomically) and touched when used again; beyond :data:`MAX_FILES` the least recently
    used are removed. Each rerun asks for its payloads again, so a removed file that is still wanted is rewritten
    before the page names it.
    """

    def __init__(self, folder: Path, url: str = PAYLOAD_URL, max_files: int = MAX_FILES):
        self.folder = Path(folder)
        self.url = url
        self.max_files = max_files

    def put(self, name: str, content: Callable[[], str]) -> str:
        """Write ``content()`` as ``name`` unless the file is there (then touch it); return the file's URL.

        Raises
        ------
        OSError
            If the folder cannot be written (a read-only cache): the caller keeps the payload inline.
        """
        path = self.folder / name
        if path.exists():
            os.utime(path)
            return self.url + name
        write_atomically(path, content())
        keep_most_recent(self.folder, (".js", ".json"), self.max_files)
        return self.url + name


def _digest(text: str) -> str:
    """A short content digest, remembered for the very string objects the memoised layers hand out."""
    known = _DIGESTS.get(id(text))
    if known is not None and known[0] is text:
        return known[1]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
    # The entry holds the string: its id cannot be reused by another object while remembered.
    _DIGESTS.put(id(text), (text, digest))
    return digest


_DIGESTS: Memo[tuple[str, str]] = Memo(
    32, "payload digests", budget=memory.PAYLOAD_DIGESTS_BUDGET, weigh=lambda entry: len(entry[0]) + 100
)


def script_payload(store: PayloadStore, text: str) -> tuple[str, str]:
    """Store a JavaScript value (JSON text) as a script that registers it; return (expression, URL)."""
    key = json.dumps(_digest(text))
    url = store.put(
        f"{_digest(text)}.js", lambda: f"(window.cnrmapData = window.cnrmapData || {{}})[{key}] = {text};\n"
    )
    return f"window.cnrmapData[{key}]", url


def link_payloads(m: folium.Map, store: PayloadStore, min_chars: int = LINK_MIN_CHARS) -> list[str]:
    """Move the big payloads of ``m`` (a copy: modified in place) to ``store``; the URLs to load before its script.

    Elements declare their payload attributes in ``payload_fields`` (JSON text put in the script as is); plain
    GeoJson elements (limits, outlines) load their data with folium's own non-embedded mode.
    """
    urls: list[str] = []
    try:
        for element in walk(m):
            for field in getattr(element, "payload_fields", ()):
                text = getattr(element, field)
                if isinstance(text, str) and len(text) >= min_chars:
                    expression, url = script_payload(store, text)
                    setattr(element, field, expression)
                    urls.append(url)
            if isinstance(element, folium.GeoJson) and getattr(element, "embed", False):
                text = _geojson_text(element.data)
                if len(text) >= min_chars:
                    link_geojson(element, store.put(f"{_digest(text)}.json", lambda text=text: text))
    except OSError:
        pass  # an unwritable store (read-only cache): what is not linked yet stays inline, the map still draws
    return urls


def _geojson_text(data: dict) -> str:
    known = _GEOJSON.get(id(data))
    if known is not None and known[0] is data:
        return known[1]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    _GEOJSON.put(id(data), (data, text))
    return text


_GEOJSON: Memo[tuple[dict, str]] = Memo(
    16, "linked GeoJSON", budget=memory.LINKED_GEOJSON_BUDGET, weigh=lambda entry: 6 * len(entry[1])
)  # a GeoJSON dict weighs about five times its compact text (measured with estimate_bytes)


@dataclass
class PageMap:
    """What the Carte page gives ``st_folium``.

    Attributes
    ----------
    base : folium.Map
        The map without its points and names, its big payloads linked (loaded before its script).
    groups : list of folium.FeatureGroup
        The point layers and the names, for ``feature_group_to_add`` (one group per layer, in drawing order).
    control : folium.LayerControl
        The layer control, for ``layer_control`` (it lists the groups too).
    linked : list of str
        URLs of the linked payloads.
    """

    base: folium.Map
    groups: list[folium.FeatureGroup]
    control: folium.LayerControl
    linked: list[str]


def page_map(m: folium.Map, store: PayloadStore | None = None, min_chars: int = LINK_MIN_CHARS) -> PageMap:
    """Split an assembled map (:func:`cnrmap.leaflet.build.build_map`) for the page; ``m`` is left as it is.

    Parameters
    ----------
    m : folium.Map
        The view's map (copied: streamlit-folium rewrites the ids of what it is given).
    store : PayloadStore, optional
        Where to put the big payloads; without it they stay in the script.
    min_chars : int
        Payloads from this size on are linked.

    Returns
    -------
    PageMap
    """
    base = copy_sharing_data(m)
    declare_bounds(base)
    detach(base, (folium.LayerControl,))
    groups = []
    for element in detach(base, DYNAMIC_TYPES):
        listed = bool(getattr(element, "control", False))
        group = folium.FeatureGroup(name=element.layer_name if listed else None, control=listed, show=True)
        element.control = False
        group.add_child(element)
        group._parent = base  # the elements find the map through it before streamlit-folium adds it
        groups.append(group)
    linked = link_payloads(base, store, min_chars) if store is not None else []
    if linked:
        base.default_js = [*base.default_js, *((f"cnrmap_payload_{i}", url) for i, url in enumerate(linked))]
    return PageMap(base, groups, folium.LayerControl(collapsed=True), linked)
