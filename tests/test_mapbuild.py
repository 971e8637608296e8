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
from cnrmap.leaflet import mapbuild
from cnrmap.leaflet.assets import DEFAULT_BASE_URL


def _numeric(values=(50.0, np.nan, 90.0, 120.0), **kwargs) -> mapbuild.ChoroplethLayer:
    gdf = departments()
    gdf["value"] = list(values)
    breaks = classify.compute_breaks(gdf["value"], "quantiles", 3)
    options = {
        "breaks": breaks,
        "palette": "viridis",
        "label": "Densité de médecins",
        "unit": "pour 100 000 habitants",
        "vintage": "2024",
        "source": "CNAM",
        "method": "quantiles",
        "references": {"93": 80.0, "FR": 85.5},
        "region_names": {"93": "Provence-Alpes-Côte d'Azur"},
    }
    options.update(kwargs)
    return mapbuild.numeric_layer(gdf, **options)


def decoded(html: str) -> str:
    """The page with JSON string escapes (``\\u00e9``, ``\\u003c``) turned back into characters."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


@pytest.fixture(scope="module")
def rendered() -> str:
    m = mapbuild.build_map(
        _numeric(),
        outlines=[mapbuild.OutlineLayer("Limites des régions", departments())],
        projects=projects(),
        meetings=meetings(),
        basemap=False,
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
    assert "donnée manquante" in rendered
    assert classify.MISSING_COLOUR in rendered
    assert f'"dashArray": "{classify.MISSING_DASH}"' in rendered


def test_legend_says_unit_vintage_source_method(rendered):
    assert "Unité : pour 100 000 habitants" in rendered
    assert "Source : CNAM (2024)" in rendered
    assert "Classes : Quantiles" in rendered


def test_tooltip_rank_and_references():
    layer = _numeric()
    gdf = layer.gdf.set_index("code")
    assert gdf.loc["83", "tip_rank"] == "2e sur 3"
    assert gdf.loc["34", "tip_rank"] == "1er sur 3"
    assert gdf.loc["13", "tip_value"] == "donnée manquante"
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
    layer = mapbuild.numeric_layer(gdf, breaks=[1, 2, 4], palette="PuBu", label="<script>x</script>")
    html = decoded(mapbuild.build_map(layer, basemap=False).get_root().render())
    assert XSS not in html and "<script>x</script>" not in html


def test_project_statuses_and_department_wide_projects(rendered):
    assert classify.STATUS_COLOURS["realise"] in rendered
    assert classify.STATUS_COLOURS["en_cours"] in rendered
    assert '"dashArray": "5 4"' in rendered  # department-wide project: hollow dashed circle
    assert '"radius": 13' in rendered and '"radius": 4' in rendered
    assert "Projet à l&#x27;échelle du département" in rendered
    assert "Réalisé (2023-06)" in rendered
    assert "Accès au médecin traitant" in rendered


def test_categorical_zoning_layer_and_outline_overlay():
    gdf = departments()
    gdf["value"] = ["ZIP", "ZAC", None, "HZ"]
    cats = {"ZIP": "Zone d'intervention prioritaire (ZIP)", "ZAC": "ZAC", "ZAR": "ZAR", "HZ": "Hors zonage"}
    main = mapbuild.categorical_layer(gdf, categories=cats, label="Zonage")
    assert [i.label for i in main.legend.items] == [cats["ZIP"], "ZAC", "Hors zonage", "donnée manquante"]
    overlay = mapbuild.categorical_layer(
        gdf, categories=cats, label="Zonage", outline_only=True, name="Zonage (contours)"
    )
    dens = _numeric(values=(50.0, 60.0, 70.0, 80.0))
    html = decoded(mapbuild.build_map(dens, overlay=overlay, basemap=True).get_root().render())
    assert "Zonage (contours)" in html
    assert classify.ZONING_COLOURS["ZIP"] in html and '"fillOpacity": 0' in html
    assert "basemaps.cartocdn.com" in html


def test_no_cdn_scripts_or_styles(rendered):
    srcs = re.findall(r'<script[^>]+src="([^"]+)"', rendered) + re.findall(r'<link[^>]+href="([^"]+)"', rendered)
    assert srcs and all(s.startswith(DEFAULT_BASE_URL) for s in srcs), srcs
    for forbidden in ("bootstrap", "awesome", "font-awesome", "jsdelivr", "cdnjs"):
        assert forbidden not in rendered


def test_simplify_rounds_and_keeps_codes():
    gdf = departments()
    out = mapbuild.simplify_for_scale(gdf, "departement")
    assert list(out["code"]) == list(gdf["code"])
    coords = np.asarray(out.geometry.iloc[0].exterior.coords)
    assert np.allclose(coords, coords.round(5))
    with pytest.raises(ValueError, match="'monde'"):
        mapbuild.simplify_for_scale(gdf, "monde")


def test_ordinal_and_format():
    assert mapbuild.ordinal(1) == "1er" and mapbuild.ordinal(3) == "3e"
    assert mapbuild.format_value(None, "%") == "donnée manquante"
    assert mapbuild.format_value(12.5, "%", 1) == "12,5 %"


def test_points_sharing_a_position_are_spread_on_a_ring():
    from cnrmap.leaflet.mapbuild import spread_duplicates

    rows = [{"key": k, "lat": 44.0, "lon": 6.0} for k in "abc"] + [{"key": "d", "lat": 43.0, "lon": 5.0}]
    out = {r["key"]: (r["lat"], r["lon"]) for r in spread_duplicates(rows)}
    assert out["d"] == (43.0, 5.0)
    assert len({out[k] for k in "abc"}) == 3
    assert all(abs(out[k][0] - 44.0) <= 0.05 + 1e-9 for k in "abc")


def test_text_that_looks_like_a_template_is_not_evaluated():
    gdf = departments()
    gdf["value"] = [1.0, 2.0, 3.0, 4.0]
    gdf.loc[0, "name"] = "Commune {{ 7 * 7 }}"
    rows = projects()
    rows.loc[0, "title"] = "Projet {{ 6 * 7 }}"
    layer = mapbuild.numeric_layer(gdf, breaks=[1, 2, 4], palette="PuBu", label="Indicateur {% if 1 %}oui{% endif %}")
    html = decoded(mapbuild.build_map(layer, projects=rows, basemap=False).get_root().render())
    assert "{{ 7 * 7 }}" in html and "{{ 6 * 7 }}" in html
    assert "Projet 42" not in html and "Commune 49" not in html


def test_compact_layer_text_follows_its_content_key():
    """A caller's ``content_key`` finds the page text again; another key never gets a stale text."""
    squares = [box(i, 0, i + 1, 1) for i in range(6)]
    gdf = gpd.GeoDataFrame({"code": [f"{i:02d}" for i in range(6)], "name": list("abcdef"),
                            "value": ["ZIP", "ZAC"] * 3}, geometry=squares, crs="EPSG:4326")  # fmt: skip
    cats = {"ZIP": "Zone d'intervention prioritaire", "ZAC": "Zone d'action complémentaire"}

    def data_json(layer: mapbuild.ChoroplethLayer) -> str:
        layer.compact = True
        return mapbuild.CompactChoropleth(layer).data_json

    first = mapbuild.categorical_layer(gdf, categories=cats, label="Zonage")
    first.content_key = ("test", 1)
    text = data_json(first)
    again = mapbuild.categorical_layer(gdf, categories=cats, label="Zonage")
    again.content_key = ("test", 1)
    assert data_json(again) == text
    other = mapbuild.categorical_layer(gdf.assign(value=["ZIP"] * 6), categories=cats, label="Zonage")
    other.content_key = ("test", 2)
    assert data_json(other) != text
    assert data_json(mapbuild.categorical_layer(gdf.assign(value=["ZIP"] * 6), categories=cats, label="Zonage")) == (
        data_json(other)
    )
