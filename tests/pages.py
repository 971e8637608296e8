"""Helpers for the page tests (AppTest): open a page with URL parameters, read the map and the legends."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

from cnrmap.config import get_settings
from cnrmap.leaflet.page import PAYLOAD_URL

APP = str(get_settings().root / "app.py")


def open_page(path: str = "views/1_Carte.py", state: dict | None = None, timeout: int = 120, **params: str) -> AppTest:
    """The app opened on ``path`` with these URL parameters (and session values), checked to run without error."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def map_args(at: AppTest) -> dict:
    """The arguments of the page's ``st_folium`` (``script``, ``feature_group``, ``layer_control``, ``js_links``…)."""
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def linked_payloads(args: dict) -> list[str]:
    """The text of the payload files the map's frame loads (:mod:`cnrmap.leaflet.page`), in loading order."""
    folder = get_settings().payload_cache
    return [
        (folder / url.removeprefix(PAYLOAD_URL)).read_text(encoding="utf-8")
        for url in args.get("js_links", [])
        if url.startswith(PAYLOAD_URL)
    ]


def decoded(text: str) -> str:
    """JSON's \\uXXXX escapes decoded, so that French text can be searched."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def map_script(at: AppTest) -> str:
    """Everything the map's frame receives: the base script, the point groups, the layer control, the linked data
    (GeoJSON files the script loads by URL included), French text decoded."""
    args = map_args(at)
    folder = get_settings().payload_cache
    script = args["script"]
    geojson = [
        (folder / url.removeprefix(PAYLOAD_URL)).read_text(encoding="utf-8")
        for url in re.findall(r'"(' + re.escape(PAYLOAD_URL) + r'[0-9a-f]+\.json)"', script)
    ]
    parts = [script, args.get("feature_group") or "", args.get("layer_control") or "", *linked_payloads(args), *geojson]
    return decoded("\n".join(parts))


def legends(at: AppTest) -> str:
    """The legends the page shows beside the map (``st.html`` elements)."""
    return " ".join(element.proto.body for element in at.get("html"))
