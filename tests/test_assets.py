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


def test_install_static_is_idempotent(tmp_path):
    vendor = assets.install_static(tmp_path / "static")
    leaflet = vendor / "leaflet" / "leaflet.js"
    assert leaflet.is_file() and (vendor / "jquery" / "jquery.min.js").is_file()
    assert (vendor / "leaflet" / "images" / "layers.png").is_file()
    before = leaflet.stat().st_mtime_ns
    assets.install_static(tmp_path / "static")
    assert leaflet.stat().st_mtime_ns == before
    leaflet.write_text("altéré", encoding="utf-8")
    assets.install_static(tmp_path / "static")
    assert "altéré" not in leaflet.read_text(encoding="utf-8")


def test_use_local_assets_only_leaflet_and_jquery():
    m = assets.use_local_assets(folium.Map(tiles=None))
    html = m.get_root().render()
    assert _external_refs(html) == []
    assert '<script src="/app/static/vendor/leaflet/leaflet.js"></script>' in html
    assert '<script src="/app/static/vendor/jquery/jquery.min.js"></script>' in html
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
