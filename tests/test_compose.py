"""The pipeline on tiny frames: state round-trip, selection, composition, click handling and the panel."""

from __future__ import annotations

import pandas as pd
import pytest
from map_fixtures import communes, departments, meetings, projects, proposals

from cnrmap.carte.compose import ViewInputs, build_view, compose_view
from cnrmap.carte.panel import click_to_code, detail_markdown, territory_detail
from cnrmap.carte.selection import select
from cnrmap.carte.state import MapState
from cnrmap.carte.values import ViewValues, need_zoning
from cnrmap.curated.load import CnrData
from cnrmap.errors import DataError
from cnrmap.indicators.spec import IndicatorData

DENSITY = pd.DataFrame({"code": ["04", "13", "83", "34"], "value": [95.4, 80.1, 70.0, 88.0]})
FRANCE = pd.DataFrame({"code": [f"{i:02d}" for i in range(1, 11)], "value": [10.0 * i for i in range(1, 11)]})
DEPARTMENTS = {"13": "Bouches-du-Rhône", "93": "Seine-Saint-Denis"}
REGIONS = {"93": "Provence-Alpes-Côte d'Azur", "76": "Occitanie"}


def density(values=DENSITY, france=FRANCE) -> IndicatorData:
    return IndicatorData(
        id="densite_mg", label="Densité", kind="numeric", level="departement", values=values,
        unit="pour 100 000 habitants", vintage="2024", source="CNAM", higher_is_better=True,
        france_values=france, references={"93": 90.0, "FR": 85.0},
    )  # fmt: skip


def zoning() -> IndicatorData:
    com = communes()
    values = pd.DataFrame({"code": com["code"], "value": ["ZIP", "ZAC", "HZ", "ZIP"] * 4})
    return IndicatorData(
        id="zonage_mg", label="Zonage", kind="categorical", level="commune", values=values,
        categories={"ZIP": "ZIP", "ZAC": "ZAC", "ZAR": "ZAR", "HZ": "Hors zonage", "ND": "ND"},
    )  # fmt: skip


def data() -> CnrData:
    return CnrData(projects(), proposals(), meetings(), pd.DataFrame())


def compose(state: MapState, indicator: IndicatorData | None = None, **kwargs):
    indicator = indicator or density()
    values = ViewValues(indicator, zoning=need_zoning(state, indicator, None))
    inputs = ViewInputs(departments=departments(), values=values, communes=communes(), **kwargs)
    return compose_view(state, inputs, select(state, data(), departments()))


# --- state -------------------------------------------------------------------------------------------


def test_default_state_round_trip():
    state = MapState()
    assert MapState.from_query_params(state.to_query_params()) == (state, [])


def test_full_state_round_trip():
    state = MapState(
        territory="departement:2A", level="commune", indicator="zonage_mg", method="jenks", classes=7,
        palette="cividis", overlay="zonage_mg", theme="prevention", statuses=("realise",), layers=(),
        fixed_breaks=False, basemap="aucun", need="seuil_sans_projet", threshold=62.5,
    )  # fmt: skip
    params = state.to_query_params()
    assert all(isinstance(v, str) for v in params.values())
    assert MapState.from_query_params(params) == (state, [])


def test_empty_or_full_status_selection_means_all_statuses():
    assert MapState(statuses=()).statuses == ()
    assert MapState(statuses=("realise", "en_cours", "abandonne", "non_renseigne")) == MapState()
    # Links written before « empty = all »: every status listed, or none.
    assert MapState.from_query_params({"statuses": "realise,en_cours,abandonne,non_renseigne"})[0] == MapState()
    assert MapState.from_query_params({"statuses": "aucun"})[0] == MapState()


def test_bad_params_fall_back_with_french_warnings():
    state, warnings = MapState.from_query_params(
        {"territory": "region:ABC", "classes": "42", "method": "kmeans", "statuses": "realise,perdu",
         "basemap": "peut-être", "threshold": "abc", "level": "commune", "focus": "P-13-01"}
    )  # fmt: skip
    assert state == MapState(level="commune")
    assert len(warnings) == 6
    assert any("'region:ABC'" in w for w in warnings)
    assert all(w.startswith("Paramètre « ") for w in warnings)


def test_params_are_normalised():
    state, warnings = MapState.from_query_params({"territory": ["departement:4"], "threshold": "2,5"})
    assert warnings == [] and state.territory == "departement:04" and state.threshold == 2.5


def test_invalid_state_raises_quoting_value():
    with pytest.raises(ValueError, match="'canton'"):
        MapState(level="canton")


# --- composition --------------------------------------------------------------------------------------


def test_region_view_table_and_ranks():
    result = compose(MapState(territory="region:93"))
    table = result.table.set_index("code")
    assert list(table.index) == ["04", "13", "83"]
    assert table.loc["04", "rank"] == 1 and table.loc["83", "rank"] == 3
    assert table.loc["13", "projects"] == 2
    assert result.state.indicator == "densite_mg"
    assert list(result.selection.projects["id"]) == ["P-13-01", "P-13-02", "P-83-01"]


