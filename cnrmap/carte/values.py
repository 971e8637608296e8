"""Indicator values for one view: the main indicator, the overlay and the zoning the cross-reading needs.

Third step of the pipeline (state → selection → **values** → layers → map). Official indicators are read
through :mod:`cnrmap.indicators.official`; CNR-derived ones are computed from the selection's filters;
an imported indicator comes with its values. Which indicator exists where is decided by the registry
(:mod:`cnrmap.indicators.registry`) only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from cnrmap import vocab
from cnrmap.carte.selection import Selection
from cnrmap.carte.state import NEED_ZONES, MapState
from cnrmap.config import Settings
from cnrmap.curated.load import CnrData
from cnrmap.errors import DataError
from cnrmap.geo.codes import departments_of
from cnrmap.indicators import apl, cnr, documents, official, registry
from cnrmap.indicators.patients import PATIENTS_ID
from cnrmap.indicators.spec import COMMUNE, DEPARTEMENT, Indicator, IndicatorData

__all__ = ["IndicatorData", "ViewValues", "load_values", "unit_for_level"]


def unit_for_level(unit: str, level: str) -> str:
    """The part of a « catégorie (commune) ; % … (département) » unit that applies to ``level``."""
    if ";" not in unit:
        return unit
    word = "commune" if level == COMMUNE else "départ"
    for part in unit.split(";"):
        if word in part:
            return re.sub(r"\s*\((?:commune|département)\)\s*", " ", part).strip()
    return unit


def _categories(meta: Indicator) -> dict[str, str]:
    raw = meta.categories or {}
    return (
        {str(k): str(v) for k, v in raw.items()}
        if isinstance(raw, Mapping)
        else {str(c): vocab.ZONING.get(str(c), str(c)) for c in raw}
    )


def _frame(values: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(values)[["code", "value"]].copy()
    frame["code"] = frame["code"].astype(str)
    return frame


def official_data(
    meta: Indicator, level: str, settings: Settings, departments: list[str] | None, france: bool, reports: list[Any]
) -> IndicatorData:
    """Values of an official indicator at ``level`` for ``departments`` (and over France when ``france``)."""
    result = official.indicator_values(meta.id, level, settings, departments=departments)
    values = _frame(result.frame)
    reports.append(result.report)
    # An indicator may change kind with the level (GP zoning: category by commune, % in ZIP by department).
    kind = "numeric" if pd.api.types.is_numeric_dtype(values["value"]) else meta.kind
    france_values = None
    if france and kind == "numeric":
        france_values = values
        if departments is not None:
            france_values = _frame(official.indicator_values(meta.id, level, settings, departments=None).frame)
    references: dict[str, float] = {}
    if kind == "numeric":
        try:
            references = dict(official.reference_values(meta.id, settings))
        except (DataError, KeyError, ValueError):
            references = {}
    return IndicatorData(
        id=meta.id,
        label=meta.label,
        kind=kind,
        level=level,
        values=values,
        unit=unit_for_level(meta.unit or "", level),
        vintage=str(meta.vintage or ""),
        source=meta.source or "",
        categories=_categories(meta),
        higher_is_better=meta.higher_is_better,
        france_values=france_values,
        references=references,
        integer=meta.integer,
    )


def _restricted(data: IndicatorData, departments: list[str]) -> IndicatorData:
    """``data`` with only the values of ``departments`` (departments, or communes within them)."""
    codes = data.values["code"]
    inside = codes.isin(departments) if data.level == DEPARTEMENT else departments_of(codes).isin(departments)
    return replace(data, values=data.values[inside])


@dataclass(frozen=True)
class ViewValues:
    """The values a view draws, with the join reports and warnings met on the way.

    ``marks``: the documents' figures about smaller territories (arrondissements, communes) that a documents layer
    draws as labelled outlines (:class:`cnrmap.indicators.documents.Mark`).
    """

    indicator: IndicatorData
    overlay: IndicatorData | None = None
    zoning: pd.DataFrame | None = None
    reports: tuple[Any, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    marks: tuple[documents.Mark, ...] = ()


def _cnr_data(
    indicator_id: str, data: CnrData, selection: Selection, region_of: Mapping[str, str]
) -> IndicatorData | None:
    if indicator_id == cnr.PROPOSALS_ID:
        return cnr.proposals_indicator(data.proposals, region_of, selection.filters)
    if indicator_id == cnr.PROJECTS_ID:
        return cnr.projects_indicator(selection.dated_projects, region_of, selection.filters)
    return None


def load_values(
    state: MapState,
    selection: Selection,
    settings: Settings,
    catalogue: Mapping[str, Indicator],
    data: CnrData,
    region_of: Mapping[str, str],
    extra: Mapping[str, IndicatorData] | None = None,
) -> ViewValues:
    """Load the values ``state`` shows.

    Parameters
    ----------
    state : MapState
        Its ``indicator`` must be shown at its level (check with :func:`cnrmap.indicators.registry.unavailable`);
        ``None`` means the level's default.
    selection : Selection
        The departments shown and the filters.
    catalogue : mapping
        The registry's indicators (:func:`cnrmap.indicators.registry.catalogue`).
    data : CnrData
        The curated datasets (for the CNR-derived indicators).
    region_of : mapping
        Department code → region code, for every department.
    extra : mapping, optional
        Indicators computed by the caller (an imported one), by id.

    Raises
    ------
    DataError
        When the indicator cannot be shown (French message and hint).
    """
    level, deps = state.level, list(selection.departments)
    indicator_id = state.indicator or registry.default_indicator(catalogue, level)
    if indicator_id is None:
        hints = [i.install_hint for i in catalogue.values() if i.install_hint]
        raise DataError(f"Aucun indicateur disponible {registry.LEVEL_WORDS[level]}.", hint=hints[0] if hints else None)
    problem = registry.unavailable(catalogue, indicator_id, level)
    if problem is not None:
        raise DataError(problem.message, hint=problem.hint or None)
    reports: list[Any] = []
    warnings: list[str] = []
    meta = catalogue[indicator_id]
    marks: tuple[documents.Mark, ...] = ()
    if (state.year or state.from_year) and not meta.years:
        warnings.append(f"Année ignorée : « {meta.label} » n'a qu'un millésime ({meta.vintage}).")
    computed = (extra or {}).get(indicator_id) or _cnr_data(indicator_id, data, selection, region_of)
    if computed is not None:
        indicator = computed
    elif meta.origin == "documents":
        layer = _documents_data(meta, state, data, selection, region_of)
        indicator, marks = layer.data, layer.marks
    elif meta.id == apl.APL_ID:
        indicator, report = apl.apl_data(
            meta, level, settings, deps, state.year, state.from_year, france=state.fixed_breaks
        )
        reports.append(report)
    else:
        indicator = official_data(
            meta, level, settings, deps if level == COMMUNE else None, state.fixed_breaks, reports
        )
    indicator = _restricted(indicator, deps)
    beside = {} if meta.origin == "documents" else documents.side_values(data.figures, indicator.id, indicator)
    if beside:
        merged = {
            code: (*indicator.alongside.get(code, ()), *beside.get(code, ()))
            for code in {*indicator.alongside, *beside}
        }
        indicator = replace(indicator, alongside=merged)

    overlay = None
    if state.overlay is not None:
        over_meta = catalogue.get(state.overlay)
        over_level = (
            COMMUNE
            if registry.shown_at(over_meta, COMMUNE) and state.scope != "FR"
            else (level if registry.shown_at(over_meta, level) else None)
        )
        if over_meta is None or over_level is None:
            warnings.append(
                f"Surcouche « {over_meta.label if over_meta else state.overlay} » indisponible ici : ignorée."
            )
        else:
            overlay = official_data(over_meta, over_level, settings, deps, False, reports)

    zoning = need_zoning(state, indicator, overlay)
    wants_zoning = state.need in NEED_ZONING and level == COMMUNE
    if zoning is None and wants_zoning and registry.shown_at(catalogue.get("zonage_mg"), COMMUNE):
        zoning = _frame(official.indicator_values("zonage_mg", COMMUNE, settings, departments=deps).frame)
    return ViewValues(indicator, overlay, zoning, tuple(reports), tuple(warnings), marks=marks)


def _documents_data(
    meta: Indicator, state: MapState, data: CnrData, selection: Selection, region_of: Mapping[str, str]
) -> documents.DocumentLayer:
    """The documents' figures as a layer: the chosen figure, or the patients without a médecin traitant."""
    departments = list(selection.departments)
    if meta.id == PATIENTS_ID:
        return documents.document_layer(
            data.figures, "patients_sans_mt_part", state.level, departments, region_of,
            indicator_id=meta.id, label=f"{meta.label} (chiffres cités par les documents)",
            notes=(documents.PATIENTS_OFFLINE_NOTE,),
        )  # fmt: skip
    return documents.document_layer(
        data.figures, state.figure or documents.DEFAULT_FIGURE, state.level, departments, region_of
    )


# Cross-reading filters that read the commune zoning.
NEED_ZONING = ("zip_sans_projet", "projet_hors_besoin")


def need_zoning(state: MapState, indicator: IndicatorData, overlay: IndicatorData | None) -> pd.DataFrame | None:
    """The commune zoning the cross-reading needs, when the main indicator or the overlay already is it."""
    if state.need not in NEED_ZONING or state.level != COMMUNE:
        return None
    zonings = [
        data
        for data in (indicator, overlay)
        if data is not None
        and data.kind == "categorical"
        and data.level == COMMUNE
        and set(data.categories) & set(NEED_ZONES)
    ]
    return zonings[0].values if zonings else None
