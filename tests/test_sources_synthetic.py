"""Fetch and doctor on the synthetic mirror (``tests/synthetic.py``): no real mirror, no internet.

The same paths as ``tests/test_fetch.py`` and ``tests/test_doctor.py``, which run them on the real mirror.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from synthetic import DEPARTMENTS, Served, SyntheticMirror, serve_folder

from cnrmap.config import Settings, get_settings
from cnrmap.sources.catalog import Source, file_sha256, get_source
from cnrmap.sources.doctor import diagnose, render
from cnrmap.sources.fetch import fetch

# Every file of the synthetic catalog but the optional one (patients without a médecin traitant).
DEFAULT_FILES = 15
BOUNDARY_FILES = 5  # departments, regions and the communes of three departments


def _cache_folder(settings: Settings, catalog: list[Source], source_id: str) -> Path:
    return settings.data_cache / Path(get_source(source_id, catalog).files[0].path).parent


def test_catalog_hashes_match_the_synthetic_files(synthetic_mirror: SyntheticMirror, synthetic_catalog):
    declared = {f.path: f.sha256 for s in synthetic_catalog for f in s.files if f.sha256}
    assert sorted(declared) == synthetic_mirror.files()
    for path, sha256 in declared.items():
        assert file_sha256(synthetic_mirror.root / path) == sha256, path
    packaged = {f.path for s in [get_source(s.id) for s in synthetic_catalog] for f in s.files}
    assert set(declared) <= packaged  # same layout as sources.toml: the loaders find the files


def test_folder_mirror_fetch_then_nothing_to_do(synthetic_settings: Settings, synthetic_catalog):
    report = fetch(synthetic_settings, departments=list(DEPARTMENTS), progress=False, catalog=synthetic_catalog)
    assert report.ok, report.summary()
    assert len(report.downloaded) == DEFAULT_FILES and len(report.converted) == BOUNDARY_FILES
    for source in synthetic_catalog:
        for file in source.files:
            if file.sha256:
                assert file_sha256(source.local_path(synthetic_settings, file)) == file.sha256, file.path
    communes = get_source("communes", synthetic_catalog)
    assert communes.local_path(synthetic_settings, communes.file_for_department("13")).with_suffix(".parquet").is_file()

    again = fetch(synthetic_settings, departments=list(DEPARTMENTS), progress=False, catalog=synthetic_catalog)
    assert again.ok and again.downloaded == [] and again.converted == []
    assert len(again.present) == DEFAULT_FILES
    assert "0 fichier(s) téléchargé(s), 15 déjà présent(s)" in again.summary()


def test_http_mirror_fetch_then_nothing_is_requested(tmp_path: Path, synthetic_http: Served, synthetic_catalog):
    settings = get_settings(cache_dir=tmp_path / "cache", mirror=synthetic_http.url)
    before = len(synthetic_http.requests)
    report = fetch(settings, only=["apl_mg", "communes"], departments=["04", "05"], progress=False,
                   catalog=synthetic_catalog)  # fmt: skip
    assert report.ok, report.summary()
    assert len(report.downloaded) == 3 and len(report.converted) == 2
    communes = get_source("communes", synthetic_catalog)
    assert sorted(synthetic_http.requests[before:]) == sorted(
        [get_source("apl_mg", synthetic_catalog).files[0].path]
        + [communes.file_for_department(d).path for d in ("04", "05")]
    )
    path = communes.local_path(settings, communes.file_for_department("05"))
    assert file_sha256(path) == communes.file_for_department("05").sha256

    asked = len(synthetic_http.requests)
    again = fetch(settings, only=["apl_mg", "communes"], departments=["04", "05"], progress=False,
                  catalog=synthetic_catalog)  # fmt: skip
    assert again.downloaded == [] and len(again.present) == 3
    assert len(synthetic_http.requests) == asked  # the second run asks the server for nothing


def test_hash_mismatch_in_a_folder_mirror_installs_nothing(
    tmp_path: Path, synthetic_mirror: SyntheticMirror, synthetic_catalog
):
    relative = get_source("apl_mg", synthetic_catalog).files[0].path
    bad = tmp_path / "bad-mirror"
    (bad / relative).parent.mkdir(parents=True)
    shutil.copyfile(synthetic_mirror.root / relative, bad / relative)
    with (bad / relative).open("a", encoding="utf-8") as handle:
        handle.write("99,Inventé,9,9,1,1,1\n")
    settings = get_settings(cache_dir=tmp_path / "cache", mirror=str(bad))
    report = fetch(settings, only=["apl_mg"], progress=False, catalog=synthetic_catalog)
    assert not report.ok
    assert report.failed[0][0] == relative and "empreinte SHA-256" in report.failed[0][1]
    folder = _cache_folder(settings, synthetic_catalog, "apl_mg")
    assert list(folder.iterdir()) == []  # neither the file nor a temporary copy


def test_hash_mismatch_over_http_installs_nothing(tmp_path: Path, synthetic_http: Served, synthetic_catalog):
    source = get_source("apl_mg", synthetic_catalog)
    wrong = dataclasses.replace(source.files[0], sha256="0" * 64)
    catalog = [dataclasses.replace(s, files=(wrong,)) if s.id == "apl_mg" else s for s in synthetic_catalog]
    settings = get_settings(cache_dir=tmp_path / "cache", mirror=synthetic_http.url)
    report = fetch(settings, only=["apl_mg"], progress=False, catalog=catalog)
    assert not report.ok and "altéré" in report.failed[0][1]
    folder = _cache_folder(settings, catalog, "apl_mg")
    assert not folder.exists() or not any(folder.iterdir())


def test_altered_cache_file_is_detected_and_replaced(synthetic_settings: Settings, synthetic_catalog):
    source = get_source("zonage_mg", synthetic_catalog)
    assert fetch(synthetic_settings, only=["zonage_mg"], progress=False, catalog=synthetic_catalog).ok
    path = source.local_path(synthetic_settings, source.files[0])
    path.write_text("code_insee,zonage\n04001,ZIP\n", encoding="utf-8")
    report = fetch(synthetic_settings, only=["zonage_mg"], progress=False, catalog=synthetic_catalog)
    assert report.repaired == [source.files[0].path] and report.downloaded == [source.files[0].path]
    assert file_sha256(path) == source.files[0].sha256


def test_interrupted_download_leaves_nothing_then_the_next_run_succeeds(
    tmp_path: Path, synthetic_mirror: SyntheticMirror, synthetic_http: Served, synthetic_catalog
):
    communes = get_source("communes", synthetic_catalog)
    file = communes.file_for_department("13")
    with serve_folder(synthetic_mirror.root, truncated=frozenset({file.path})) as cut:
        settings = get_settings(cache_dir=tmp_path / "cache", mirror=cut.url)
        report = fetch(settings, only=["communes"], departments=["13"], progress=False, catalog=synthetic_catalog)
        assert cut.requests == [file.path]
    assert not report.ok
    assert "interrompu" in report.failed[0][1], report.failed
    dest = communes.local_path(settings, file)
    assert not dest.parent.exists() or not any(dest.parent.iterdir())  # no partial file, no temporary file

    settings = dataclasses.replace(settings, mirror=synthetic_http.url)
    report = fetch(settings, only=["communes"], departments=["13"], progress=False, catalog=synthetic_catalog)
    assert report.ok and report.downloaded == [file.path]
    assert file_sha256(dest) == file.sha256


def test_doctor_before_and_after_a_fetch(synthetic_settings: Settings, synthetic_catalog):
    before = {c.id: c for c in diagnose(synthetic_settings, catalog=synthetic_catalog)}
    assert before["departements"].ok and "embarqués" in before["departements"].detail
    assert before["departements"].fix == "cnrmap fetch --only departements"
    assert not before["communes"].ok and "0/101" in before["communes"].detail
    assert "--departments" in before["communes"].fix
    for source_id in ("zonage_mg", "population", "cog"):
        assert not before[source_id].ok and before[source_id].fix == f"cnrmap fetch --only {source_id}"
    assert all(c.ok for c in before.values() if c.required)
    assert "Tout ce dont l'application a besoin est présent." in render(list(before.values()))

    assert fetch(synthetic_settings, departments=list(DEPARTMENTS), progress=False, catalog=synthetic_catalog).ok
    after = {c.id: c for c in diagnose(synthetic_settings, catalog=synthetic_catalog)}
    assert after["departements"].ok and "IGN" in after["departements"].detail and after["departements"].fix == ""
    assert "Départements sans contour : 01, 02," in after["departements"].detail  # only three in the synthetic file
    assert after["communes"].ok and "3/101 départements installés (04, 05, 13)" in after["communes"].detail
    assert after["zonage_mg"].ok and "11 lignes" in after["zonage_mg"].detail
    assert "sans zonage : 1 (05005)" in after["zonage_mg"].detail  # Marseille is zoned by arrondissement
    assert after["cog"].ok and "15 entrées" in after["cog"].detail
    assert after["apl_mg"].ok and "3 lignes" in after["apl_mg"].detail
    assert not after["patients_sans_mt"].ok and after["patients_sans_mt"].fix.endswith("patients_sans_mt")
    assert all(c.ok for c in after.values() if c.id != "patients_sans_mt")


def test_doctor_reports_an_altered_file(synthetic_settings: Settings, synthetic_catalog):
    assert fetch(synthetic_settings, only=["apl_mg"], progress=False, catalog=synthetic_catalog).ok
    source = get_source("apl_mg", synthetic_catalog)
    source.local_path(synthetic_settings, source.files[0]).write_text("x", encoding="utf-8")
    check = next(c for c in diagnose(synthetic_settings, catalog=synthetic_catalog) if c.id == "apl_mg")
    assert not check.ok and "altéré" in check.detail and check.fix == "cnrmap fetch --only apl_mg"