def test_fixed_breaks_use_all_of_france():
    fixed = compose(MapState(territory="region:93", fixed_breaks=True))
    local = compose(MapState(territory="region:93", fixed_breaks=False))
    assert fixed.breaks[0] == 10.0 and fixed.breaks[-1] == 100.0
    assert local.breaks[0] == 70.0 and local.breaks[-1] == 95.4
    assert "toute la France" in " ".join(fixed.legends[0].notes)


def test_missing_values_stay_missing():
    values = DENSITY[DENSITY["code"] != "13"]
    result = compose(MapState(territory="region:93"), density(values=values))
    row = result.table.set_index("code").loc["13"]
    assert pd.isna(row["value"]) and pd.isna(row["class"]) and row["value_label"] == "Donnée manquante"
    assert any("sans valeur" in w for w in result.warnings)


def test_missing_values_get_the_class_of_their_reason():
    values = DENSITY[DENSITY["code"] != "13"]
    reasons = {"13": "Propositions formulées pour la région seulement"}
    indicator = IndicatorData(**{**density(values=values).__dict__, "missing_reasons": reasons})
    result = compose(MapState(territory="region:93"), indicator)
    assert result.table.set_index("code").loc["13", "class_label"] == reasons["13"]
    assert [i.label for i in result.legends[0].items if i.kind == "missing"] == [reasons["13"]]


def test_theme_and_status_filter_projects():
    result = compose(MapState(territory="region:93", theme="prevention"))
    assert result.table.set_index("code").loc["13", "projects"] == 1
    result = compose(MapState(territory="region:93", statuses=("realise",)))
    assert result.table.set_index("code").loc["83", "projects"] == 0


def test_threshold_filter_without_project():
    result = compose(MapState(territory="region:93", need="seuil_sans_projet", threshold=90.0))
    selected = set(result.table.loc[result.table["selected"], "code"])
    assert selected == set()  # 13 and 83 are under 90 but have projects
    result = compose(MapState(territory="FR", need="seuil_sans_projet", threshold=90.0))
    assert set(result.table.loc[result.table["selected"], "code"]) == {"34"}
    assert result.notes[0].startswith("Lecture croisée : 1 départements")


def test_zip_without_project_at_commune_level():
    result = compose(MapState(territory="departement:13", level="commune", need="zip_sans_projet"), zoning())
    selected = set(result.table.loc[result.table["selected"], "code"])
    assert selected == {"13004"}  # 13001 is ZIP but has a project
    assert any("département ne sont comptés" in n for n in result.notes)


def test_zip_filter_needs_commune_level():
    result = compose(MapState(territory="region:93", need="zip_sans_projet"))
    assert result.table["selected"].all()
    assert any("niveau Communes" in w for w in result.warnings)


def test_unknown_territory_is_a_data_error():
    with pytest.raises(DataError, match="'99'"):
        compose(MapState(territory="departement:99"))


def test_count_classes_are_whole_numbers():
    counts = pd.DataFrame({"code": ["04", "13", "83", "34"], "value": [0.0, 2.0, 5.0, 7.0]})
    indicator = IndicatorData(id="projets", label="Projets", kind="numeric", level="departement", values=counts,
                              france_values=counts, integer=True)  # fmt: skip
    result = compose(MapState(territory="FR", classes=3), indicator)
    labels = [item.label for item in result.legends[0].items]
    assert labels == ["0–2", "3–5", "6–7"]


# --- click and detail ---------------------------------------------------------------------------------


def test_click_to_code():
    assert click_to_code(None) is None
    assert click_to_code({"last_active_drawing": None, "last_object_clicked": {"lat": 1, "lng": 2}}) is None
    assert click_to_code({"last_active_drawing": {"properties": {"code": "13"}}}) == "13"
    assert click_to_code({"last_active_drawing": {"properties": {"code": "2A004"}}}) == "2A004"
    assert click_to_code({"last_active_drawing": {"properties": {"popup": "<b>x</b>"}}}) is None
    assert click_to_code({"last_active_drawing": {"properties": {"code": "<script>"}}}) is None


def test_territory_detail_department():
    result = compose(MapState(territory="region:93"))
    detail = territory_detail("13", result, DEPARTMENTS, REGIONS)
    assert detail["name"] == "Bouches-du-Rhône" and detail["region_code"] == "93"
    (ind,) = detail["indicators"]
    assert ind["rank"] == 2 and ind["of"] == 3 and ind["france_reference"] == 85.0
    assert {p["id"] for p in detail["projects"]} == {"P-13-01", "P-13-02"}
    assert detail["proposition_texts"]["departement"] == {"Accès au médecin traitant": ["Proposition 13 accès"]}
    assert detail["proposition_texts"]["region"] == {"Prévention": ["Proposition régionale"]}
    assert detail["propositions"] == [
        "1 proposition formulée pour le département",
        "1 proposition régionale (Provence-Alpes-Côte d'Azur), qui s'appliquent à toute la région",
    ]
    assert territory_detail("34", result, DEPARTMENTS, REGIONS) == {}


