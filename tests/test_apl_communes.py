"""APL to GPs per commune (2015–2023): the join to the COG, department means against the department table, the
evolution's sign convention, and the year carried to the title, legend, URL and exports."""

from __future__ import annotations

import pandas as pd
import pytest
from synthetic import DEPARTMENTS

from cnrmap.carte import classify
from cnrmap.carte.state import MapState
from cnrmap.errors import DataError
from cnrmap.export import data as export_data
from cnrmap.export import png as export_png
from cnrmap.indicators import apl
from cnrmap.indicators.official import list_indicators
from cnrmap.indicators.spec import IndicatorData
from cnrmap.sources.fetch import fetch

try:  # tests/ as a package or as a plain folder on sys.path
    from tests import map_fixtures
except ModuleNotFoundError:
    import map_fixtures

PACA = ("04", "05", "06", "13", "83", "84")
NOUVELLE_AQUITAINE = ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87")
HERAULT = ("34",)
KNOWN_REASONS = {apl.CORSICA, apl.PLM_REASON, apl.MAYOTTE, apl.UNINHABITED, apl.NOT_IN_FILE}


def _meta(settings):
    return {i.id: i for i in list_indicators(settings)}[apl.APL_ID]


@pytest.fixture()
def synthetic_apl(synthetic_settings, synthetic_catalog):
    only = ["apl_mg_communes", "cog", "population", "apl_mg", "departements", "communes"]
    report = fetch(synthetic_settings, only=only, departments=list(DEPARTMENTS), progress=False,
                   catalog=synthetic_catalog)  # fmt: skip
    assert report.ok, report.summary()
    return synthetic_settings


# --- Synthetic mirror (no ../shared needed) ---------------------------------------------------------------------


def test_commune_values_go_through_the_cog_and_every_gap_has_a_reason(synthetic_apl):
    meta = _meta(synthetic_apl)
    assert meta.installed and meta.levels == ("departement", "commune") and meta.years == apl.YEARS
    data, report = apl.apl_data(meta, "commune", synthetic_apl, list(DEPARTMENTS), "2023")
    values = data.values.set_index("code")["value"]
    assert values["04001"] == pytest.approx(2.2)  # the row of the former code 04002, brought to 04001 by the COG
    assert values["05001"] == pytest.approx(2.7)
    assert data.missing_reasons == {"05005": apl.NOT_IN_FILE, "13055": apl.PLM_REASON}
    assert report.unmatched_left == ("05005", "13055") and report.reasons["13055"] == apl.PLM_REASON
    assert data.label.endswith(", 2023") and data.year == "2023" and data.threshold == 2.5
    gap, _ = apl.apl_data(meta, "commune", synthetic_apl, ["04"], "2016")
    assert gap.missing_reasons["04003"] == apl.year_missing("2016")  # no value that year only


def test_department_means_are_weighted_by_population_and_set_beside_the_table(synthetic_apl):
    meta = _meta(synthetic_apl)
    data, _ = apl.apl_data(meta, "departement", synthetic_apl, list(DEPARTMENTS), "2023")
    means = data.values.set_index("code")["value"]
    # 04: 04001 (1 250 inhabitants, 2.2), 04003 (640, 2.4), 04004 (15 900, 3.9).
    expected = (1250 * 2.2 + 640 * 2.4 + 15900 * 3.9) / (1250 + 640 + 15900)
    assert means["04"] == pytest.approx(expected)
    (side,) = data.alongside["04"]
    assert side.key == "table_departementale" and side.value == pytest.approx(3.59)
    assert side.difference == pytest.approx(round(expected - 3.59, 2))
    assert "moyenne des communes (carte) − table" in side.caveat
    assert any("pondérée par leur population" in n for n in data.notes)
    assert data.references["FR"] > 0 and "93" in data.references
    older, _ = apl.apl_data(meta, "departement", synthetic_apl, list(DEPARTMENTS), "2019")
    assert older.alongside == {}  # the table has 2023 and 2024 only: no comparison is made up


def test_years_drees_did_not_publish_are_refused_in_french(synthetic_apl):
    meta = _meta(synthetic_apl)
    with pytest.raises(DataError, match="2020") as caught:
        apl.apl_data(meta, "commune", synthetic_apl, ["04"], "2020")
    assert "n'a pas publié 2020" in caught.value.message and "2015" in caught.value.hint
    with pytest.raises(DataError, match="précéder"):
        apl.apl_data(meta, "commune", synthetic_apl, ["04"], "2019", "2021")


