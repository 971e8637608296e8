"""What a view covers: its departments, and the CNR rows its filters keep — computed once per request.

Second step of the pipeline (state → **selection** → values → layers → map). The map's points, the
CNR-derived choropleths, the panel and the exports all read the same :class:`Selection`, built with the
definitions of :mod:`cnrmap.curated.definitions`: the projects' statuses are read at the state's date here,
once (:func:`~cnrmap.curated.definitions.statuses_as_of`), before the status filter applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from cnrmap.carte.state import MapState
from cnrmap.curated.definitions import Filters, select_meetings, select_projects, select_propositions, statuses_as_of
from cnrmap.curated.history import period_notes
from cnrmap.curated.load import CnrData
from cnrmap.errors import DataError


@dataclass(frozen=True)
class Selection:
    """The departments and regions a view covers, and the projects, meetings and propositions it keeps.

    ``projects`` have the status of the state's date; ``dated_projects`` are every project of France with
    that status, before any filter (for France-wide counts); ``status_notes`` say how dates of periods
    (« sur l'année 2023 ») count at that date.
    ``figures``: the documents' figures about the shown departments, their regions and France (no filter applies
    to them); ``arrondissement_of``: commune → arrondissement code for the shown departments, when the COG is
    installed (the panel uses it to show a commune the figures of its arrondissement).
    """

    departments: tuple[str, ...]
    regions: tuple[str, ...]
    filters: Filters
    projects: pd.DataFrame
    meetings: pd.DataFrame
    propositions: pd.DataFrame
    dated_projects: pd.DataFrame | None = None
    status_notes: tuple[str, ...] = ()
    figures: pd.DataFrame = field(default_factory=pd.DataFrame)
    arrondissement_of: Mapping[str, str] = field(default_factory=dict)


def shown_departments(state: MapState, departments: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``departments`` (``code``, ``region_code``…) covered by the state's territory.

    Raises
    ------
    DataError
        If the region or department is unknown (the code is quoted).
    """
    if state.scope == "FR":
        return departments
    code = state.territory_code
    column = "region_code" if state.scope == "region" else "code"
    shown = departments[departments[column] == code]
    if shown.empty:
        what = "Région inconnue" if state.scope == "region" else "Département inconnu"
        raise DataError(f"{what} : {code!r}.", hint="Choisir un territoire dans la liste.")
    return shown


def select(state: MapState, data: CnrData, departments: pd.DataFrame) -> Selection:
    """The :class:`Selection` of ``state`` over the curated ``data``; ``departments``: code, region_code."""
    shown = shown_departments(state, departments)
    codes = tuple(shown["code"])
    regions = tuple(sorted(set(shown["region_code"])))
    filters = state.filters
    within = None if state.scope == "FR" else codes
    propositions = select_propositions(data.proposals, filters)
    if within is not None:
        mine = ((propositions["scope_level"] == "departement") & propositions["territory_code"].isin(codes)) | (
            (propositions["scope_level"] == "region") & propositions["region_code"].isin(regions)
        )
        propositions = propositions[mine]
    dated = statuses_as_of(data.projects, data.history, state.as_of_date)
    projects = select_projects(dated, filters, within)
    as_of = state.as_of_date.isoformat()
    figures = data.figures
    if within is not None and not figures.empty:
        about = (
            figures["department_code"].isin(codes)
            | ((figures["territory_level"] == "region") & figures["region_code"].isin(regions))
            | (figures["territory_level"] == "france")
        )
        figures = figures[about]
    return Selection(
        departments=codes,
        regions=regions,
        filters=filters,
        projects=projects,
        meetings=select_meetings(data.meetings, within),
        propositions=propositions,
        dated_projects=dated,
        status_notes=tuple(period_notes(data.history, select_projects(dated, departments=within)["id"], as_of)),
        figures=figures,
    )
