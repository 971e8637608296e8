"""Helpers for the page tests (AppTest): open a page with URL parameters, read the map and the legends."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

from cnrmap.config import get_settings

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


def map_script(at: AppTest) -> str:
    """The map's JavaScript, with JSON's \\uXXXX escapes decoded so French text can be searched."""
    (component,) = at.get("component_instance")
    script = json.loads(component.proto.json_args)["script"]
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), script)


def legends(at: AppTest) -> str:
    """The legends the page shows beside the map (``st.html`` elements)."""
    return " ".join(element.proto.body for element in at.get("html"))
