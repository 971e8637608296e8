"""Indicators computed from the CNR data itself: propositions and projects per department.

The counts follow :mod:`cnrmap.curated.definitions`. A department no document covers has *no* value
(« Aucun document du CNR santé »), not zero: absence of a document is not absence of propositions; a
department whose region formulated its propositions for the whole region is « Propositions formulées pour
la région seulement ». A covered department with none of the filtered theme gets 0.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from cnrmap import vocab
from cnrmap.curated.definitions import NO_FILTER, Filters, departmental_counts, project_counts, select_projects
from cnrmap.indicators.spec import DEPARTEMENT, Indicator, IndicatorData

PROPOSALS_ID = "propositions"
PROJECTS_ID = "projets"

_LISTED = (
    Indicator(
        PROPOSALS_ID, "Nombre de propositions du CNR santé", "propositions", "2022-2023",
        "Synthèses départementales du CNR santé (Nouvelle-Aquitaine, Hérault)", (DEPARTEMENT,), "numeric",
        None, None, True, "", integer=True, origin="cnr",
    ),
    Indicator(
        PROJECTS_ID, "Nombre de projets locaux du CNR santé", "projets", "2023",
        "ARS Provence-Alpes-Côte d'Azur, brochure « Dans les territoires »", (DEPARTEMENT,), "numeric",
        None, None, True, "", integer=True, origin="cnr",
    ),
)  # fmt: skip


def catalogue(filters: Filters = NO_FILTER) -> list[Indicator]:
    """The CNR-derived indicators, labelled with the theme filter when one is set."""
    return [dataclasses.replace(meta, label=_label(meta.label, filters)) for meta in _LISTED]


def _label(base: str, filters: Filters) -> str:
    if not filters.themes:
        return base
    return f"{base} — {', '.join(vocab.THEME_SHORT[t] for t in filters.themes)}"


def _data(meta: Indicator, filters: Filters, values: pd.DataFrame, reasons: Mapping[str, str]) -> IndicatorData:
    return IndicatorData(
        id=meta.id,
        label=_label(meta.label, filters),
        kind="numeric",
        level=DEPARTEMENT,
        values=values,
        unit=meta.unit,
        vintage=meta.vintage,
        source=meta.source,
        france_values=values,
        integer=True,
        missing_reasons=dict(reasons),
    )


def proposals_indicator(
    proposals: pd.DataFrame, departments: Mapping[str, str], filters: Filters = NO_FILTER
) -> IndicatorData:
    """Propositions formulated for each department (:func:`cnrmap.curated.definitions.departmental_counts`).

    ``departments``: code → region code of every department, so that each one without a count gets its reason.
    """
    counts, reasons = departmental_counts(proposals, filters, departments)
    values = counts.astype("float64").rename_axis("code").reset_index(name="value")
    return _data(_LISTED[0], filters, values.astype({"code": "string"}), reasons)


def projects_indicator(
    projects: pd.DataFrame, departments: Mapping[str, str], filters: Filters = NO_FILTER
) -> IndicatorData:
    """Local projects per department under the filters; departments without any project documented are missing."""
    covered = sorted(set(projects["department_code"]))
    counts = project_counts(select_projects(projects, filters), DEPARTEMENT)
    values = pd.DataFrame({"code": covered, "value": [float(counts.get(c, 0)) for c in covered]})
    reasons = {code: "Aucun projet recensé dans les documents" for code in departments if code not in set(covered)}
    return _data(_LISTED[1], filters, values.astype({"code": "string"}), reasons)


def imported_indicator(values: pd.DataFrame, level: str, name: str, unit: str, filename: str) -> IndicatorData:
    """An indicator the user imported (see :func:`cnrmap.importer.import_indicator`), for this session."""
    slug = "".join(ch if ch.isalnum() else "_" for ch in name.lower())[:40].strip("_") or "indicateur"
    frame = values[["code", "value"]].reset_index(drop=True)
    return IndicatorData(
        id=f"import_{slug}",
        label=name,
        kind="numeric",
        level=level,
        values=frame,
        unit=unit,
        vintage="importé",
        source=f"Fichier importé : {filename}",
        france_values=frame,
    )


def fingerprint(indicators: Mapping[str, IndicatorData]) -> str:
    """A key that changes when any imported indicator's values change (for the page's view cache)."""
    parts = [
        f"{key}:{data.level}:{int(pd.util.hash_pandas_object(data.values, index=False).sum())}"
        for key, data in sorted(indicators.items())
    ]
    return ",".join(parts)