def test_territory_detail_follows_the_filters():
    result = compose(MapState(territory="region:93", statuses=("en_cours",)))
    detail = territory_detail("13", result, DEPARTMENTS, REGIONS)
    assert [p["id"] for p in detail["projects"]] == ["P-13-02"]
    assert detail["filters"] == ["Projets au statut : en cours"]
    assert "Filtres : Projets au statut : en cours" in detail_markdown(detail)


def test_territory_detail_commune():
    result = compose(MapState(territory="departement:13", level="commune"), zoning())
    detail = territory_detail("13001", result, DEPARTMENTS, REGIONS)
    assert detail["department_code"] == "13"
    assert [p["id"] for p in detail["projects"]] == ["P-13-01"]
    assert [p["id"] for p in detail["department_projects"]] == ["P-13-02"]
    assert detail["indicators"][0]["display"] == "ZIP"
    # A commune formulated nothing itself: its department's and region's propositions are said as such.
    assert detail["propositions"] == [
        "1 proposition départementale (Bouches-du-Rhône), qui s'appliquent à tout le département",
        "1 proposition régionale (Provence-Alpes-Côte d'Azur), qui s'appliquent à toute la région",
    ]
    assert [m["place"] for m in detail["meetings"]] == ["Marseille <Hôtel>"]
    text = detail_markdown(detail)
    assert "Marseille \\<Hôtel\\>" in text and "3 octobre 2022" in text


# --- with the real embedded data ---------------------------------------------------------------------


def test_build_view_france_departments(empty_settings):
    from cnrmap.curated.load import load_cnr_data

    result = build_view(MapState(), empty_settings, load_cnr_data(empty_settings))
    assert result.state.indicator == "densite_mg"
    assert len(result.table) >= 96
    html = result.map.get_root().render()
    assert len(html.encode()) < 400_000
    assert result.boundaries


def test_build_view_commune_level_without_boundaries_says_what_to_do(empty_settings):
    from cnrmap.curated.load import load_cnr_data

    with pytest.raises(DataError) as info:
        build_view(MapState(territory="departement:13", level="commune"), empty_settings, load_cnr_data(empty_settings))
    assert "cnrmap fetch" in info.value.render()


def test_build_view_refuses_an_indicator_where_it_does_not_exist(empty_settings):
    from cnrmap.curated.load import load_cnr_data

    with pytest.raises(DataError, match="n'existe que par département"):
        build_view(MapState(level="commune", indicator="densite_mg"), empty_settings, load_cnr_data(empty_settings))


def test_filter_rerun_reuses_the_choropleth_and_nothing_stale():
    """The choropleth is remembered by content: a status filter keeps it, new values or fading redraw it."""
    base = compose(MapState(territory="FR"))
    filtered = compose(MapState(territory="FR", statuses=("realise",)))
    assert base.table.set_index("code").loc["83", "projects"] == 1
    assert filtered.table.set_index("code").loc["83", "projects"] == 0
    pd.testing.assert_frame_equal(base.table.drop(columns="projects"), filtered.table.drop(columns="projects"))

    changed = compose(MapState(territory="FR"), density(values=DENSITY.assign(value=[1.0, 2.0, 3.0, 4.0])))
    assert changed.table.set_index("code").loc["34", ["value", "class"]].tolist() == [4.0, 0]
    assert base.table.set_index("code").loc["34", "class"] == 4

    faded = compose(MapState(territory="FR", need="seuil_sans_projet", threshold=90.0))
    faded_style = '"color": "#ffffff", "fillColor": "#081d58", "fillOpacity": 0.2,'
    assert faded_style in faded.map.get_root().render()
    assert faded_style not in compose(MapState(territory="FR")).map.get_root().render()


def test_remembered_layer_is_not_modified_by_the_caller():
    first = compose(MapState(territory="FR"))
    first.table.loc[:, "value_label"] = "modifié"
    again = compose(MapState(territory="FR"))
    assert "modifié" not in set(again.table["value_label"])


def test_breaks_follow_the_values_they_are_computed_on():
    """Same shown values, other values behind the breaks (territories not shown): other classes."""
    state = MapState(territory="region:93", fixed_breaks=False)
    shown = compose(state, density())
    more = pd.concat([DENSITY, pd.DataFrame({"code": ["01", "02"], "value": [10.0, 500.0]})])
    wider = compose(state, density(values=more))
    assert wider.breaks != shown.breaks
    assert wider.breaks[0] == 10.0 and wider.breaks[-1] == 500.0
