"""Boundaries, COG reconciliation, national commune cache, coverage simplification and commune values on the
synthetic mirror (``tests/synthetic.py``): the paths of ``test_boundaries``, ``test_joins``, ``test_perf_geometry``
and ``test_indicators`` without the real mirror.
"""

from __future__ import annotations

import os

import pytest
import shapely
import synthetic
from synthetic import DEPARTMENTS

from cnrmap.config import Settings
from cnrmap.errors import DataError
from cnrmap.geo import boundaries, commune_cache
from cnrmap.geo.reconcile import join_values
from cnrmap.geo.simplify import SCALES
from cnrmap.indicators.official import indicator_values, list_indicators
from cnrmap.sources.catalog import get_source
from cnrmap.sources.fetch import build_national_cache, fetch

# COG 2026 communes that have a shape: every synthetic commune but the one created after 2018.
WITH_SHAPE = sorted(c for c in synthetic.COMMUNES_2026 if c != synthetic.NO_SHAPE)


@pytest.fixture()
def installed(synthetic_settings: Settings, synthetic_catalog) -> Settings:
    """An empty cache filled from the synthetic mirror (boundaries of the three departments, COG, zoning…)."""
    report = fetch(synthetic_settings, departments=list(DEPARTMENTS), progress=False, catalog=synthetic_catalog)
    assert report.ok, report.summary()
    return synthetic_settings


def test_departments_and_regions_come_from_the_cache(installed: Settings):
    layer = boundaries.load_departments(installed)
    assert layer.origin == "cache" and "IGN" in layer.description
    assert layer.gdf["code"].tolist() == list(DEPARTMENTS)
    assert layer.gdf.set_index("code").loc["13", ["name", "region_code"]].tolist() == ["Bouches-du-Rhône", "93"]
    assert layer.report.unmatched_left == () and len(layer.report.unmatched_right) == 101 - len(DEPARTMENTS)
    regions = boundaries.load_regions(installed)
    assert regions.origin == "cache" and regions.gdf["code"].tolist() == ["93"]
    assert regions.gdf["name"].tolist() == ["Provence-Alpes-Côte d'Azur"]


def test_communes_need_the_cog(synthetic_settings: Settings, synthetic_catalog):
    assert fetch(
        synthetic_settings, only=["communes"], departments=["05"], progress=False, catalog=synthetic_catalog
    ).ok
    assert boundaries.installed_commune_departments(synthetic_settings) == ["05"]
    with pytest.raises(DataError, match="cnrmap fetch --only cog"):
        boundaries.load_communes(synthetic_settings, ["05"])
    with pytest.raises(DataError) as info:
        boundaries.load_communes(synthetic_settings, ["13", 4])
    assert "cnrmap fetch --departments 13,04" in str(info.value)


def test_cog_reconciliation_merges_and_reports(installed: Settings):
    layer = boundaries.load_communes(installed, ["04", "5", "13"])
    gdf = layer.gdf.set_index("code")
    assert list(layer.gdf.columns) == ["code", "name", "department_code", "codes_2018", "geometry"]
    assert sorted(gdf.index) == WITH_SHAPE

    # The commune merged since 2018 gets the union of its former shapes, and its 2026 name.
    shapes = synthetic.commune_shapes_2018()
    merged = gdf.loc[synthetic.MERGED]
    assert merged["codes_2018"] == ";".join(synthetic.MERGED_FROM)
    assert merged["name"] == synthetic.COMMUNES_2026[synthetic.MERGED][0]
    union = shapely.union_all([shapes[c] for c in synthetic.MERGED_FROM])
    assert merged.geometry.symmetric_difference(union).area < 1e-12 and merged.geometry.geom_type == "Polygon"
    assert gdf.loc["13055", "codes_2018"] == "13055" and gdf.loc["13055", "name"] == "Marseille"

    # What did not match is reported, with its reason.
    report = layer.report
    assert report.unmatched_left == (synthetic.UNKNOWN_2018,)
    assert "absent du COG 2026" in report.reasons[synthetic.UNKNOWN_2018]
    assert report.unmatched_right == (synthetic.NO_SHAPE,)
    assert "absente des contours COG 2018" in report.reasons[synthetic.NO_SHAPE]
    assert report.matched == len(synthetic.COMMUNES_2018)
    assert any("les communes fusionnées reçoivent l'union" in note for note in report.notes)
    assert "05099" in report.summary() and "05005" in report.summary()

    # A department alone gives the same shapes; the second read comes from the per-department cache.
    only_04 = boundaries.load_communes(installed, ["04"])
    assert only_04.gdf["code"].tolist() == ["04001", "04003", "04004"] and only_04.report.unmatched_left == ()
    source = get_source("communes")
    raw = source.local_path(installed, source.file_for_department("04"))
    assert raw.with_name(raw.stem + boundaries.RECONCILED_SUFFIX).is_file()
    again = boundaries.load_communes(installed, ["04"])
    assert again.gdf["code"].tolist() == only_04.gdf["code"].tolist() and again.report == only_04.report


