"""Joins on the real mirrored data: every commune of the target departments gets a zoning value."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from cnrmap.config import Settings, get_settings
from cnrmap.geo.boundaries import load_communes
from cnrmap.geo.codes import Cog
from cnrmap.geo.reconcile import compare_keys, join_values, reconcile_communes
from cnrmap.indicators.official import indicator_values
from cnrmap.indicators.zoning import (
    arrondissement_zoning,
    commune_zoning,
    derive_parent_zoning,
    read_population_2023,
    read_zoning,
    zoning_shares,
)
from cnrmap.sources.fetch import fetch

PACA = ["04", "05", "06", "13", "83", "84"]
NOUVELLE_AQUITAINE = ["16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"]
TARGET = [*PACA, *NOUVELLE_AQUITAINE, "34"]


@pytest.fixture(scope="module")
def target_settings(tmp_path_factory, mirror_dir: Path) -> Settings:
    settings = get_settings(cache_dir=tmp_path_factory.mktemp("cache"), mirror=str(mirror_dir))
    report = fetch(settings, only=["zonage_mg", "population", "cog", "communes"], departments=TARGET, progress=False)
    assert report.ok, report.summary()
    return settings


def test_join_values_keeps_every_left_row_and_reports():
    shapes = gpd.GeoDataFrame({"code": ["01", "02", "03"]}, geometry=[box(0, 0, 1, 1)] * 3, crs="EPSG:4326")
    values = pd.DataFrame({"code": ["01", "03", "99"], "value": [1.0, 3.0, 9.0]})
    joined, report = join_values(shapes, values, "contours", "valeurs")
    assert isinstance(joined, gpd.GeoDataFrame) and len(joined) == 3
    assert joined["value"].isna().tolist() == [False, True, False]
    assert report.matched == 2 and report.unmatched_left == ("02",) and report.unmatched_right == ("99",)
    assert "02" in report.summary() and not report.ok


def test_join_values_refuses_duplicate_codes():
    shapes = pd.DataFrame({"code": ["01"]})
    with pytest.raises(ValueError, match="double"):
        join_values(shapes, pd.DataFrame({"code": ["01", "01"], "value": [1, 2]}), "a", "b")


def test_reconcile_dissolves_merged_communes():
    cog = Cog.from_records(
        [
            {"code": "01001", "nom": "Nouvelle", "type": "commune-actuelle", "departement": "01",
             "anciensCodes": ["01002"]},
            {"code": "01003", "nom": "Seule", "type": "commune-actuelle", "departement": "01"},
            {"code": "01004", "nom": "Rétablie", "type": "commune-actuelle", "departement": "01"},
        ]
    )  # fmt: skip
    shapes = gpd.GeoDataFrame(
        {"code": ["01001", "01002", "01003", "01999"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(5, 5, 6, 6), box(9, 9, 10, 10)],
        crs="EPSG:4326",
    )
    result, report = reconcile_communes(shapes, cog, ["01"])
    assert result["code"].tolist() == ["01001", "01003"]
    assert result.loc[result["code"] == "01001", "geometry"].iloc[0].area == pytest.approx(2.0)
    assert result.loc[0, "codes_2018"] == "01001;01002"
    assert report.unmatched_left == ("01999",) and report.unmatched_right == ("01004",)
    assert "01004" in report.reasons and report.notes


def test_zoning_shares_and_parent_derivation():
    zoning = pd.DataFrame(
        {
            "code": ["04001", "04002", "13201", "13202", "13203"],
            "name": ["a", "b", "M1", "M2", "M3"],
            "type": ["commune", "commune", *["arrondissement_municipal"] * 3],
            "zoning": ["ZIP", "ZAC", "ZIP", "HZ", "HZ"],
        }
    )
    population = pd.DataFrame(
        {"code": ["04001", "04002", "04003", "13201", "13202", "13203"], "population": [100, 300, 50, 500, 200, 200]}
    )
    shares, report = zoning_shares(zoning, population)
    row04 = shares.set_index("code").loc["04"]
    assert row04["population"] == 450 and row04["population_ZIP"] == 100 and row04["population_sans_zonage"] == 50
    assert row04["part_ZAC_pct"] == pytest.approx(66.67)
    assert report.unmatched_right == ("04003",)
    parents = derive_parent_zoning(arrondissement_zoning(zoning, population))
    assert parents.to_dict("records")[0]["code"] == "13055"
    assert parents.to_dict("records")[0]["zoning"] == "ZIP"
    assert "ZIP 56 %" in parents.to_dict("records")[0]["detail"]
    communes = commune_zoning(zoning, population)
    assert set(communes["code"]) == {"04001", "04002", "13055"}


def test_every_target_commune_gets_a_zoning_value(target_settings: Settings):
    layer = load_communes(target_settings, TARGET)
    assert layer.report.unmatched_left == () and layer.report.unmatched_right == (), layer.report.summary()
    values, report = indicator_values("zonage_mg", "commune", target_settings, TARGET)
    joined, join_report = join_values(layer.gdf, values, "contours communaux", "zonage")
    missing = joined.loc[joined["value"].isna(), "code"].tolist()
    assert missing == [], join_report.summary()
    assert join_report.unmatched_right == ()
    marseille = joined.set_index("code").loc["13055"]
    assert marseille["value"] == "HZ"
    assert report.ok, report.summary()
    assert any(note.startswith("13055 : catégorie majoritaire") for note in report.notes)


def test_commune_counts_per_department_match_the_files(target_settings: Settings, mirror_dir: Path):
    layer = load_communes(target_settings, ["13", "34"])
    cog = Cog.from_file(mirror_dir / "opendata/cog/communes.json")
    population = read_population_2023(
        mirror_dir / "opendata/population_insee/insee_populations_legales_2023_communes.csv"
    )
    for department in ("13", "34"):
        expected = cog.communes_of([department])
        assert sorted(layer.gdf.loc[layer.gdf["department_code"] == department, "code"]) == expected
        raw = gpd.read_file(
            next((mirror_dir / "france-geojson/departements").glob(f"{department}-*/communes-*.geojson"))
        )
        assert len(raw) >= len(expected)
        in_pop = population[(population["department_code"] == department) & ~population["code"].str.startswith("132")]
        assert len(in_pop) + (1 if department == "13" else 0) == len(expected)


def test_zoning_file_reads_with_string_codes(mirror_dir: Path):
    zoning = read_zoning(mirror_dir / "opendata/zonage_medecins/zonage_mg_communes_insee.csv")
    assert zoning["code"].str.len().eq(5).all()
    assert (zoning["code"] == "04070").any()
    assert compare_keys(["a"], ["a"], "x", "y").ok
