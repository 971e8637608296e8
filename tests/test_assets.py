"""Leaflet and jQuery come from installed packages and are served or inlined, never fetched from a CDN."""

from __future__ import annotations

import re

import folium

from cnrmap.leaflet import assets


def _external_refs(html: str) -> list[str]:
    refs = re.findall(r'<script[^>]*\ssrc="([^"]*)"', html) + re.findall(r'<link[^>]*\shref="([^"]*)"', html)
    return [r for r in refs if r.startswith(("http:", "https:", "//"))]


def test_assets_found_in_packages():
    found = assets.locate_assets()
    assert found.leaflet_js.name == "leaflet.js" and found.leaflet_js.is_file()
    assert "1.9.4" in found.leaflet_js.read_text(encoding="utf-8")[:400]
    assert found.jquery_js.is_file()
    assert {p.name for p in found.leaflet_images} >= {"layers.png", "marker-icon.png"}


def test_served_folders_are_the_package_folders():
    """The app serves each package folder as it is: every file a map asks for is in one of them."""
    found = assets.locate_assets()
    folders = found.folders()
    assert set(folders) == {"leaflet", "jquery"}
    for name, path in found.files().items():
        folder, relative = name.split("/", 1)
        assert folders[folder] / relative == path and path.is_file()
    js, css = assets.local_js_css()
    for _, url in js + css:
        folder, relative = url.removeprefix(assets.DEFAULT_BASE_URL).split("/", 1)
        assert (folders[folder] / relative).is_file(), url


def test_use_local_assets_only_leaflet_and_jquery():
    m = assets.use_local_assets(folium.Map(tiles=None))
    html = m.get_root().render()
    assert _external_refs(html) == []
    assert '<script src="/component/cnrmap.cached.leaflet/leaflet.js"></script>' in html
    assert '<script src="/component/cnrmap.cached.jquery/jquery.min.js"></script>' in html
    for name in ("bootstrap", "awesome", "glyphicons"):
        assert name not in html
    # The class defaults are left alone: only this map changed.
    assert any("bootstrap" in name for name, _ in folium.Map.default_js)


def test_inline_html_is_standalone():
    m = folium.Map(tiles=None)
    folium.CircleMarker((43.3, 5.4), radius=5).add_to(m)
    html = assets.inline_html(m)
    assert _external_refs(html) == []
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert not re.search(r"<link[^>]*stylesheet", html)
    assert "L.circleMarker" in html and "jQuery" in html
    assert "url(data:image/png;base64," in html and "url(images/" not in html


def test_default_urls_name_the_module_that_declares_the_folders():
    """Streamlit serves a component declared in module M as ``/component/M.<name>/``."""
    import cnrmap.cached

    assert f"/component/{cnrmap.cached.__name__}." == assets.DEFAULT_BASE_URL
    assert callable(cnrmap.cached.static_assets)
