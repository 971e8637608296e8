"""Which maps a deck needs: the overview of its territory, then one map per department (a region's deck) or per
region with CNR data (France's deck), all with the deck's filters, date and indicator.

A region or France is shown by department on the overview; the maps under it are drawn at the state's level
(``--level``, or the Carte's « Niveau »): departments by commune when the user looks at communes. A department's
deck has one map, at the state's level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cnrmap.carte.state import MapState
from cnrmap.curated.definitions import summarize
from cnrmap.geo.codes import department_of_commune
from cnrmap.indicators import registry
from cnrmap.indicators.spec import DEPARTEMENT, Indicator

# Cross-readings that only exist by commune (the zoning): not carried to a map by department.
COMMUNE_NEEDS = ("zip_sans_projet",)


def by_department(state: MapState, catalogue: Mapping[str, Indicator]) -> MapState:
    """``state`` drawn by department: the same indicator when it exists by department, else the level's default
    (with its year only when the indicator is kept)."""
    if state.level == DEPARTEMENT:
        return replace(state, place=None)
    keep = state.indicator is not None and registry.shown_at(catalogue.get(state.indicator), DEPARTEMENT)
    return replace(
        state,
        level=DEPARTEMENT,
        place=None,
        indicator=state.indicator if keep else None,
        year=state.year if keep else None,
        from_year=state.from_year if keep else None,
        figure=state.figure if keep else None,
        need=None if state.need in COMMUNE_NEEDS else state.need,
    )


def overview_state(state: MapState, catalogue: Mapping[str, Indicator]) -> MapState:
    """The deck's first map: a region or France by department; a department's own map at the state's level."""
    return state if state.scope == "departement" else by_department(state, catalogue)


def regions_with_data(view: Any, region_of: Mapping[str, str]) -> list[str]:
    """Regions where the view's selection (filters applied) has projects, propositions or meetings."""
    sel = view.selection
    summary = summarize(sel.projects, sel.propositions, sel.meetings, sel.filters)
    with_projects = {region_of[code] for code in sel.projects["department_code"] if code in region_of}
    return sorted(set(summary.regions) | with_projects)


def part_states(state: MapState, overview: Any, region_of: Mapping[str, str]) -> list[MapState]:
    """The maps after the overview: each department of a region, or each region with CNR data of France.

    Parameters
    ----------
    state : MapState
        The deck's state (its level applies to these maps).
    overview : ViewResult
        The overview's view (its selection lists the departments and the CNR rows under the filters).
    region_of : mapping
        Department code → region code.
    """
    if state.scope == "departement":
        return []
    if state.scope == "region":
        return [
            replace(
                state,
                territory=f"departement:{code}",
                place=state.place if state.place and department_of_commune(state.place) == code else None,
            )
            for code in overview.selection.departments
        ]
    return [
        replace(state, territory=f"region:{region}", place=None) for region in regions_with_data(overview, region_of)
    ]
