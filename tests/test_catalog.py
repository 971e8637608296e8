from pathlib import Path

import pytest

from cnrmap.errors import DataError
from cnrmap.geo.codes import ALL_DEPARTMENTS
from cnrmap.sources.catalog import file_sha256, get_source, load_catalog


def test_catalog_declares_every_dataset():
    catalog = load_catalog()
    ids = [s.id for s in catalog]
    assert len(ids) == len(set(ids))
    for expected in ("departements", "regions", "communes", "zonage_mg", "densite_mg", "apl_mg", "population", "cog",
                     "patients_sans_mt"):  # fmt: skip
        assert expected in ids
    for source in catalog:
        assert source.title and source.producer and source.licence and source.vintage and source.homepage
        assert source.cache in ("boundary", "data")
        for file in source.files:
            assert file.path.startswith(("france-geojson/", "opendata/"))
            assert file.sha256 is None or len(file.sha256) == 64


def test_official_urls_follow_the_public_repository_layout():
    departements = get_source("departements")
    assert departements.files[0].url == (
        "https://raw.githubusercontent.com/gregoiredavid/france-geojson/master/departements-avec-outre-mer.geojson"
    )
    communes = get_source("communes")
    assert sorted(f.department for f in communes.files) == sorted(ALL_DEPARTMENTS)
    assert communes.file_for_department("13").url.endswith(
        "/master/departements/13-bouches-du-rhone/communes-13-bouches-du-rhone.geojson"
    )


def test_apl_is_declared_as_a_third_party_aggregation():
    assert "pas des chiffres départementaux officiels" in get_source("apl_mg").producer


def test_patients_without_mt_is_optional_and_declares_the_official_source():
    source = get_source("patients_sans_mt")
    assert source.optional
    assert "data.ameli.fr" in source.homepage
    assert source.files[0].url.startswith("https://data.ameli.fr/")


def test_unknown_source():
    with pytest.raises(DataError, match="inconnu"):
        get_source("nope")


def test_hashes_match_the_mirror(mirror_dir: Path):
    checked = 0
    for source in load_catalog():
        for file in source.files:
            path = mirror_dir / file.path
            if file.sha256 and path.is_file():
                assert file_sha256(path) == file.sha256, file.path
                checked += 1
            elif file.sha256:
                pytest.fail(f"absent du miroir : {file.path}")
    assert checked > 100
