"""One number, one meaning: home figures, tables, map layers, map points and the panel agree.

Walks a grid of theme × status × territory filters (the empty selection included) over the real curated
data and the embedded department boundaries (no download needed).
"""

from __future__ import annotations

import itertools

import pytest

from cnrmap import vocab
from cnrmap.carte.compose import build_view
from cnrmap.carte.panel import territory_detail
from cnrmap.carte.state import MapState
from cnrmap.curated.definitions import Filters, select_projects, summarize
from cnrmap.curated.load import load_cnr_data, load_reference

THEMES = [None, *vocab.THEMES]
STATUSES = [(), ("realise",), ("en_cours", "non_renseigne")]
TERRITORIES = ["FR", "region:93", "departement:83", "departement:13", "region:75"]


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    from cnrmap.config import get_settings

    settings = get_settings(cache_dir=tmp_path_factory.mktemp("cache"), mirror="")
    reference = load_reference(settings)
    names = (
        dict(zip(reference.departments["code"], reference.departments["name"], strict=True)),
        dict(zip(reference.regions["code"], reference.regions["name"], strict=True)),
    )
    return settings, load_cnr_data(settings), names


def _points(view) -> list[str]:
    """The projects the map's symbols stand for (a symbol may group several projects: counted each)."""
    return [
        i for layer in view.points.layers if layer.name.startswith("Projets") for row in layer.rows for i in row["ids"]
    ]


@pytest.mark.parametrize(("theme", "statuses", "territory"), list(itertools.product(THEMES, STATUSES, TERRITORIES)))
def test_counts_agree_everywhere(context, theme, statuses, territory):
    settings, data, names = context
    state = MapState(territory=territory, indicator="projets", theme=theme, statuses=statuses, basemap="aucun")
    view = build_view(state, settings, data)
    kept = view.selection.projects
    filters = Filters((theme,) if theme else (), statuses)
    departments = list(view.selection.departments)

    # The table page's function, the home page's function and the map's selection keep the same projects.
    expected = select_projects(data.projects, filters, None if territory == "FR" else departments)
    assert list(kept["id"]) == list(expected["id"])
    summary = summarize(data.projects, data.proposals, data.meetings, filters,
                        None if territory == "FR" else departments)  # fmt: skip
    assert summary.projects == len(kept)

    # Map: the choropleth of project counts, the table behind it, and the points drawn.
    assert view.table["projects"].sum() == len(kept)
    values = view.indicator.values.set_index("code")["value"]
    assert values.reindex(departments).fillna(0).sum() == len(kept)
    assert sorted(_points(view)) == sorted(kept.dropna(subset=["lat", "lon"])["id"])
    legend = " ".join(item.label for spec in view.legends for item in spec.items)
    if len(kept):
        assert "Projet" in legend
    else:
        assert "Projet :" not in legend

    # Panel of every department shown: the projects it lists are those counted on the map.
    for code, count in zip(view.table["code"], view.table["projects"], strict=True):
        detail = territory_detail(code, view, *names)
        assert len(detail["projects"]) == count, code


@pytest.mark.parametrize("theme", THEMES)
def test_propositions_agree_between_home_map_and_panel(context, theme):
    settings, data, names = context
    view = build_view(MapState(indicator="propositions", theme=theme, basemap="aucun"), settings, data)
    values = view.indicator.values.set_index("code")["value"]
    var = view.table.set_index("code").loc["83"]
    # PACA proposed for the whole region: the Var is not a zero nor a silent 76, it has its own class.
    assert "83" not in values.index
    assert var["class_label"] == "Propositions formulées pour la région seulement"
    detail = territory_detail("83", view, *names)
    paca = view.selection.propositions
    paca_regional = int(((paca["scope_level"] == "region") & (paca["region_code"] == "93")).sum())
    assert detail["propositions"][0] == "Aucune proposition formulée pour le département lui-même"
    if paca_regional:
        assert detail["propositions"][1].startswith(f"{paca_regional} proposition")
        assert "Provence-Alpes-Côte d'Azur" in detail["propositions"][1]
    hérault = territory_detail("34", view, *names)
    assert hérault["propositions"][0].startswith(f"{int(values.get('34', 0))} proposition") or values.get("34") == 0
    # The home page counts each proposition once; the map counts departmental ones where they were formulated.
    summary = summarize(data.projects, data.proposals, data.meetings, Filters((theme,) if theme else ()))
    assert summary.propositions.distinct == sum(summary.propositions.by_region.values())
    na_departmental = int(
        values.reindex(["16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"]).sum()
    )
    assert summary.propositions.repeated == na_departmental
