"""The map engine, checked on fragments of the rendered HTML (no browser)."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from map_fixtures import XSS, departments, meetings, projects
from shapely.geometry import box

from cnrmap.carte import classify
from cnrmap.carte.layers import categorical_layer, numeric_layer
from cnrmap.carte.points import cnr_points
from cnrmap.french import format_value, ordinal
from cnrmap.geo.simplify import simplify_for_scale
from cnrmap.indicators.spec import IndicatorData
from cnrmap.leaflet.assets import DEFAULT_BASE_URL
from cnrmap.leaflet.build import build_map
from cnrmap.leaflet.choropleth import ChoroplethLayer, OutlineLayer
from cnrmap.leaflet.compact import CompactChoropleth
from cnrmap.leaflet.legend import MISSING_COLOUR, MISSING_DASH, legend_html
from cnrmap.leaflet.points import donut_svg

ZONING = {"ZIP": "Zone d'intervention prioritaire (ZIP)", "ZAC": "ZAC", "ZAR": "ZAR", "HZ": "Hors zonage"}


def indicator(label="Densité de médecins", **kwargs) -> IndicatorData:
    options = {"id": "x", "label": label, "kind": "numeric", "level": "departement", "values": pd.DataFrame(),
               "unit": "pour 100 000 habitants", "vintage": "2024", "source": "CNAM",
               "references": {"93": 80.0, "FR": 85.5}}  # fmt: skip
    options.update(kwargs)
    return IndicatorData(**options)


def zoning_indicator(label="Zonage") -> IndicatorData:
    return IndicatorData(id="zonage_mg", label=label, kind="categorical", level="departement", values=pd.DataFrame(),
                         categories=ZONING)  # fmt: skip


def _numeric(values=(50.0, np.nan, 90.0, 120.0), label="Densité de médecins", **kwargs) -> ChoroplethLayer:
    gdf = departments()
    gdf["value"] = list(values)
    breaks = kwargs.pop("breaks", None) or classify.compute_breaks(gdf["value"], "quantiles", 3)
    return numeric_layer(
        gdf, indicator(label, **kwargs), breaks=breaks, palette=kwargs.get("palette", "viridis"),
        method="quantiles", region_names={"93": "Provence-Alpes-Côte d'Azur"},
    )  # fmt: skip


def points(project_rows=None, meeting_rows=None):
    result = cnr_points(project_rows, meeting_rows, {}, {"13": "Bouches-du-Rhône", "83": "Var"})
    return {"points": result.layers}


def decoded(html: str) -> str:
    """The page with JSON string escapes (``\\u00e9``, ``\\u003c``) turned back into characters."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


@pytest.fixture(scope="module")
def rendered() -> str:
    m = build_map(
        _numeric(),
        outlines=[OutlineLayer("Limites des régions", departments())],
        **points(projects(), meetings()),
        basemap="aucun",
    )
    return decoded(m.get_root().render())


def test_layers_and_colours(rendered):
    for name in ("Densité de médecins", "Limites administratives", "Projets du CNR santé", "Réunions du CNR santé"):
        assert name in rendered
    for colour in classify.palette_colours("viridis", 3):
        assert colour in rendered
    assert "L.control.layers" in rendered


def test_missing_value_is_grey_dashed_and_named(rendered):
    layer = _numeric()
    row = layer.gdf.set_index("code").loc["13"]
    assert pd.isna(row["colour"]) and pd.isna(row["class"])
    assert "Donnée manquante" in rendered
    assert MISSING_COLOUR in rendered
    assert f'"dashArray": "{MISSING_DASH}"' in rendered


def test_legend_says_unit_vintage_source_method(rendered):
    legend = legend_html(_numeric().legend)
    assert "Densité de médecins (2024)" in legend
    assert "Unité : pour 100 000 habitants" in legend
    assert "Source : CNAM (2024)" in legend
    assert "Classes : Quantiles" in legend
    # The legend is drawn beside the map (page, exports), never over it.
    assert "Classes : Quantiles" not in rendered


def test_tooltip_rank_and_references():
    layer = _numeric()
    gdf = layer.gdf.set_index("code")
    assert gdf.loc["83", "tip_rank"] == "2e sur 3"
    assert gdf.loc["34", "tip_rank"] == "1er sur 3"
    assert gdf.loc["13", "tip_value"] == "Donnée manquante"
    assert gdf.loc["13", "class_label"] == "Donnée manquante"
    assert gdf.loc["04", "tip_region"].startswith("80,0 pour 100 000 habitants (Provence")
    assert gdf.loc["34", "tip_region"] == "—"
    assert gdf.loc["04", "tip_france"] == "85,5 pour 100 000 habitants"