def test_evolution_is_later_minus_earlier(synthetic_apl):
    meta = _meta(synthetic_apl)
    data, _ = apl.apl_data(meta, "commune", synthetic_apl, list(DEPARTMENTS), "2023", "2015")
    values = data.values.set_index("code")["value"]
    assert values["05001"] == pytest.approx(2.7 - 1.5)  # rise: better access, positive
    assert values["04001"] == pytest.approx(2.2 - 3.0)  # fall: worse access, negative
    assert values["05002"] == pytest.approx(0.0)
    assert data.diverging and data.year == "2015-2023" and data.threshold == 0.0
    assert data.notes[0].startswith("Écart = APL 2023 − APL 2015 : hausse = meilleur accès")
    assert "05005" in data.missing_reasons and "04003" not in data.missing_reasons


def test_apl_without_its_files_is_listed_with_the_command(empty_settings):
    meta = _meta(empty_settings)
    assert not meta.installed and meta.levels == () and apl.FETCH_HINT in meta.install_hint


# --- Evolution map: sign convention (pure, tiny fixtures) --------------------------------------------------------


def _change(values: dict[str, float]) -> IndicatorData:
    frame = pd.DataFrame({"code": list(values), "value": list(values.values())})
    return IndicatorData(
        id="apl_mg", label="Évolution de l'APL aux médecins généralistes, 2015 → 2023", kind="numeric",
        level="departement", values=frame, unit="consultations par habitant et par an", vintage="2015-2023",
        france_values=frame, higher_is_better=True, year="2015-2023", diverging=True,
        notes=(apl.sign_note("2023", "2015"),),
    )  # fmt: skip


def test_evolution_map_colours_a_rise_blue_and_a_fall_red():
    view = map_fixtures.compose(MapState(territory="FR"), _change({"04": 0.8, "13": -0.9, "83": 0.05, "34": -0.2}))
    table = view.table.set_index("code")
    blue, red = classify.DIVERGING_ANCHORS[-1], classify.DIVERGING_ANCHORS[0]
    breaks = view.breaks
    assert breaks[0] == -breaks[-1] and all(b == -a for a, b in zip(breaks, reversed(breaks), strict=True))
    assert (len(breaks) - 1) % 2 == 1  # an odd number of classes: the middle one holds zero
    legend = view.legends[0]
    rows = {item.label: item.colour for item in legend.items}
    assert next(iter(rows.values())) == red and list(rows.values())[-1] == blue
    assert table.loc["04", "value_label"].startswith("+0,8") and table.loc["13", "value_label"].startswith("−0,9")
    middle = (len(breaks) - 1) // 2
    assert table.loc["04", "class"] > middle and table.loc["13", "class"] < middle  # rise blue side, fall red side
    assert table.loc["83", "class"] == middle  # +0.05: the near-white middle class, « quasi stable »
    colours = list(rows.values())
    assert colours[table.loc["04", "class"]] in classify.DIVERGING_ANCHORS[5:]
    assert colours[table.loc["13", "class"]] in classify.DIVERGING_ANCHORS[:4]
    assert any("hausse = meilleur accès (bleu)" in n for n in legend.notes)
    assert any("symétriques autour de 0" in n for n in legend.notes)
    assert next(iter(rows)).startswith("−")  # typographic minus in the class labels


def test_diverging_breaks_are_symmetric_for_every_method():
    values = [-2.0, -1.0, -0.5, -0.1, 0.0, 0.2, 0.4, 1.5, 3.0]
    for method in classify.METHODS:
        for k in (2, 3, 4, 5, 9):
            edges = classify.diverging_breaks(values, method, k)
            assert edges == sorted(edges) and len(set(edges)) == len(edges)
            assert edges[0] == -3.0 and edges[-1] == 3.0
            assert [round(e, 9) for e in edges] == [round(-e, 9) for e in reversed(edges)]
            assert (len(edges) - 1) % 2 == 1
    assert classify.diverging_breaks([], "quantiles", 5) == []
    assert classify.diverging_colours(5)[2] == classify.DIVERGING_ANCHORS[4]


# --- The year in the title, legend, URL and exports -------------------------------------------------------------


def test_year_is_in_the_url_title_legend_and_exports(synthetic_apl):
    from cnrmap.carte.compose import build_view
    from cnrmap.curated.load import load_cnr_data

    state, warnings = MapState.from_query_params(
        {"territory": "region:93", "level": "commune", "indicator": "apl_mg", "year": "2019"}
    )
    assert warnings == [] and state.to_query_params()["year"] == "2019"
    view = build_view(state, synthetic_apl, load_cnr_data(synthetic_apl))
    assert view.indicator.label.endswith(", 2019")
    assert export_png.default_title(view, "Provence").startswith(
        "Accessibilité potentielle localisée (APL) aux médecins généralistes, 2019 — Provence"
    )
    assert view.legends[0].title.endswith("2019")
    assert any("(2019)" in line for line in export_png.source_lines(view))
    frame = export_data.territories_frame(view)
    assert set(frame["annee"]) == {"2019"} and set(frame["millesime"]) == {"2019"}
    reasons = dict(zip(frame["code"], frame["valeur_affichee"], strict=True))
    assert reasons["13055"].startswith("Paris, Lyon, Marseille")  # never zero: the reason
    evolution = build_view(MapState(territory="region:93", level="commune", indicator="apl_mg", year="2023",
                                    from_year="2015"), synthetic_apl, load_cnr_data(synthetic_apl))  # fmt: skip
    assert set(export_data.territories_frame(evolution)["annee"]) == {"2015-2023"}
    assert export_png.default_title(evolution, "Provence").startswith("Évolution de l'APL aux médecins généralistes")


