"""``cnrmap import``: the report on stdout, the export, the exit codes, the French errors on stderr.

Runs on a tiny COG written in a folder mirror, so it needs nothing fetched.
"""

from __future__ import annotations

import json

import pytest

from cnrmap import cli

COMMUNES = [
    {"code": "01001", "nom": "L'Abergement-Clémenciat", "type": "commune-actuelle", "departement": "01"},
    {"code": "04070", "nom": "Forcalquier", "type": "commune-actuelle", "departement": "04"},
    {"code": "04112", "nom": "Forcalquier ancien", "type": "commune-deleguee", "chefLieu": "04070"},
]
DEPARTEMENTS = [{"code": "01", "nom": "Ain"}, {"code": "04", "nom": "Alpes-de-Haute-Provence"}]


@pytest.fixture()
def tiny_mirror(tmp_path, monkeypatch):
    cog = tmp_path / "mirror" / "opendata" / "cog"
    cog.mkdir(parents=True)
    (cog / "communes.json").write_text(json.dumps(COMMUNES), encoding="utf-8")
    (cog / "departements.json").write_text(json.dumps(DEPARTEMENTS), encoding="utf-8")
    monkeypatch.setenv("CNRMAP_MIRROR", str(tmp_path / "mirror"))
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def test_command_is_registered_from_its_own_module():
    assert "cnrmap.cli.import_indicator" in cli.COMMAND_MODULES
    assert "cnrmap.importer.core" not in cli.COMMAND_MODULES


def test_report_and_export(tiny_mirror, capsys):
    source = tiny_mirror / "taux.csv"
    source.write_text("code;valeur\n1001;1,5\n04112;2\n04070;abc\n", encoding="utf-8")
    out = tiny_mirror / "export.csv"
    code = cli.main(["import", str(source), "--name", "Taux", "--unit", "%", "--export", str(out)])
    assert code == 0
    assert capsys.readouterr().out == (
        "Import de 'taux.csv' — indicateur « Taux » (%)\n"
        "Lecture : encodage UTF-8, séparateur point-virgule, virgule décimale.\n"
        "Colonnes : codes 'code', valeurs 'valeur' ; niveau : communes.\n"
        "Lignes lues : 3\n"
        "- retenues : 1\n"
        "- codes inconnus : 1 ligne(s), 1 code(s)\n"
        "    '04112' (ligne 3) : peut-être Forcalquier (04070) — ancien code, commune fusionnée\n"
        "- codes en double : 0 ligne(s) écartée(s), seule la première ligne de chaque code compte\n"
        "- valeurs non numériques : 1\n"
        "    ligne 4 : 'abc'\n"
        "- valeurs ou codes vides : 0\n"
        "Fichier utilisable : 1 territoire(s) avec une valeur.\n"
        f"Export écrit : {out}\n"
    )
    assert out.read_text(encoding="utf-8-sig").splitlines() == [
        "code;nom;Taux (%)",
        "01001;L'Abergement-Clémenciat;1,5",
    ]


def test_nothing_usable_exits_1(tiny_mirror, capsys):
    source = tiny_mirror / "rien.csv"
    source.write_text("code;valeur\n99999;1\n", encoding="utf-8")
    assert cli.main(["import", str(source)]) == 1
    assert "Aucune ligne utilisable" in capsys.readouterr().out


def test_errors_in_french_on_stderr(tiny_mirror, capsys):
    assert cli.main(["import", str(tiny_mirror / "absent.csv")]) == 1
    assert "introuvable ou illisible" in capsys.readouterr().err
    big = tiny_mirror / "gros.csv"
    with big.open("wb") as handle:
        handle.truncate(20_000_001)  # sparse: the size is refused from stat, before reading
    assert cli.main(["import", str(big)]) == 1
    assert capsys.readouterr().err == (
        "Le fichier 'gros.csv' fait 20,0 Mo, au-delà de la limite de 20,0 Mo.\n"
        "Gardez seulement les colonnes code et valeur, ou agrégez par département.\n"
    )