def test_features_carry_code_and_only_needed_properties(rendered):
    match = re.search(r'"properties": \{"code": "04", ([^}]*)\}', rendered)
    assert match
    keys = set(re.findall(r'"(\w+)": ', match.group(1)))
    assert keys <= {"tip_name", "tip_code", "tip_value", "tip_rank", "tip_region", "tip_france"}


def test_all_text_is_escaped(rendered):
    assert XSS not in rendered
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "<b>gras</b>" not in rendered
    assert "Marseille &lt;Hôtel&gt;" in rendered


def test_names_in_tooltips_are_escaped():
    gdf = departments()
    gdf["value"] = [1.0, 2.0, 3.0, 4.0]
    gdf.loc[0, "name"] = XSS
    layer = numeric_layer(gdf, indicator("<script>x</script>"), breaks=[1, 2, 4], palette="PuBu")
    html = decoded(build_map(layer, basemap="aucun").get_root().render())
    assert XSS not in html and "<script>x</script>" not in html


def test_project_statuses_and_department_wide_projects(rendered):
    assert classify.STATUS_COLOURS["realise"] in rendered
    assert classify.STATUS_COLOURS["en_cours"] in rendered
    assert 'stroke-dasharray=\\"3 2\\"' in rendered  # department-wide projects: one count symbol, dashed
    assert '"radius":7' in rendered and '"radius":4' in rendered
    assert "Projets à l&#x27;échelle du département — Bouches-du-Rhône (13)" in rendered
    assert "Réalisé (juin 2023)" in rendered
    assert "Accès au médecin traitant" in rendered


def test_categorical_zoning_layer_and_outline_overlay():
    gdf = departments()
    gdf["value"] = ["ZIP", "ZAC", None, "HZ"]
    cats = ZONING
    main = categorical_layer(gdf, zoning_indicator())
    assert [i.label for i in main.legend.items] == [cats["ZIP"], "ZAC", "Hors zonage", "Donnée manquante"]
    overlay = categorical_layer(gdf, zoning_indicator(), outline_only=True, name="Zonage (contours)")
    dens = _numeric(values=(50.0, 60.0, 70.0, 80.0))
    html = decoded(build_map(dens, overlay=overlay, basemap="osm").get_root().render())
    assert "Zonage (contours)" in html
    assert classify.ZONING_COLOURS["ZIP"] in html and '"fillOpacity": 0' in html
    assert "basemaps.cartocdn.com" in html and "OpenStreetMap" in html
    # Offline (the default) or white: no tile, no credit to a basemap that is not there.
    for basemap in ("clair", "aucun"):
        html = decoded(build_map(dens, overlay=overlay, basemap=basemap).get_root().render())
        assert "cartocdn" not in html and "OpenStreetMap" not in html


def test_no_cdn_scripts_or_styles(rendered):
    srcs = re.findall(r'<script[^>]+src="([^"]+)"', rendered) + re.findall(r'<link[^>]+href="([^"]+)"', rendered)
    assert srcs and all(s.startswith(DEFAULT_BASE_URL) for s in srcs), srcs
    for forbidden in ("bootstrap", "awesome", "font-awesome", "jsdelivr", "cdnjs"):
        assert forbidden not in rendered


def test_simplify_rounds_and_keeps_codes():
    gdf = departments()
    out = simplify_for_scale(gdf, "departement")
    assert list(out["code"]) == list(gdf["code"])
    coords = np.asarray(out.geometry.iloc[0].exterior.coords)
    assert np.allclose(coords, coords.round(5))
    with pytest.raises(ValueError, match="'monde'"):
        simplify_for_scale(gdf, "monde")


def test_ordinal_and_format():
    assert ordinal(1) == "1er" and ordinal(3) == "3e"
    assert format_value(None, "%") == "Donnée manquante"
    assert format_value(12.5, "%", 1) == "12,5 %"


