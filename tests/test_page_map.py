"""The map as the Carte page hands it to streamlit-folium: base map apart, points as feature groups, payloads by URL."""

from __future__ import annotations

import os
import time
from dataclasses import replace

import folium
import pandas as pd
import pytest
import streamlit_folium
from map_fixtures import communes, compose, departments

from cnrmap.carte.layers import categorical_layer
from cnrmap.carte.state import MapState
from cnrmap.geo.labels import Label
from cnrmap.indicators.spec import IndicatorData
from cnrmap.leaflet.build import build_map
from cnrmap.leaflet.choropleth import OutlineLayer
from cnrmap.leaflet.compact import CompactChoropleth
from cnrmap.leaflet.labels import PlaceLabels
from cnrmap.leaflet.page import PAYLOAD_URL, PayloadStore, page_map
from cnrmap.leaflet.points import PointSymbols
from cnrmap.leaflet.raw import walk


def density() -> IndicatorData:
    values = pd.DataFrame({"code": ["04", "13", "83", "34"], "value": [95.4, 80.1, 70.0, 88.0]})
    return IndicatorData(id="densite_mg", label="Densité", kind="numeric", level="departement", values=values)


def zoning(gdf) -> IndicatorData:
    values = pd.DataFrame({"code": gdf["code"], "value": ["A", "B"] * (len(gdf) // 2)})
    return IndicatorData("zonage_mg", "Zonage", "categorical", "commune", values, categories={"A": "A", "B": "B"})


def st_folium_strings(parts) -> tuple[str, str, str]:
    """What streamlit-folium 0.27 sends for these parts: base script, feature groups, layer control (its functions)."""
    m = parts.base
    m.get_root().render()
    m.render()
    script = streamlit_folium._get_map_string(m)
    groups = "".join(streamlit_folium._get_feature_group_string(g, m, i) for i, g in enumerate(parts.groups))
    control = streamlit_folium._get_layer_control_string(parts.control, m)
    return script, groups, control


def test_points_and_names_leave_the_base_map_as_feature_groups():
    view = compose(MapState(territory="region:93", layers=("projets", "reunions", "limites", "noms")), density())
    PlaceLabels([Label("Marseille", 5.37, 43.3, 1.0)]).add_to(view.map)
    parts = page_map(view.map)
    kinds = [type(e) for e in walk(parts.base)]
    assert PointSymbols not in kinds and PlaceLabels not in kinds and folium.LayerControl not in kinds
    assert all(isinstance(g, folium.FeatureGroup) for g in parts.groups)
    inner = [type(next(iter(g._children.values()))) for g in parts.groups]
    assert inner.count(PointSymbols) == 2 and PlaceLabels in inner
    listed = [g.layer_name for g in parts.groups if g.control]
    assert listed == ["Projets du CNR santé", "Réunions du CNR santé"]
    # The view's own map (standalone pages, exports) keeps everything.
    assert PointSymbols in [type(e) for e in walk(view.map)]


def test_the_base_map_answers_its_bounds_without_walking_the_communes(monkeypatch):
    """st_folium asks the map for its bounds at each rerun: the fitted bounds, not a walk over every coordinate."""
    view = compose(MapState(territory="region:93", level="commune"), zoning(communes()))
    walked = view.map.get_bounds()
    monkeypatch.setattr(folium.GeoJson, "_get_self_bounds", lambda self: pytest.fail("coordinates walked"))
    bounds = page_map(view.map).base.get_bounds()
    assert bounds[0][0] <= walked[0][0] + 0.5 and bounds[1][1] >= walked[1][1] - 0.5


def test_a_status_filter_changes_the_points_not_the_base_script():
    layers = ("projets", "reunions", "limites", "noms")
    all_projects = page_map(compose(MapState(territory="region:93", layers=layers), density()).map)
    done = page_map(compose(MapState(territory="region:93", layers=layers, statuses=("realise",)), density()).map)
    script_a, groups_a, control_a = st_folium_strings(all_projects)
    script_b, groups_b, control_b = st_folium_strings(done)
    assert script_a == script_b  # streamlit-folium keeps the drawn map (same component key)
    assert streamlit_folium.generate_js_hash(script_a, "map") == streamlit_folium.generate_js_hash(script_b, "map")
    assert groups_a != groups_b and "Projet départemental" in groups_a and "Projet départemental" not in groups_b
    assert "feature_group_feature_group_0" in control_a and control_a == control_b
    # The point layers name the map itself, and add themselves to their group.
    assert "var map = map_div;" in groups_a and ".addTo(feature_group_feature_group_0)" in groups_a


def test_the_choropleth_is_linked_and_loaded_with_leaflet(tmp_path):
    gdf = communes()
    main = replace(categorical_layer(gdf.assign(value=["A", "B"] * (len(gdf) // 2)), zoning(gdf)), compact=True)
    limits = OutlineLayer("Limites", departments())
    view_map = build_map(main, outlines=[limits], basemap="aucun")
    store = PayloadStore(tmp_path)
    # The fixtures are tiny: link everything, as a national layer would be.
    parts = page_map(view_map, store, min_chars=1)
    (compact,) = [e for e in walk(parts.base) if isinstance(e, CompactChoropleth)]
    assert compact.encoded_json.startswith('window.cnrmapData["')
    script, _, _ = st_folium_strings(parts)
    (original,) = [e for e in walk(view_map) if isinstance(e, CompactChoropleth)]
    assert original.encoded_json[:60] not in script  # the arcs are not in the script
    files = sorted(p.name for p in tmp_path.iterdir())
    assert any(name.endswith(".js") for name in files) and any(name.endswith(".json") for name in files)
    js_links = [url for _, url in parts.base.default_js]
    assert js_links[:2] == [
        "/component/cnrmap.cached.leaflet/leaflet.js",
        "/component/cnrmap.cached.jquery/jquery.min.js",
    ]
    assert len(parts.linked) == 2 and js_links[2:] == parts.linked  # the arcs, the table
    for url in parts.linked:
        text = (tmp_path / url.removeprefix(PAYLOAD_URL)).read_text(encoding="utf-8")
        assert text.startswith("(window.cnrmapData = window.cnrmapData || {})[")
    # GeoJson layers use folium's non-embedded mode (data read from the served file).
    linked = [e for e in walk(parts.base) if isinstance(e, folium.GeoJson) and not e.embed]
    assert linked and all(e.embed_link.startswith(PAYLOAD_URL) for e in linked)
    assert "$.ajax(" in script
    # The view's map is left inline.
    assert not original.encoded_json.startswith("window.cnrmapData")


def test_an_unwritable_store_leaves_the_payloads_inline(tmp_path):
    """A read-only cache (README « Déploiement »): the map keeps its data in its script and still draws."""
    gdf = communes()
    main = replace(categorical_layer(gdf.assign(value=["A", "B"] * (len(gdf) // 2)), zoning(gdf)), compact=True)
    view_map = build_map(main, outlines=[OutlineLayer("Limites", departments())], basemap="aucun")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    parts = page_map(view_map, PayloadStore(blocker / "web"), min_chars=1)
    assert parts.linked == []
    (compact,) = [e for e in walk(parts.base) if isinstance(e, CompactChoropleth)]
    assert not compact.encoded_json.startswith("window.cnrmapData")
    assert all(e.embed for e in walk(parts.base) if isinstance(e, folium.GeoJson))
    script, _, _ = st_folium_strings(parts)
    assert compact.encoded_json[:60] in script  # the arcs travel in the script


def test_small_payloads_stay_in_the_script(tmp_path):
    view = compose(MapState(territory="region:93", layers=("limites",)), density())
    parts = page_map(view.map, PayloadStore(tmp_path))
    assert parts.linked == [] and not list(tmp_path.iterdir())


def test_store_writes_each_content_once_and_keeps_the_most_recent(tmp_path):
    store = PayloadStore(tmp_path, max_files=3)
    first = store.put("a.js", lambda: "A")
    assert first == PAYLOAD_URL + "a.js" and (tmp_path / "a.js").read_text() == "A"
    assert store.put("a.js", lambda: pytest.fail("written twice")) == first
    for i, name in enumerate(["b.js", "c.json", "d.js"]):
        past = time.time() - 100 + i
        store.put(name, lambda name=name: name)
        os.utime(tmp_path / name, (past, past))
    os.utime(tmp_path / "a.js", (time.time() - 200, time.time() - 200))
    store.put("e.js", lambda: "E")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json", "d.js", "e.js"]
    # Asked again, a removed file is written again before the page names it.
    store.put("a.js", lambda: "A")
    assert (tmp_path / "a.js").read_text() == "A"


def test_page_map_of_a_map_without_points():
    parts = page_map(folium.Map(tiles=None))
    assert parts.groups == [] and parts.linked == []
