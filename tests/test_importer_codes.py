"""The importer's code lookups: tolerant code readers of cnrmap.geo.codes, the Cog history, CodeIndex."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cnrmap.errors import DataError
from cnrmap.geo.codes import Cog, clean_code, load_cog_json, loose_commune_code, loose_department_code
from cnrmap.importer import CodeIndex

RECORDS = [
    {"code": "01001", "nom": "Nouvelle", "type": "commune-actuelle", "departement": "01", "anciensCodes": ["01002"]},
    {"code": "01003", "nom": "Chef", "type": "commune-actuelle", "departement": "01"},
    {"code": "01004", "nom": "Déléguée", "type": "commune-deleguee", "chefLieu": "01003", "departement": "01"},
    {"code": "01003", "nom": "Chef (déléguée)", "type": "commune-deleguee", "chefLieu": "01003"},
    {"code": "55245", "nom": "A", "type": "commune-actuelle", "departement": "55", "anciensCodes": ["55273"]},
    {"code": "55386", "nom": "B", "type": "commune-actuelle", "departement": "55", "anciensCodes": ["55273"]},
    {"code": "13201", "nom": "Marseille 1er", "type": "arrondissement-municipal", "commune": "13055",
     "departement": "13"},
]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 1 001 ", "1001"),
        ("4070.0", "4070"),
        ("13 - Bouches-du-Rhône", "13"),
        ("2a004", "2A004"),
        ("1\u00a0001", "1001"),
    ],
)
def test_clean_code(raw, expected):
    assert clean_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "commune", "department"),
    [
        ("1001", "01001", None),
        ("2b033", "2B033", None),
        ("4", None, "04"),
        ("20", None, "20"),  # Corsica before 1976: kept, so that it can be answered with 2A and 2B
        ("00", None, "00"),
        ("974", None, "974"),
        ("Marseille", None, None),
        ("", None, None),
    ],
)
def test_loose_codes_never_raise(raw, commune, department):
    assert loose_commune_code(raw) == commune
    assert loose_department_code(raw) == department


def test_cog_successors():
    cog = Cog.from_records(RECORDS)
    assert cog.successors("01002") == ("01001",)
    assert cog.successors("01004") == ("01003",)
    assert cog.successors("55273") == ("55245", "55386")  # split since: both
    assert cog.former["55273"] in ("55245", "55386")
    assert cog.successors("01003") == ()  # current
    assert cog.successors("99999") == ()
    assert cog.replaced_codes() == ["01002", "01004", "55273"]
    assert cog.commune_names()["13201"] == "Marseille 1er"
    assert cog.arrondissements == {"13201": "13055"}


def test_cog_records_with_missing_fields():
    """Frames give NaN where a JSON entry has no key; a row without type is a current commune."""
    cog = Cog.from_records(
        [{"code": "04070", "nom": "Forcalquier"}, {"code": "13201", "nom": "M", "type": "arrondissement-municipal"}]
    )
    assert cog.communes["04070"] == ("Forcalquier", "", "", None)
    assert cog.commune_names() == {"04070": "Forcalquier", "13201": "M"}
    assert cog.arrondissements == {}


def test_code_index_from_frames_and_json(tmp_path):
    frames = CodeIndex.from_frames(pd.DataFrame(RECORDS), pd.DataFrame({"code": ["01", "55"], "nom": ["Ain", "Meuse"]}))
    (tmp_path / "communes.json").write_text(json.dumps(RECORDS), encoding="utf-8")
    (tmp_path / "departements.json").write_text(
        json.dumps([{"code": "01", "nom": "Ain"}, {"code": "55", "nom": "Meuse"}])
    )
    from_json = CodeIndex.from_cog_json(tmp_path / "communes.json")
    assert frames == from_json
    assert from_json.old_codes == {"01002": ("01001",), "01004": ("01003",), "55273": ("55245", "55386")}
    assert from_json.name("13201", "commune") == "Marseille 1er"
    assert from_json.name("55", "departement") == "Meuse"


def test_code_index_without_departments_table(tmp_path):
    (tmp_path / "communes.json").write_text(json.dumps(RECORDS), encoding="utf-8")
    cog, departements = load_cog_json(tmp_path / "communes.json")
    assert departements is None
    assert CodeIndex.from_cog(cog).departements == {"01": "01", "55": "55"}


def test_cog_json_errors_are_french(tmp_path):
    with pytest.raises(DataError, match="introuvable") as info:
        load_cog_json(tmp_path / "communes.json")
    assert "cnrmap fetch --only cog" in info.value.render()
    (tmp_path / "communes.json").write_text("{", encoding="utf-8")
    with pytest.raises(DataError, match="illisible"):
        CodeIndex.from_cog_json(tmp_path / "communes.json")
    with pytest.raises(DataError, match="sans colonne"):
        CodeIndex.from_frames(pd.DataFrame({"code": ["01001"]}))