def test_department_view_exports_the_table_value_and_the_difference(synthetic_apl):
    from cnrmap.carte.compose import build_view
    from cnrmap.curated.load import load_cnr_data

    view = build_view(MapState(territory="region:93", indicator="apl_mg", year="2023"), synthetic_apl,
                      load_cnr_data(synthetic_apl))  # fmt: skip
    frame = export_data.territories_frame(view).set_index("code")
    assert frame.loc["04", "table_departementale"] == pytest.approx(3.59)
    assert frame.loc["04", "ecart_table_departementale"] == pytest.approx(
        round(frame.loc["04", "valeur"] - 3.59, 2), abs=0.011
    )
    assert "agrégation tierce" in frame.loc["04", "table_departementale_source"]


# --- The real mirror --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_apl(tmp_path_factory, mirror_dir):
    from cnrmap.config import get_settings

    settings = get_settings(cache_dir=tmp_path_factory.mktemp("apl"), mirror=str(mirror_dir))
    report = fetch(settings, only=["apl_mg_communes", "cog", "population", "communes"],
                   departments=[*PACA, *NOUVELLE_AQUITAINE, *HERAULT], progress=False)  # fmt: skip
    assert report.ok, report.summary()
    return settings


def test_every_commune_of_paca_nouvelle_aquitaine_and_herault_has_a_value_or_a_reason(real_apl):
    """On the real mirror: each COG 2026 commune, and each commune shape on the map, of the three areas, every
    year, has an APL or a stated reason; the reasons are the documented ones (only Marseille here)."""
    from cnrmap.geo.boundaries import load_communes

    meta = _meta(real_apl)
    departments = [*PACA, *NOUVELLE_AQUITAINE, *HERAULT]
    shapes = set(load_communes(real_apl, departments).gdf["code"])
    unexplained: dict[str, list[str]] = {}
    for year in apl.YEARS:
        data, report = apl.apl_data(meta, "commune", real_apl, departments, year)
        valued = set(data.values["code"])
        expected = set(report.unmatched_left) | valued
        assert shapes <= expected, f"{year}: shapes without a commune of the COG: {sorted(shapes - expected)[:10]}"
        for code in expected - valued:
            if data.missing_reasons.get(code) not in KNOWN_REASONS | {apl.year_missing(year)}:
                unexplained.setdefault(year, []).append(code)
        assert set(data.missing_reasons) == set(report.unmatched_left)
        assert data.missing_reasons == {"13055": apl.PLM_REASON}, data.missing_reasons
        assert len(valued) + 1 == len(expected) > 5500  # every commune but Marseille
    assert unexplained == {}


def test_department_means_against_the_department_table(real_apl, capsys):
    """Population-weighted means of the communes, 2023, against the third party's department table: the
    differences are reported; they stay within ±0.05 except where the largest city has no commune value."""
    table = apl.department_comparison(real_apl, "2023")
    compared = table.dropna(subset=["moyenne_communes", "table"])
    with capsys.disabled():
        print("\nAPL 2023, moyenne des communes − table départementale (écarts non nuls) :")
        for row in compared[compared["ecart"] != 0].sort_values("ecart").itertuples():
            print(f"  {row.code} : {row.moyenne_communes:.2f} − {row.table:.2f} = {row.ecart:+.2f} {row.raison}")
    assert len(compared) == 97
    large = compared[compared["ecart"].abs() > 0.05]
    assert set(large["code"]) == {"13", "69"}
    assert set(large["raison"].str.split(",").str[0]) == {"Marseille", "Lyon"}
    assert compared.set_index("code").loc["13", "ecart"] == pytest.approx(-0.38)
    missing = table[table["moyenne_communes"].isna()].set_index("code")["raison"]
    assert missing.to_dict() == {"2A": apl.CORSICA, "2B": apl.CORSICA, "75": apl.PLM_REASON, "976": apl.MAYOTTE}
    data, _ = apl.apl_data(_meta(real_apl), "departement", real_apl, None, "2023")
    assert data.references["FR"] == pytest.approx(3.69, abs=0.01)
    assert "Marseille" in data.alongside["13"][0].caveat
