"""What goes on a slide, as plain data: the names of territories, the wording every slide shares, and the title,
map and closing slides (the model: :mod:`cnrmap.deck.model`).

Every function here is pure: it reads a composed view (:class:`cnrmap.carte.compose.ViewResult`), the library's
definitions and wordings, and returns text. Nothing is counted here: counts come from
:mod:`cnrmap.curated.definitions`, values from the indicators' :class:`~cnrmap.indicators.spec.IndicatorData`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cnrmap.carte.layers import legend_title, source_line
from cnrmap.curated.definitions import as_of_phrase
from cnrmap.deck.model import Block, Slide
from cnrmap.export.layout import filters_line, production_line, source_lines
from cnrmap.french import format_date
from cnrmap.indicators.spec import IndicatorData
from cnrmap.sources.provenance import cite

CNR = "CNR santé 2022–2023"
CNR_LONG = "Conseil national de la refondation en santé (CNR santé), 2022–2023"
NO_FILTER_WORDS = "Tous les thèmes et tous les statuts"


@dataclass(frozen=True)
class Names:
    """Names of the territories (code → name) a deck speaks of, and the region of each department."""

    departments: Mapping[str, str] = field(default_factory=dict)
    regions: Mapping[str, str] = field(default_factory=dict)
    communes: Mapping[str, str] = field(default_factory=dict)
    region_of: Mapping[str, str] = field(default_factory=dict)

    def department(self, code: str) -> str:
        """« Var (83) »."""
        return f"{self.departments.get(code, code)} ({code})"

    def region(self, code: str) -> str:
        """« Provence-Alpes-Côte d'Azur »."""
        return self.regions.get(code, code)

    def territory(self, territory: str) -> str:
        """Name of ``FR``, ``region:93``, ``departement:83``."""
        scope, _, code = territory.partition(":")
        if scope == "region":
            return self.region(code)
        if scope == "departement":
            return self.department(code)
        return "France"


# --- wording shared by every slide ----------------------------------------------------------------------


def filter_words(view: Any) -> str:
    """The theme and status filters of a view in words (« Tous les thèmes et tous les statuts » without any)."""
    return " ; ".join(view.selection.filters.describe()) or NO_FILTER_WORDS


def choices_line(view: Any, indicator: IndicatorData | None = None) -> str:
    """The line under every title: the projects' date, the filters, overlay and cross-reading, the indicator.

    Parameters
    ----------
    view : ViewResult
        The view the slide speaks of (its state and selection).
    indicator : IndicatorData, optional
        The indicator the slide shows (default: the view's).
    """
    line = filters_line(view)
    as_of = as_of_phrase(view.state.as_of_date)
    parts = [] if line.startswith(as_of) else [as_of]
    parts.append(line)
    if view.selection.filters.all:
        parts.append(NO_FILTER_WORDS)
    parts.append(f"Indicateur des cartes : {legend_title(indicator or view.indicator)}")
    return " · ".join(p for p in parts if p)


def footer_right(date: dt.date) -> str:
    """The right of every footer (the slide number is added when drawing)."""
    return f"{CNR} · cnrmap · {format_date(date)}"


def document_titles(sources: Iterable[str]) -> list[str]:
    """The documents cited by these ``source`` cells, once each, by title (:func:`cnrmap.sources.provenance.cite`)."""
    titles: dict[str, None] = {}
    for source in sources:
        if not isinstance(source, str) or not source.strip():
            continue
        for part in cite(source, detail=False).split(" ; "):
            if part.strip():
                titles[part.strip()] = None
    return list(titles)


def indicator_source(data: IndicatorData) -> str:
    """« Densité … — Source : CNAM, … (2024) » for notes and the sources slide."""
    return f"{data.label} — {source_line(data.source, data.year or data.vintage)}"


def view_documents(view: Any) -> list[str]:
    """Titles of the documents behind a view's projects (and their statuses) and meetings."""
    sel = view.selection
    projects = sel.projects
    statuses = projects["status_source"] if "status_source" in projects.columns else []
    return document_titles([*projects["source"], *statuses, *sel.meetings["source"]])


# --- the title slide --------------------------------------------------------------------------------------


