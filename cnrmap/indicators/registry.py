"""One registry of indicators: what exists, at which level and for which years, whether it is installed.

The Carte, ``cnrmap render --help``, the exports and the Sources page read :func:`catalogue`. An indicator
asked for at a level where it does not exist gets :func:`unavailable`: a French explanation and the
alternatives a user can switch to in one click — never a silent substitute.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cnrmap.config import Settings
from cnrmap.curated.definitions import NO_FILTER, Filters
from cnrmap.indicators import cnr, documents, official
from cnrmap.indicators.spec import COMMUNE, DEPARTEMENT, LEVEL_WORDS, Indicator, IndicatorData

# The indicator shown when none is asked for, by level (the first installed one of the list).
DEFAULTS: dict[str, tuple[str, ...]] = {DEPARTEMENT: ("densite_mg",), COMMUNE: ("zonage_mg",)}
# Indicators that answer the same question at another level (offered when one does not exist at a level).
RELATED: dict[str, tuple[str, ...]] = {
    "densite_mg": ("apl_mg",),
    "apl_mg_2024": ("apl_mg",),
    "apl_mg_2023": ("apl_mg",),
    "part_pop_apl_inf_2_5": ("apl_mg",),
    "propositions": ("projets",),
    "patients_sans_mt": ("documents",),
}
# ``apl_mg_2024`` / ``apl_mg_2023`` stay for existing links: the committed department table (a third party's
# aggregation), whereas ``apl_mg`` is the DREES commune values by year and their population-weighted department
# means — shown with the table's value beside them.


def catalogue(
    settings: Settings, filters: Filters = NO_FILTER, extra: Mapping[str, IndicatorData] | None = None
) -> dict[str, Indicator]:
    """Every indicator by id: official ones, CNR-derived ones (labelled with the filters), the documents' figures,
    then ``extra``."""
    listed = official.list_indicators(settings) + cnr.catalogue(filters) + [documents.INDICATOR]
    listed += [data.as_indicator() for data in (extra or {}).values()]
    return {indicator.id: indicator for indicator in listed}


def default_indicator(indicators: Mapping[str, Indicator], level: str) -> str | None:
    """The default indicator of a level, else the first installed one of that level, else ``None``."""
    for indicator_id in DEFAULTS.get(level, ()):
        if shown_at(indicators.get(indicator_id), level):
            return indicator_id
    return next((i.id for i in indicators.values() if shown_at(i, level)), None)


def shown_at(indicator: Indicator | None, level: str) -> bool:
    """Whether ``indicator`` can be drawn at ``level`` now (exists there and is installed)."""
    return indicator is not None and indicator.installed and level in indicator.levels


@dataclass(frozen=True)
class Alternative:
    """A view the user can switch to instead: an indicator at a level, and the button's French label."""

    label: str
    indicator: str
    level: str


@dataclass(frozen=True)
class Unavailable:
    """Why an indicator cannot be shown at a level, in French, and what to show instead."""

    message: str
    hint: str
    alternatives: tuple[Alternative, ...]


def unavailable(indicators: Mapping[str, Indicator], indicator_id: str, level: str) -> Unavailable | None:
    """``None`` when ``indicator_id`` can be shown at ``level``; else the explanation and the alternatives."""
    found = indicators.get(indicator_id)
    if shown_at(found, level):
        return None
    where = LEVEL_WORDS.get(level, level)
    alternatives: list[Alternative] = []
    if found is None:
        message = f"Indicateur inconnu : {indicator_id!r}."
        hint = "Choisir un indicateur dans la liste."
    elif level in found.exists_at:
        message = f"« {found.label} » n'est pas installé {where}."
        hint = found.install_hint
    else:
        levels = " et ".join(LEVEL_WORDS.get(x, x) for x in found.exists_at) or "à aucun niveau installé"
        message = f"« {found.label} » n'existe que {levels}."
        hint = found.install_hint if not found.levels else ""
    if found is not None and found.installed:
        for other in found.levels:
            alternatives.append(Alternative(f"Afficher « {found.label} » {LEVEL_WORDS[other]}", found.id, other))
    candidates = [*RELATED.get(indicator_id, ()), default_indicator(indicators, level)]
    for other_id in dict.fromkeys(c for c in candidates if c):
        other = indicators.get(other_id)
        if shown_at(other, level) and other_id != indicator_id:
            alternatives.append(Alternative(f"Afficher « {other.label} » {where}", other_id, level))
    return Unavailable(message, hint or "", tuple(alternatives))


def describe(indicators: Sequence[Indicator]) -> str:
    """One line per indicator (id, label, levels, years, unit, source, installed or where it comes from): the help
    of ``cnrmap render`` and the list on the Carte."""
    lines = []
    for ind in indicators:
        lines.append(f"  {ind.id} : {ind.label}")
        levels = ", ".join(ind.exists_at)
        years = f"années {', '.join(ind.years)}" if ind.years else f"millésime {ind.vintage}"
        state = "installé" if ind.installed else "non installé"
        if ind.origin == "documents":
            state = "tiré des documents du CNR santé"
        lines.append(f"      niveaux : {levels} ; {years} ; unité : {ind.unit} ; {state}")
        lines.append(f"      source : {ind.source}")
    return "Indicateurs disponibles :\n" + "\n".join(lines)


def rows(indicators: Sequence[Indicator]) -> list[dict[str, str]]:
    """The registry as table rows in French (the Carte and the Sources page show them)."""
    return [
        {
            "Identifiant": ind.id,
            "Indicateur": ind.label,
            "Niveaux": ", ".join(LEVEL_WORDS.get(x, x) for x in ind.exists_at),
            "Années": ", ".join(ind.years) or ind.vintage,
            "Unité": ind.unit,
            "Source": ind.source,
            "État": "installé"
            if ind.installed and ind.origin != "documents"
            else ("chiffres des documents" if ind.installed else "non installé"),
            "Pour l'installer": "" if ind.installed and ind.origin != "documents" else ind.install_hint,
        }
        for ind in indicators
    ]


def markdown(indicators: Sequence[Indicator]) -> str:
    """The registry as a short Markdown list (the Carte's « Indicateurs » box): label, id, levels, years, unit,
    source, state."""
    lines = []
    for row in rows(indicators):
        how = row["Pour l'installer"]
        state = row["État"] + (f" — {how}" if how else "")
        lines.append(
            f"- **{row['Indicateur']}** (`{row['Identifiant']}`) : {row['Niveaux']} ; {row['Années']} ; "
            f"{row['Unité']} ; source : {row['Source']} ; {state}"
        )
    return "\n".join(lines)
