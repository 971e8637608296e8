"""``cnrmap render`` writes a standalone offline HTML map."""

from __future__ import annotations

import re

import pytest

from cnrmap.cli import main


@pytest.fixture(autouse=True)
def _empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNRMAP_MIRROR", "")


def _decoded(html: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def _no_remote_assets(html: str) -> None:
    assert not re.search(r"<script[^>]*\ssrc=\"?(https?:)?//", html)
    assert not re.search(r"<link[^>]*\shref=\"?(https?:)?//", html)
    assert not re.search(r"<script[^>]*\ssrc=", html)


def test_render_france_departments(tmp_path, capsys):
    out = tmp_path / "carte.html"
    assert main(["render", "--territory", "FR", "--out", str(out), "--no-basemap"]) == 0
    html = _decoded(out.read_text(encoding="utf-8"))
    _no_remote_assets(html)
    assert "cartocdn" not in html
    assert "L.geoJson" in html and "Projets du CNR santé" in html
    assert "Carte écrite" in capsys.readouterr().out


def test_render_region_with_options(tmp_path):
    out = tmp_path / "paca.html"
    code = main(
        ["render", "--territory", "region:93", "--indicator", "apl_mg_2024", "--method", "jenks", "--classes", "4",
         "--theme", "acces_medecin", "--status", "realise", "--status", "en_cours", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    html = _decoded(out.read_text(encoding="utf-8"))
    _no_remote_assets(html)
    # Legends beside the map, title and filters above it; the offline base by default, no tile.
    assert "Classes : Seuils naturels (Jenks)" in html and 'id="cnr-legends"' in html
    assert "Accessibilité potentielle localisée" in html and "Thème : Accès au médecin traitant" in html
    assert "Natural Earth" in html and "cartocdn" not in html
    # Popups name the projects' communes (from the reference table when no commune shape is loaded).
    assert not re.search(r"Lieu : \d[0-9AB]\d{3}", html)


def test_render_with_online_tiles_credits_them(tmp_path):
    out = tmp_path / "osm.html"
    assert main(["render", "--territory", "departement:13", "--basemap", "osm", "--out", str(out)]) == 0
    html = _decoded(out.read_text(encoding="utf-8"))
    _no_remote_assets(html)
    assert "basemaps.cartocdn.com" in html and "OpenStreetMap" in html  # tiles only: image URLs, not scripts


def test_bad_territory_is_a_french_error(tmp_path, capsys):
    assert main(["render", "--territory", "canton:12", "--out", str(tmp_path / "x.html")]) == 1
    assert "territoire invalide" in capsys.readouterr().err


def test_commune_level_without_boundaries_is_a_french_error(tmp_path, capsys):
    assert (
        main(["render", "--territory", "departement:13", "--level", "commune", "--out", str(tmp_path / "x.html")]) == 1
    )
    err = capsys.readouterr().err
    assert "cnrmap fetch" in err
    assert not (tmp_path / "x.html").exists()


def test_help_lists_indicators(capsys):
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    out = capsys.readouterr().out
    assert "densite_mg" in out and "zonage_mg" in out


def test_commune_level_with_mirror(tmp_path, mirror_dir, monkeypatch, capsys):
    assert main(["fetch", "--only", "zonage_mg", "population", "cog", "--from", str(mirror_dir), "--quiet"]) == 0
    assert main(["fetch", "--departments", "13", "--from", str(mirror_dir), "--quiet"]) == 0
    out = tmp_path / "13.html"
    code = main(["render", "--territory", "departement:13", "--level", "commune", "--need", "zip_sans_projet",
                 "--no-basemap", "--out", str(out)])  # fmt: skip
    assert code == 0
    html = out.read_text(encoding="utf-8")
    _no_remote_assets(html)
    assert "communes en ZIP sans projet" in capsys.readouterr().out
    assert '"code": "13055"' in html or '"code": "13001"' in html
