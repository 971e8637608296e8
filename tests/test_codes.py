import pytest

from cnrmap.geo.codes import (
    ALL_DEPARTMENTS,
    METROPOLITAN_DEPARTMENTS,
    Cog,
    department_of_commune,
    normalize_commune_code,
    normalize_department_code,
    parse_department_list,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4, "04"), ("4", "04"), (4.0, "04"), ("04", "04"), (" 13 ", "13"), ("2a", "2A"), ("2B", "2B"), (971, "971")],
)
def test_normalize_department_code(value, expected):
    assert normalize_department_code(value) == expected


@pytest.mark.parametrize("value", ["20", "00", "96", "2C", "", None, float("nan"), 4.5, "abc"])
def test_normalize_department_code_rejects(value):
    with pytest.raises(ValueError, match=r"département|code"):
        normalize_department_code(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4070, "04070"), ("4070", "04070"), ("04070", "04070"), ("2a004", "2A004"), (13055, "13055"), ("97411", "97411")],
)
def test_normalize_commune_code(value, expected):
    assert normalize_commune_code(value) == expected


@pytest.mark.parametrize("value", ["123", "00123", "2C004", "130555", None])
def test_normalize_commune_code_rejects(value):
    with pytest.raises(ValueError):
        normalize_commune_code(value)


def test_department_of_commune():
    assert department_of_commune("97411") == "974"
    assert department_of_commune(4070) == "04"
    assert department_of_commune("2B033") == "2B"


def test_department_lists():
    assert len(METROPOLITAN_DEPARTMENTS) == 96
    assert len(ALL_DEPARTMENTS) == 101
    assert parse_department_list("13,83; 4 13") == ["13", "83", "04"]


def test_cog_history():
    cog = Cog.from_records(
        [
            {"code": "01001", "nom": "Nouvelle", "type": "commune-actuelle", "departement": "01", "region": "84",
             "anciensCodes": ["01002"], "population": 10},
            {"code": "01003", "nom": "Chef", "type": "commune-actuelle", "departement": "01", "region": "84"},
            {"code": "01004", "nom": "Déléguée", "type": "commune-deleguee", "chefLieu": "01003",
             "departement": "01"},
            {"code": "13201", "nom": "Marseille 1er", "type": "arrondissement-municipal", "commune": "13055",
             "departement": "13"},
        ]
    )  # fmt: skip
    assert cog.current_code("01001") == "01001"
    assert cog.current_code("01002") == "01001"
    assert cog.current_code("01004") == "01003"
    assert cog.current_code("99999") is None
    assert cog.arrondissements == {"13201": "13055"}
    assert cog.communes_of(["01"]) == ["01001", "01003"]
    assert cog.population("01003") is None