def test_national_commune_cache_is_built_and_read_back(installed: Settings):
    assert not (commune_cache.folder(installed) / commune_cache.MANIFEST).exists()
    message = build_national_cache(installed)
    assert message.startswith(f"Cache national des communes prêt : {len(WITH_SHAPE)} communes de 3 départements")
    assert commune_cache.path_for(installed).is_file()
    for scale in SCALES:
        assert commune_cache.path_for(installed, scale).is_file()
    assert commune_cache.encoded_path(installed, "france").is_file()

    sources, cog = boundaries.commune_sources(installed, list(DEPARTMENTS))
    manifest = commune_cache.read_manifest(installed, sources, cog)
    assert manifest is not None and sorted(manifest["reports"]) == list(DEPARTMENTS)
    national = boundaries.load_communes(installed, list(DEPARTMENTS))
    assert sorted(national.gdf["code"]) == WITH_SHAPE
    assert national.report.unmatched_left == (synthetic.UNKNOWN_2018,)
    assert national.report.unmatched_right == (synthetic.NO_SHAPE,)
    one = boundaries.load_communes(installed, ["05"])  # a filtered read of the national file
    assert one.gdf["department_code"].eq("05").all() and len(one.gdf) == 4
    assert one.report.unmatched_left == (synthetic.UNKNOWN_2018,)
    thirteen = boundaries.load_communes(installed, ["13"])
    assert thirteen.gdf["code"].tolist() == ["13001", "13002", "13055"] and thirteen.report.ok

    # A changed source makes the cache stale; the next national load rebuilds it.
    stat = cog.stat()
    os.utime(cog, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert commune_cache.read_manifest(installed, sources, cog) is None
    assert commune_cache.read_manifest(installed, {"05": sources["05"]}, cog) is None
    rebuilt = boundaries.load_communes(installed, list(DEPARTMENTS))
    assert sorted(rebuilt.gdf["code"]) == WITH_SHAPE
    assert commune_cache.read_manifest(installed, sources, cog) is not None


def test_no_national_cache_without_commune_boundaries(synthetic_settings: Settings):
    assert build_national_cache(synthetic_settings) == "Cache national des communes : aucun contour communal installé."


@pytest.mark.parametrize("scale", list(SCALES))
def test_simplified_coverage_has_no_gap_and_no_overlap(installed: Settings, scale: str):
    full = boundaries.load_communes(installed, list(DEPARTMENTS))  # all installed departments: writes the cache
    layer, simplified = boundaries.load_communes_for_scale(installed, list(DEPARTMENTS), scale)
    assert simplified and layer.gdf["code"].tolist() == full.gdf["code"].tolist()
    geoms = layer.gdf.to_crs("EPSG:3857").geometry.to_numpy()
    before = full.gdf.to_crs("EPSG:3857").geometry.to_numpy()
    assert shapely.is_valid(geoms).all()

    # No overlap: neighbours share their borders exactly, and the areas add up to the area of the union.
    assert shapely.coverage_is_valid(geoms)
    union = shapely.coverage_union_all(geoms)
    assert abs(shapely.area(geoms).sum() - union.area) / union.area < 1e-9
    # No gap: the communes still make one piece without holes, as before simplification.
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    tolerance = SCALES[scale][0]
    departments = boundaries.load_departments(installed).gdf.to_crs("EPSG:3857").set_index("code")
    for code in DEPARTMENTS:
        mine = shapely.union_all(geoms[layer.gdf["department_code"].to_numpy() == code])
        reference = departments.loc[code, "geometry"]
        assert mine.geom_type == "Polygon" and len(mine.interiors) == 0
        assert mine.hausdorff_distance(reference) < tolerance + 200
        assert mine.symmetric_difference(reference).area < reference.length * tolerance

    # The zigzags (about 400 m) go at national scale and stay at department scale.
    points_before, points_after = shapely.get_num_coordinates(before).sum(), shapely.get_num_coordinates(geoms).sum()
    if scale == "france":
        assert points_after < 0.5 * points_before
    if scale == "departement":
        assert points_after > 0.9 * points_before


def test_commune_values_with_arrondissements(installed: Settings):
    zoning = {i.id: i for i in list_indicators(installed)}["zonage_mg"]
    assert zoning.levels == ("departement", "commune")

    population, report = indicator_values("population", "commune", installed, ["13"])
    assert population.set_index("code")["value"].to_dict() == {"13001": 43_000, "13002": 4_400, "13055": 80_000}
    assert report.ok, report.summary()

    values, report = indicator_values("zonage_mg", "commune", installed, list(DEPARTMENTS))
    assert values.set_index("code").loc["13055", "value"] == "HZ"  # 62 % of Marseille's population
    assert any(note.startswith("13055 : catégorie majoritaire") and "HZ 62 %" in note for note in report.notes)
    assert report.unmatched_left == (synthetic.NO_SHAPE,)  # created after the zoning export

    layer = boundaries.load_communes(installed, list(DEPARTMENTS))
    joined, join_report = join_values(layer.gdf, values, "contours communaux", "zonage")
    assert joined["value"].notna().all(), join_report.summary()  # every commune with a shape gets a zoning value
    assert join_report.ok
