"""Data export of a view: territories (CSV, GeoJSON), projects and proposals; ``cnrmap export --format``."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cnrmap import cli
from cnrmap.carte.compose import ViewResult
from cnrmap.carte.state import MapState
from cnrmap.cli import export as export_cli
from cnrmap.export import data as export_data
from cnrmap.indicators.spec import IndicatorData

try:  # tests/ as a package (tests/__init__.py) or as a plain folder on sys.path
    from tests import map_fixtures
    from tests.map_fixtures import XSS, communes
except ModuleNotFoundError:
    import map_fixtures
    from map_fixtures import XSS, communes

DENSITY = pd.DataFrame({"code": ["04", "13", "83", "34"], "value": [95.4, 80.1, 70.0, 88.0]})
FRANCE = pd.DataFrame({"code": [f"{i:02d}" for i in range(1, 11)], "value": [10.0 * i for i in range(1, 11)]})


def density(values: pd.DataFrame = DENSITY) -> IndicatorData:
    return IndicatorData(
        id="densite_mg", label="Densité", kind="numeric", level="departement", values=values,
        unit="pour 100 000 habitants", vintage="2024", source="CNAM", france_values=FRANCE,
        references={"FR": 85.0},
    )  # fmt: skip


def zoning() -> IndicatorData:
    values = pd.DataFrame({"code": communes()["code"], "value": ["ZIP", "ZAC", "HZ", "ZIP"] * 4})
    return IndicatorData(
        id="zonage_mg", label="Zonage", kind="categorical", level="commune", values=values,
        categories={"ZIP": "ZIP", "ZAC": "ZAC", "HZ": "Hors zonage"},
    )  # fmt: skip


def compose(state: MapState, indicator: IndicatorData | None = None) -> ViewResult:
    return map_fixtures.compose(state, indicator or density())


@pytest.mark.parametrize("variant", ["utf8-bom", "semicolon"])
def test_territories_csv_round_trips(variant):
    values = DENSITY[DENSITY["code"] != "13"]  # one missing value
    result = compose(MapState(territory="FR", need="seuil_sans_projet", threshold=90.0), density(values))
    data = export_data.territories_csv(result, variant)
    assert data.startswith(b"\xef\xbb\xbf")
    back = export_data.read_territories_csv(data, variant)
    table = result.table
    assert list(back["code"]) == list(table["code"])
    assert list(back["nom"]) == list(table["name"])
    pd.testing.assert_series_equal(back["valeur"], table["value"].astype(float), check_names=False)
    assert list(back["valeur_affichee"]) == list(table["value_label"])
    assert list(back["classe"]) == list(table["class_label"])
    expected_class = [None if pd.isna(c) else int(c) + 1 for c in table["class"]]
    assert [None if pd.isna(c) else int(c) for c in back["numero_classe"]] == expected_class
    assert list(back["projets"]) == list(table["projects"])
    assert list(back["retenu"] == "oui") == list(table["selected"])
    assert set(back["unite"]) == {"pour 100 000 habitants"}


def test_semicolon_variant_uses_decimal_comma():
    text = export_data.territories_csv(compose(MapState(territory="region:93")), "semicolon").decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.startswith("code;nom;code_region;valeur;")
    assert first.startswith("04;Alpes-de-Haute-Provence;93;95,4;")


def test_categorical_territories_keep_category_codes():
    result = compose(MapState(territory="departement:13", level="commune"), zoning())
    back = export_data.read_territories_csv(export_data.territories_csv(result))
    assert list(back["code"]) == ["13001", "13002", "13003", "13004"]
    assert list(back["valeur"]) == ["ZIP", "ZAC", "HZ", "ZIP"]
    assert back["numero_classe"].isna().all()


def test_territories_geojson_has_the_map_shapes_and_values():
    result = compose(MapState(territory="region:93"))
    collection = json.loads(export_data.territories_geojson(result))
    features = {f["properties"]["code"]: f for f in collection["features"]}
    assert set(features) == {"04", "13", "83"}
    assert features["04"]["properties"]["valeur"] == 95.4
    assert features["04"]["properties"]["numero_classe"] == result.table.set_index("code").loc["04", "class"] + 1
    assert features["13"]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_projects_follow_the_view_filters_and_stay_formula_safe():
    result = compose(MapState(territory="region:93", theme="acces_medecin"))
    frame = export_data.projects_frame(result)
    assert list(frame["id"]) == ["P-13-01", "P-83-01"]
    assert frame.loc[0, "theme"] == "Accès au médecin traitant" and frame.loc[0, "statut"] == "Réalisé"
    assert XSS in export_data.projects_csv(result).decode("utf-8-sig")
    only_done = compose(MapState(territory="region:93", statuses=("realise",)))
    assert list(export_data.projects_frame(only_done)["id"]) == ["P-13-01"]
    points = json.loads(export_data.projects_geojson(result))
    assert points["features"][0]["geometry"]["coordinates"] == [4.25, 43.25]


def test_proposals_of_the_departments_and_their_region():
    paca = export_data.proposals_frame(compose(MapState(territory="departement:13")))
    assert list(paca["id"]) == ["A1", "A3"]  # A2 is a group, A4 is in Hérault
    france = export_data.proposals_frame(compose(MapState()))
    assert set(france["id"]) == {"A1", "A3", "A4"}


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="'xlsx'"):
        export_data.data_files(compose(MapState()), "xlsx")


def test_output_paths():
    assert str(export_cli.output_path("c-{territoire}.png", "departement:2A", True)) == "c-departement-2a.png"
    assert str(export_cli.output_path("c.png", "region:93", True)) == "c-region-93.png"
    assert str(export_cli.output_path("c.png", "FR", False)) == "c.png"
    paths = export_cli.data_paths(export_cli.output_path("x/bdr.csv", "FR", False), "csv-fr")
    assert [p.name for p in paths.values()] == ["bdr.csv", "bdr-projets.csv", "bdr-propositions.csv"]


@pytest.fixture()
def cnrmap_main(tmp_path, monkeypatch):
    """``cnrmap`` with the ``export`` sub-command, on an empty cache (embedded boundaries)."""
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNRMAP_MIRROR", "")
    if "cnrmap.cli.export" not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "cnrmap.cli.export"))
    return cli.main


def test_cli_data_export(cnrmap_main, tmp_path, capsys):
    out = tmp_path / "paca.csv"
    assert cnrmap_main(["export", "--territory", "region:93", "--format", "csv-fr", "--out", str(out)]) == 0
    back = export_data.read_territories_csv(out.read_bytes(), "semicolon")
    assert list(back["code"]) == ["04", "05", "06", "13", "83", "84"]
    assert (tmp_path / "paca-projets.csv").is_file() and (tmp_path / "paca-propositions.csv").is_file()
    assert "Données écrites" in capsys.readouterr().out
    geo = tmp_path / "paca.geojson"
    assert cnrmap_main(["export", "--territory", "region:93", "--out", str(geo)]) == 0
    assert len(json.loads(geo.read_text(encoding="utf-8"))["features"]) == 6


def test_cli_unknown_suffix_is_a_french_error(cnrmap_main, tmp_path, capsys):
    assert cnrmap_main(["export", "--out", str(tmp_path / "carte.pdf")]) == 1
    assert "Format de sortie inconnu" in capsys.readouterr().err
