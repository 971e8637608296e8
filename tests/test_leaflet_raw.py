"""Pins what cnrmap.leaflet.raw relies on in folium/branca: if an upgrade changes it, these fail loudly."""

from __future__ import annotations

import folium
import pytest
from branca.element import MacroElement
from jinja2 import Template

from cnrmap.leaflet.raw import RawElement, RawGeoJson, RawMacro, copy_sharing_data, declare_bounds, walk

REASON = "folium/branca ont changé ce dont cnrmap.leaflet.raw dépend : adapter ce module avant de mettre à jour"


class _Probe(RawMacro):
    _template = Template("{% macro script(this, kwargs) %}var probe = {{ this.payload|tojson }};{% endmacro %}")

    def __init__(self, payload: str):
        super().__init__()
        self._name = "Probe"
        self.payload = payload


def test_macro_templates_expose_their_macros_as_module_attributes():
    module = _Probe("x")._template.module.__dict__
    assert callable(module.get("script")), REASON


def test_raw_macro_output_is_not_compiled_again():
    m = folium.Map(tiles=None)
    _Probe("{{ 6 * 7 }}").add_to(m)
    html = m.get_root().render()
    assert 'var probe = "{{ 6 * 7 }}";' in html, REASON
    assert "42" not in html.split("var probe")[1][:40], REASON


def test_raw_element_renders_text_as_is():
    assert RawElement("{% if x %}y{% endif %}").render() == "{% if x %}y{% endif %}", REASON


def test_raw_geojson_keeps_template_like_data_literal():
    m = folium.Map(tiles=None)
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "{{ 7 * 7 }}"},
         "geometry": {"type": "Point", "coordinates": [5.0, 43.0]}}]}  # fmt: skip
    RawGeoJson(data, name="test").add_to(m)
    html = m.get_root().render()
    assert "{{ 7 * 7 }}" in html and '"49"' not in html, REASON


def test_children_are_walked_and_maps_copied_sharing_their_data():
    m = folium.Map(tiles=None)
    data = {"type": "FeatureCollection", "features": []}
    layer = RawGeoJson(data, name="test").add_to(m)
    assert layer in list(walk(m.get_root())), REASON
    copy = copy_sharing_data(m)
    (copied,) = [e for e in walk(copy) if isinstance(e, folium.GeoJson)]
    assert copied is not layer and copied.data is layer.data, REASON


@pytest.mark.parametrize("attribute", ["default_js", "default_css"])
def test_map_declares_its_assets_as_name_url_pairs(attribute):
    pairs = getattr(folium.Map, attribute)
    assert pairs and all(isinstance(p, tuple) and len(p) == 2 for p in pairs), REASON
    assert any("leaflet" in name for name, _ in pairs), REASON


def test_macro_element_is_still_the_base_of_layers():
    assert issubclass(folium.map.Layer, MacroElement) and issubclass(folium.GeoJson, MacroElement), REASON


def test_a_map_declares_the_bounds_it_fits_without_walking_its_data(monkeypatch):
    m = folium.Map(tiles=None)
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [5.0, 43.0]}}]}  # fmt: skip
    RawGeoJson(data, name="test").add_to(m)
    m.fit_bounds([[41.0, -5.0], [51.0, 9.5]])
    assert m.get_bounds() == [[43.0, 5.0], [43.0, 5.0]], REASON  # folium walks the data
    declare_bounds(m)
    monkeypatch.setattr(folium.GeoJson, "_get_self_bounds", lambda self: pytest.fail("coordinates walked"))
    assert m.get_bounds() == [[41.0, -5.0], [51.0, 9.5]], REASON


def test_st_folium_reads_the_bounds_through_the_map_method():
    """streamlit-folium's default ``bounds`` comes from ``folium_map.get_bounds()`` (the instance's answer)."""
    import inspect

    import streamlit_folium

    assert "folium_map.get_bounds()" in inspect.getsource(streamlit_folium.st_folium), REASON
