"""National-scale geometry: national commune cache, coverage simplification, compact encoding, payload size.

Two neighbouring departments of the mirror (04 and 05) stand for France: small enough to stay fast.
No timing is asserted here (see ``python -m tools.bench``); sizes are deterministic and are.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import box

from cnrmap.carte.layers import categorical_layer
from cnrmap.geo import boundaries, commune_cache, topology
from cnrmap.geo.simplify import SCALES
from cnrmap.indicators.spec import IndicatorData
from cnrmap.leaflet.build import COMPACT_MIN_FEATURES, build_map
from cnrmap.sources.fetch import fetch

DEPARTMENTS = ["04", "05"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory, mirror_dir):
    from cnrmap.config import get_settings

    settings = get_settings(cache_dir=tmp_path_factory.mktemp("cache"), mirror=str(mirror_dir))
    report = fetch(settings, only=["communes", "cog", "departements"], departments=DEPARTMENTS, progress=False)
    assert report.ok, report.summary()
    first = boundaries.load_communes(settings, DEPARTMENTS)  # every installed department: writes the cache
    return settings, first


def test_national_cache_is_written_and_read_back(installed):
    settings, first = installed
    assert commune_cache.path_for(settings).is_file()
    for scale in SCALES:
        assert commune_cache.path_for(settings, scale).is_file()
    again = boundaries.load_communes(settings, DEPARTMENTS)
    assert again.gdf["code"].tolist() == first.gdf["code"].tolist()
    assert again.report == first.report
    assert list(again.gdf.columns) == ["code", "name", "department_code", "codes_2018", "geometry"]
    one = boundaries.load_communes(settings, ["05"])
    assert one.gdf["department_code"].eq("05").all() and one.report.ok
    assert len(one.gdf) == int(first.gdf["department_code"].eq("05").sum())


def test_whole_national_layer_comes_with_its_stored_encoding(installed, monkeypatch):
    """Reading every installed department at national scale reuses the encoding stored with the cache."""
    settings, _ = installed
    assert commune_cache.encoded_path(settings, "france").is_file()
    layer, simplified = boundaries.load_communes_for_scale(settings, DEPARTMENTS, "france")
    assert simplified
    geoms = layer.gdf.geometry.to_numpy()
    fresh = topology.encode_coverage(geoms)

    def no_encoding(_geoms):
        raise AssertionError("the stored encoding should have been used")

    monkeypatch.setattr(topology, "encode_coverage", no_encoding)
    stored = topology.encode_coverage_cached(geoms)
    assert {k: stored[k] for k in ("q", "a", "f")} == {k: fresh[k] for k in ("q", "a", "f")}
    # One department only: no stored encoding is claimed for it.
    part, _ = boundaries.load_communes_for_scale(settings, ["05"], "france")
    with pytest.raises(AssertionError, match="stored encoding"):
        topology.encode_coverage_cached(part.gdf.geometry.to_numpy())


def test_cache_goes_stale_when_a_source_changes(installed):
    settings, _ = installed
    sources, cog = boundaries.commune_sources(settings, DEPARTMENTS)
    assert commune_cache.read_manifest(settings, sources, cog) is not None
    assert commune_cache.read_manifest(settings, {"05": sources["05"]}, cog) is None


@pytest.mark.parametrize("scale", ["departement", "region", "france"])
def test_simplified_coverage_has_no_overlap_and_covers_the_departments(installed, scale):
    settings, full = installed
    layer, simplified = boundaries.load_communes_for_scale(settings, DEPARTMENTS, scale)
    assert simplified
    geoms = layer.gdf.to_crs("EPSG:3857").geometry.to_numpy()
    # No overlap: the summed areas equal the area of the union (up to the rounding of coordinates).
    union = shapely.coverage_union_all(geoms)
    assert abs(shapely.area(geoms).sum() - union.area) / union.area < 1e-4
    tolerance = SCALES[scale][0]
    departments = boundaries.load_departments(settings).gdf.to_crs("EPSG:3857").set_index("code")
    for code in DEPARTMENTS:
        mine = shapely.union_all(geoms[layer.gdf["department_code"].to_numpy() == code])
        reference = departments.loc[code, "geometry"]
        # The drift along the border stays under half the tolerance on average (1 % of the area at least:
        # the department file and the commune files are two generalisations of the same IGN data).
        drift = mine.symmetric_difference(reference).area
        assert drift < max(0.01 * reference.area, reference.length * tolerance / 2)
        assert mine.hausdorff_distance(reference) < 3 * tolerance + 200
    assert len(layer.gdf) == len(full.gdf)


def test_encoding_round_trip_is_exact(installed):
    settings, _ = installed
    layer, _ = boundaries.load_communes_for_scale(settings, DEPARTMENTS, "departement")
    geoms = layer.gdf.geometry.to_numpy()
    encoded = topology.encode_coverage(geoms)
    decoded = topology.decode_coverage(encoded)
    assert len(decoded) == len(geoms)
    for before, after in zip(geoms, decoded, strict=True):
        assert before.symmetric_difference(after).area < 1e-12
    # Shared borders are sent once: far fewer points than the polygons hold.
    assert encoded["points"] < 0.7 * shapely.get_num_coordinates(geoms).sum()
    assert "_" not in encoded["a"] + encoded["f"]


def test_encoding_of_touching_squares_and_holes():
    outer = box(0, 0, 3, 3).difference(box(1, 1, 2, 2))
    geoms = [outer, box(1, 1, 2, 2), box(3, 0, 4, 1), shapely.MultiPolygon([box(5, 5, 6, 6), box(7, 7, 8, 8)]), None]
    decoded = topology.decode_coverage(topology.encode_coverage(geoms, decimals=3))
    for before, after in zip(geoms[:4], decoded[:4], strict=True):
        assert before.equals(after)
    assert decoded[4] is None
    assert topology.decode_varints(topology.varints(np.array([0, 1, -1, 31, -32, 10**9]))) == [0, 1, -1, 31, -32, 10**9]


def test_department_map_payload_is_small_and_carries_codes_only(installed):
    settings, _ = installed
    layer, _ = boundaries.load_communes_for_scale(settings, DEPARTMENTS, "departement")
    gdf = gpd.GeoDataFrame(layer.gdf[["code", "name", "geometry"]].copy(), crs=layer.gdf.crs)
    gdf["value"] = ["ZIP", "ZAC", "HZ", None] * (len(gdf) // 4) + ["ZIP"] * (len(gdf) % 4)
    cats = {"ZIP": "Zone d'intervention prioritaire", "ZAC": "Zone d'action complémentaire", "HZ": "Hors zonage"}
    zoning = IndicatorData("zonage_mg", "Zonage", "categorical", "commune", gdf[["code", "value"]], categories=cats)
    main = categorical_layer(gdf, zoning)
    assert len(gdf) > COMPACT_MIN_FEATURES
    html = build_map(main, basemap="aucun", prefer_canvas=True).get_root().render()
    # Two departments, about 360 communes: well under the 150 KB budget of one department.
    assert len(html.encode()) < 150_000
    assert "cnrmapDecode" in html and "properties: {code: data.codes[i]}" in html
    assert '"type": "Feature"' not in html  # no GeoJSON feature written out
    assert "manquante" in html and "Hors zonage" in html
    assert not re.search(r"_[0-9a-f]{32}", html.split("var enc = ")[1].split(";")[0])
