"""Indicators computed from the CNR data itself: proposals and projects per department.

A department that no document covers has *no* value ("donnée manquante"), not zero: absence of a
document is not absence of proposals. A covered department with none of the filtered theme gets 0.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from cnrmap import vocab
from cnrmap.carte.view import IndicatorData
from cnrmap.curated import definitions as aggregate
from cnrmap.indicators.official import Indicator

PROPOSALS_ID = "propositions"
PROJECTS_ID = "projets"
DOCUMENTS = "Documents du CNR santé (Nouvelle-Aquitaine, Hérault ; PACA : projets)"


def catalogue(theme: str | None = None) -> list[Indicator]:
    """The CNR-derived indicators, described like the pipeline's (labels naming ``theme`` when given)."""
    listed = [
        Indicator(
            PROPOSALS_ID,
            "Nombre de propositions du CNR santé",
            "propositions",
            "2022-2023",
            "Synthèses départementales du CNR santé (Nouvelle-Aquitaine, Hérault)",
            ("departement",),
            "numeric",
            None,
            None,
            True,
            "",
        ),
        Indicator(
            PROJECTS_ID,
            "Nombre de projets locaux du CNR santé",
            "projets",
            "2023",
            "ARS Provence-Alpes-Côte d'Azur, brochure « Dans les territoires »",
            ("departement",),
            "numeric",
            None,
            None,
            True,
            "",
        ),
    ]
    return [dataclasses.replace(meta, label=_label(meta.label, theme)) for meta in listed]


def _label(base: str, theme: str | None) -> str:
    return f"{base} — {vocab.THEME_SHORT[theme]}" if theme else base


def _with_zeros(counts: pd.DataFrame, covered: set[str]) -> pd.DataFrame:
    values = pd.Series(0.0, index=sorted(covered), dtype="float64")
    values.update(counts.set_index("code")["value"])
    return values.rename_axis("code").reset_index(name="value")


def _counts(meta: Indicator, theme: str | None, values: pd.DataFrame) -> IndicatorData:
    return IndicatorData(
        id=meta.id,
        label=_label(meta.label, theme),
        kind="numeric",
        level="departement",
        values=values,
        unit=meta.unit,
        vintage=meta.vintage,
        source=meta.source,
        france_values=values,
    )


def proposals_indicator(proposals: pd.DataFrame, theme: str | None = None) -> IndicatorData:
    """Departmental proposals per department (optionally of one theme)."""
    departmental = aggregate.filter_proposals(proposals)
    covered = set(departmental.loc[departmental["scope_level"] == "departement", "territory_code"])
    values = _with_zeros(aggregate.proposals_per_territory(proposals, "departement", theme), covered)
    return _counts(catalogue()[0], theme, values)


def projects_indicator(
    projects: pd.DataFrame, theme: str | None = None, statuses: tuple[str, ...] | None = None
) -> IndicatorData:
    """Local projects per department (with the map's theme and status filters)."""
    shown = aggregate.filter_projects(projects, themes=[theme] if theme else None, statuses=statuses)
    values = _with_zeros(aggregate.projects_per_department(shown), set(projects["department_code"]))
    return _counts(catalogue()[1], theme, values)


def imported_indicator(values: pd.DataFrame, level: str, name: str, unit: str, filename: str) -> IndicatorData:
    """An indicator the user imported (see :func:`cnrmap.importer.core.import_indicator`), for this session."""
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


def fingerprint(indicators: dict[str, IndicatorData]) -> str:
    """A key that changes when any imported indicator's values change (for the page's view cache)."""
    parts = [
        f"{key}:{data.level}:{int(pd.util.hash_pandas_object(data.values, index=False).sum())}"
        for key, data in sorted(indicators.items())
    ]
    return ",".join(parts)