def title_slide(view: Any, name: str, date: dt.date, maps_indicator: str) -> Slide:
    """The first slide: the territory, CNR santé 2022–2023, the date made, the filters and the maps' indicator."""
    state = view.state
    lines = (
        CNR_LONG,
        "Propositions, projets et réunions relevés dans les documents des ARS, "
        "à côté des indicateurs d'accès aux soins",
        f"Filtres : {filter_words(view)}",
        f"Statut des projets : {as_of_phrase(state.as_of_date).lower()}",
        f"Indicateur des cartes : {maps_indicator}",
        f"Présentation produite le {format_date(date)} avec cnrmap",
    )
    notes = (
        f"Présentation « {name} » produite le {format_date(date)} avec cnrmap.",
        f"Filtres appliqués à toutes les diapositives : {filter_words(view)}.",
        f"{as_of_phrase(state.as_of_date)} : chaque projet est montré avec le dernier statut connu à cette date.",
        f"Indicateur des cartes : {maps_indicator}.",
        "Les sources de chaque diapositive sont dans ses notes ; la dernière diapositive les rassemble.",
    )
    return Slide("title", name, lines=lines, notes=notes, sources="Sources : voir « Sources et méthode »")


# --- map slides -----------------------------------------------------------------------------------------


def map_slide(view: Any, title: str, image: bytes, date: dt.date, warnings: Sequence[str] = ()) -> Slide:
    """A map slide: the image of ``cnrmap export`` (title, legends, sources and date inside), its sources in the
    notes with the view's warnings and notes (and the export's ``warnings``)."""
    notes = ["Sources de la carte :", *(f"- {line}" for line in source_lines(view)), production_line(date) + "."]
    said = dict.fromkeys([*view.warnings, *warnings])
    notes += [f"Attention : {line}" for line in said]
    notes += list(view.notes)
    return Slide(
        "map",
        title,
        subtitle=choices_line(view),
        image=image,
        sources="Sources : sous la carte ; détail dans les notes de la diapositive",
        notes=tuple(notes),
        documents=tuple(view_documents(view)),
    )


# --- the closing slide ------------------------------------------------------------------------------------


def sources_slide(
    view: Any, indicators: Sequence[IndicatorData], documents: Sequence[str], date: dt.date, notes: Sequence[str] = ()
) -> Slide:
    """« Sources et méthode »: the documents cited, the indicators with their vintage and source, boundaries and
    base map, and how the figures are counted.

    Parameters
    ----------
    view : ViewResult
        The deck's overview (its state, filters and map sources).
    indicators : sequence of IndicatorData
        The official indicators of the key-figures slides.
    documents : sequence of str
        Titles of the documents cited in the deck (:func:`document_titles`).
    date : datetime.date
        Production date.
    notes : sequence of str
        What went wrong on the way (an indicator that could not be read), for the notes.
    """
    state = view.state
    listed = [indicator_source(data) for data in indicators]
    known = {data.label for data in indicators}
    others = [line for line in source_lines(view) if not any(line.startswith(label) for label in known)]
    sources = Block(
        "Sources",
        (
            *(f"Document : {title}" for title in documents),
            *listed,
            *others,
        ),
        font_pt=10.0,
    )
    classes = (
        "calculées sur toute la France (cartes comparables)" if state.fixed_breaks else "calculées sur le territoire"
    )
    method = Block(
        "Méthode",
        (
            "Projets : rattachés au département sous lequel le document les classe ; statut : "
            f"le dernier connu au {format_date(state.as_of_date)} (documents, puis statuts enregistrés ensuite).",
            "Propositions : une proposition régionale s'applique à toute la région ; elle n'est pas recomptée "
            "dans chaque département. Une synthèse régionale qui reprend les synthèses départementales n'est pas "
            "additionnée à elles (« sans double compte »).",
            "Chiffres cités par les documents : reproduits tels qu'imprimés, avec leur année, jamais corrigés.",
            "Indicateurs officiels : valeur du territoire, de sa région et de la France dans la table source, "
            "avec son millésime.",
            f"Filtres de toutes les diapositives : {filter_words(view)}. Classes des cartes : {classes}.",
            f"Produit le {format_date(date)} avec cnrmap ; cartes dessinées sans réseau.",
        ),
        font_pt=10.0,
    )
    return Slide(
        "sources",
        "Sources et méthode",
        subtitle=choices_line(view),
        columns=((sources,), (method,)),
        sources="Sources : documents du CNR santé, tables officielles ci-dessus",
        notes=("Sources :", *sources.lines, "Méthode :", *method.lines, *notes),
    )