def test_department_wide_projects_are_one_count_symbol_per_department():
    rows = projects()
    extra = rows.iloc[[1, 1, 1]].copy()
    extra["id"] = ["P-13-03", "P-13-04", "P-13-05"]
    extra["status"] = ["realise", "realise", "non_renseigne"]
    extra["lat"], extra["lon"] = [43.1, 43.2, 43.5], [4.1, 4.9, 4.5]  # department-wide rows may carry any point
    rows = pd.concat([rows, extra], ignore_index=True)
    result = cnr_points(rows, None, {}, {"13": "Bouches-du-Rhône", "83": "Var"}, department_points={"13": (4.4, 43.6)})
    (layer,) = result.layers
    wide = [r for r in layer.rows if r["key"].startswith("d")]
    assert len(wide) == 1 and (wide[0]["lat"], wide[0]["lon"]) == (43.6, 4.4)
    svg, size = layer.icons[wide[0]["key"]]
    assert ">4</text>" in svg and 'stroke-dasharray="3 2"' in svg and size == 32
    assert wide[0]["popup"].count("<hr") == 4 and "Bouches-du-Rhône (13)" in wide[0]["popup"]
    # Precise projects stay points; one circle each, none stacked.
    precise = [r for r in layer.rows if r["key"].startswith("p")]
    assert len(precise) == 2 and len({(r["lat"], r["lon"]) for r in precise}) == 2
    assert {i.kind for i in result.legend.items} >= {"point", "wide"}


def test_projects_at_one_place_are_one_symbol_with_their_count():
    rows = projects().iloc[[0, 0, 0]].copy()
    rows["id"] = ["a", "b", "c"]
    rows["status"] = ["realise", "en_cours", "en_cours"]
    (layer,) = cnr_points(rows, None, {}, {"13": "Bouches-du-Rhône"}).layers
    assert len(layer.rows) == 1
    svg, _ = layer.icons[layer.rows[0]["key"]]
    assert ">3</text>" in svg and 'stroke-dasharray="3 2"' not in svg


def test_donut_segments_follow_the_status_counts():
    svg = donut_svg([("#009e73", 3), ("#cc79a7", 1), ("#ffffff", 0)], 40)
    lengths = [float(x.split()[0]) for x in re.findall(r'stroke-dasharray="([0-9.]+ [0-9.]+)"', svg)]
    assert len(lengths) == 2 and lengths[0] == pytest.approx(3 * lengths[1], rel=1e-3)
    assert ">4</text>" in svg and '#ffffff" stroke-width' not in svg
    assert donut_svg([("<script>", 1)], 20).count("<script>") == 0


def test_text_that_looks_like_a_template_is_not_evaluated():
    gdf = departments()
    gdf["value"] = [1.0, 2.0, 3.0, 4.0]
    gdf.loc[0, "name"] = "Commune {{ 7 * 7 }}"
    rows = projects()
    rows.loc[0, "title"] = "Projet {{ 6 * 7 }}"
    layer = numeric_layer(gdf, indicator("Indicateur {% if 1 %}oui{% endif %}"), breaks=[1, 2, 4], palette="PuBu")
    html = decoded(build_map(layer, **points(rows), basemap="aucun").get_root().render())
    assert "{{ 7 * 7 }}" in html and "{{ 6 * 7 }}" in html
    assert "Projet 42" not in html and "Commune 49" not in html


def test_compact_layer_text_follows_its_content_key():
    """A caller's ``content_key`` finds the page text again; another key never gets a stale text."""
    squares = [box(i, 0, i + 1, 1) for i in range(6)]
    gdf = gpd.GeoDataFrame({"code": [f"{i:02d}" for i in range(6)], "name": list("abcdef"),
                            "value": ["ZIP", "ZAC"] * 3}, geometry=squares, crs="EPSG:4326")  # fmt: skip

    def data_json(layer: ChoroplethLayer) -> str:
        layer.compact = True
        return CompactChoropleth(layer).data_json

    first = categorical_layer(gdf, zoning_indicator())
    first.content_key = ("test", 1)
    text = data_json(first)
    again = categorical_layer(gdf, zoning_indicator())
    again.content_key = ("test", 1)
    assert data_json(again) == text
    other = categorical_layer(gdf.assign(value=["ZIP"] * 6), zoning_indicator())
    other.content_key = ("test", 2)
    assert data_json(other) != text
    assert data_json(categorical_layer(gdf.assign(value=["ZIP"] * 6), zoning_indicator())) == data_json(other)
