"""The documents' figures where a user looks: the map layer, the patients layer offline, figures beside official
values, labelled outlines of smaller territories, and the panel block « Ce que disent les documents »."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from cnrmap.carte import documents as carte_documents
from cnrmap.carte.state import MapState
from cnrmap.config import get_settings
from cnrmap.curated.load import load_document_figures
from cnrmap.indicators import documents
from cnrmap.indicators.spec import IndicatorData

try:
    from tests import map_fixtures
except ModuleNotFoundError:
    import map_fixtures

NA = ["16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"]
DEPARTMENTS = {"24": "Dordogne", "34": "Hérault", "75": "Paris"}
REGIONS = {"75": "Nouvelle-Aquitaine", "76": "Occitanie"}


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return load_document_figures(get_settings())


def test_patients_layer_draws_department_figures_and_marks_the_smaller_territories(figures):
    layer = documents.document_layer(
        figures, "patients_sans_mt_part", "departement", [*NA, "34"], {}, indicator_id="patients_sans_mt",
        label="Part des patients sans médecin traitant", notes=(documents.PATIENTS_OFFLINE_NOTE,),
    )  # fmt: skip
    values = layer.data.values.set_index("code")["value"].to_dict()
    assert values == {"19": 15.0, "24": 7.5, "34": 12.0}  # Dordogne: 7,5 printed three times, 7,49 once
    assert layer.data.references == {"FR": 11.0}
    assert (
        layer.data.notes[0]
        == "Chiffres cités par les synthèses régionales, années diverses ; pas de source nationale installée"
    )
    assert layer.data.missing_default == documents.NOT_CITED and layer.data.unit == "%"
    marks = {m.codes: m for m in layer.marks}
    assert set(marks) == {("241",), ("242",), ("244",), ("793",)}
    assert marks[("242",)].label == "Arrondissement de Nontron : 6,3 % / 7,5 %"  # both printed figures, as printed
    assert all("Synthèse des ateliers CNR santé" in line for line in marks[("242",)].detail)
    assert "Territoire de Gâtine (79)" in layer.unplaced and "Limoges Agglo (87)" in layer.unplaced
    assert any("sans code INSEE" in n for n in layer.data.notes)


def test_densities_printed_per_10_000_are_converted_and_said(figures):
    layer = documents.document_layer(figures, "densite_medecins_generalistes", "departement", ["34", "40"], {})
    values = layer.data.values.set_index("code")["value"]
    assert values["34"] == pytest.approx(109.0) and values["40"] == pytest.approx(119.0)
    assert layer.data.unit == "pour 100 000 habitants"
    assert any("multiplié(s) par 10" in n for n in layer.data.notes)
    assert layer.data.references["FR"] == pytest.approx(98.0)  # 2022, the most recent France figure


def test_commune_level_draws_single_communes_and_marks_lists_of_communes(figures):
    layer = documents.document_layer(figures, "population", "commune", ["33", "34", "47", "87"], {})
    values = layer.data.values.set_index("code")["value"]
    assert values["33063"] == 261000 and values["47001"] == 32602
    assert layer.data.integer  # a count: integer classes
    assert ("331",) in {m.codes for m in layer.marks}  # Haute-Gironde = arrondissement of Blaye


def test_documents_layer_on_the_map_names_the_territories_without_a_figure(figures):
    layer = documents.document_layer(figures, "patients_sans_mt_part", "departement", ["04", "13", "83", "34"], {})
    view = map_fixtures.compose(MapState(territory="FR", indicator="documents"), layer.data)
    table = view.table.set_index("code")
    assert table.loc["34", "value"] == 12.0
    assert table.loc["13", "class_label"] == "Non cité par les documents"
    assert any(item.label == "Non cité par les documents" for item in view.legends[0].items)
    assert any("en gris : non cité par les documents" in w for w in view.warnings)


def _official(level: str, values: dict[str, float], year: str = "") -> IndicatorData:
    frame = pd.DataFrame({"code": list(values), "value": list(values.values())})
    return IndicatorData(id="densite_mg", label="Densité", kind="numeric", level=level, values=frame, year=year)


def test_document_figures_beside_an_official_value_say_when_years_differ(figures):
    beside = documents.side_values(figures, "densite_mg", _official("departement", {"40": 93.0, "34": 101.0}))
    (landes,) = {(s.value, s.difference, s.caveat) for s in beside["40"]}
    assert landes[0] == 119.0 and landes[1] == pytest.approx(93.0 - 119.0)
    assert "années différentes : carte 2024, document 2022" in landes[2]
    (herault,) = beside["34"]
    assert (
        herault.value == pytest.approx(109.0)
        and "imprimé 10,9 médecins pour 10 000 habitants, converti" in herault.caveat
    )
    assert "année non imprimée (carte : 2024)" in herault.caveat
    assert herault.difference == pytest.approx(101.0 - 109.0)
    assert documents.side_values(figures, "propositions", _official("departement", {"40": 1.0})) == {}


def test_panel_block_for_a_commune_lists_its_arrondissement_department_and_comparisons(figures):
    groups = carte_documents.figures_about(
        figures, "24037", "commune", "24", "75", DEPARTMENTS, REGIONS, arrondissement="241"
    )
    titles = [g.title for g in groups]
    assert titles[0] == "Son arrondissement : Arrondissement de Bergerac (241)"
    assert titles[1] == "Dordogne (24)"
    assert titles[-1] == "France (comparaison citée)"
    department = groups[1].rows
    seven = next(r for r in department if r["value"] == 7.5)
    assert len(seven["repeats"]) == 2  # 7,5 % printed three times: one line, the other places listed
    text = "\n".join(carte_documents.figures_markdown(groups))
    assert "**Ce que disent les documents**" in text
    assert "**7,49 %** — population sans médecin traitant *(Arrondissement de Bergerac, année non précisée)*" in text
    assert "« 7,49% de la population de l’arrondissement de Bergerac n’a pas de médecin traitant »" in text
    assert "Synthèse des ateliers CNR santé — ARS Nouvelle\\-Aquitaine" not in text  # hyphens are not escaped
    assert "Synthèse des ateliers CNR santé — ARS Nouvelle-Aquitaine, 2022 (l. 4389" in text
    assert "Imprimé aussi" in text


def test_panel_block_for_a_department_goes_up_to_region_and_france(figures):
    groups = carte_documents.figures_about(figures, "34", "departement", "34", "76", DEPARTMENTS, REGIONS)
    titles = [g.title for g in groups]
    assert titles[0] == "Ce département" and "Occitanie (comparaison citée)" in titles
    own = groups[0]
    printed = figures[(figures["territory_level"] == "departement") & (figures["territory_codes"] == "34")]
    distinct = printed.drop_duplicates(carte_documents._SAME)  # a figure printed twice is one line
    assert len(own.rows) + own.more == len(distinct) == len(printed) - 1 == 43
    assert carte_documents.figures_about(pd.DataFrame(), "34", "departement", "34", "76", DEPARTMENTS, REGIONS) == []


def test_marks_are_drawn_as_labelled_outlines_with_their_legend(figures):
    layer = documents.document_layer(figures, "patients_sans_mt_part", "departement", ["24"], {})
    communes = gpd.GeoDataFrame(
        {"code": ["24037", "24001", "24322"], "department_code": ["24"] * 3},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2)], crs="EPSG:4326",
    )  # fmt: skip
    arrondissement_of = {"24037": "241", "24001": "241", "24322": "242"}
    drawn, missing = carte_documents.mark_shapes(layer.marks, communes, arrondissement_of)
    assert list(drawn["label"]) == ["Arrondissement de Bergerac : 7,49 %", "Arrondissement de Nontron : 6,3 % / 7,5 %"]
    assert drawn.geometry.iloc[0].area == pytest.approx(2.0)  # the union of its communes
    assert missing == ["Arrondissement de Sarlat : 7,49 %"]
    from cnrmap.leaflet.outlines import labelled_outlines

    group = labelled_outlines(drawn, carte_documents.MARKS_LAYER)
    import folium

    m = folium.Map()
    group.add_to(m)
    html = m.get_root().render()
    assert "Arrondissement de Bergerac : 7,49 %" in html and "dashArray" in html
    legend = carte_documents.marks_legend(len(drawn), missing)
    assert "Arrondissement de Sarlat" in legend.notes[1]


def test_arrondissements_of_the_shown_departments_are_remembered(monkeypatch):
    from types import SimpleNamespace

    from cnrmap.geo import boundaries

    cog = SimpleNamespace(
        communes={"24001": ("Abjat", "24"), "24002": ("Agonac", "24"), "33001": ("Abzac", "33")},
        arrondissement_of={"24001": "243", "24002": "242", "33001": "335"},
    )
    monkeypatch.setattr(boundaries, "load_cog", lambda settings: cog)
    settings = get_settings()
    dordogne = carte_documents.arrondissements_of(settings, ["24"])
    assert dordogne == {"24001": "243", "24002": "242"}
    assert carte_documents.arrondissements_of(settings, ("24",)) is dordogne  # the next rerun
    assert carte_documents.arrondissements_of(settings, ["24", "33"]) == cog.arrondissement_of
