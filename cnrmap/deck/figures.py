"""Key-figures slides: official indicators with year and source, the CNR santé counts, the documents' figures.

One slide per department (:func:`department_slide`), per region and for France (:func:`area_slide`). Every number
comes from a definition of the library, never counted here: projects by status at the state's date and
propositions from :mod:`cnrmap.curated.definitions` (``summarize``, ``proposition_scope``, ``proposition_totals``,
``meetings_in``…) over the view's :class:`~cnrmap.carte.selection.Selection` (filters applied once there);
indicator values from their :class:`~cnrmap.indicators.spec.IndicatorData`; the documents' figures from
:func:`cnrmap.carte.documents.figures_about`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pandas as pd

from cnrmap import vocab
from cnrmap.carte.documents import figures_about
from cnrmap.carte.layers import value_decimals
from cnrmap.curated.definitions import (
    Filters,
    as_of_phrase,
    meetings_in,
    project_counts,
    projects_in,
    proposition_scope,
    proposition_totals,
    select_meetings,
    select_propositions,
    summarize,
)
from cnrmap.deck.content import Names, choices_line, document_titles, indicator_source
from cnrmap.deck.model import (
    BODY,
    HEADING_HEIGHT,
    Block,
    Slide,
    Table,
    block_height,
    columns_boxes,
    fit_lines,
    fit_rows,
)
from cnrmap.french import MISSING, capitalize, format_date, format_number, format_value, plural
from cnrmap.indicators.documents import display
from cnrmap.indicators.spec import IndicatorData
from cnrmap.sources.provenance import cite

COLUMN_PT = 11.0
FIGURES_PT = 10.0
CHOSEN = "indicateur des cartes"
INDICATORS_PT = 9.5
BREAKDOWN_WIDTHS = (2.45, 0.7, 1.1, 0.8)  # inches: the widest of the area slide's columns (AREA_COLUMNS)
AREA_COLUMNS = (1.0, 0.75, 1.35)  # projects and meetings, propositions, the breakdown table
CNR_SOURCE = "Projets, propositions et réunions : documents du CNR santé relevés par cnrmap"


# --- official indicators ----------------------------------------------------------------------------------


def _decimals(data: IndicatorData) -> int:
    references = pd.Series(list(data.references.values()), dtype=float)
    return value_decimals(pd.concat([data.values["value"].astype(float), references]))


def _number(data: IndicatorData, value: float | None, decimals: int, unit: bool) -> str:
    text = format_value(value, data.unit if unit else "", decimals)
    if data.diverging and value is not None and value == value and value > 0:
        text = "+" + text
    return text


def _value_of(data: IndicatorData, code: str) -> str:
    """The value of a territory as the map writes it, or why it has none."""
    values = data.values.drop_duplicates("code").set_index("code")["value"]
    value = values.get(code)
    if value is None or pd.isna(value):
        return data.missing_reasons.get(code) or data.missing_default or MISSING
    return _number(data, float(value), _decimals(data), unit=True)


def _reference(data: IndicatorData, key: str | None, unit: bool = False) -> str:
    value = data.references.get(key) if key else None
    return "—" if value is None else _number(data, float(value), _decimals(data), unit)


def _label(data: IndicatorData, chosen: Collection[str]) -> str:
    return f"{data.label}\n{CHOSEN}" if data.id in chosen else data.label


def indicator_table(
    indicators: Sequence[IndicatorData],
    scope: str,
    code: str | None,
    region_code: str | None,
    chosen: Collection[str],
) -> Table:
    """The official indicators of a department (``scope="departement"``), a region or France (``"FR"``).

    A department's row has its value, its region's and France's reference values; a region's row its
    reference value and France's. Every row says its year and its source; the indicators of the deck's maps
    (``chosen``) are marked « indicateur des cartes ».
    """
    numeric = [data for data in indicators if data.kind == "numeric"]
    if scope == "departement":
        columns = ("Indicateur", "Valeur", "Année", "Région", "France", "Source")
        widths = (2.9, 2.0, 1.7, 0.95, 0.95, 3.83)
        rows = [
            (_label(d, chosen), _value_of(d, code or ""), d.year or d.vintage, _reference(d, region_code),
             _reference(d, "FR"), d.source)
            for d in numeric
        ]  # fmt: skip
    elif scope == "region":
        columns = ("Indicateur", "Région", "France", "Année", "Source")
        widths = (3.3, 2.4, 1.1, 1.7, 3.83)
        rows = [
            (_label(d, chosen), _reference(d, region_code, unit=True), _reference(d, "FR"), d.year or d.vintage,
             d.source)
            for d in numeric
        ]  # fmt: skip
    else:
        columns = ("Indicateur", "France", "Année", "Source")
        widths = (4.0, 2.6, 1.6, 4.13)
        rows = [(_label(d, chosen), _reference(d, "FR", unit=True), d.year or d.vintage, d.source) for d in numeric]
    small = (columns.index("Année"), len(columns) - 1)
    return Table(columns, tuple(rows), widths, font_pt=INDICATORS_PT, small=small)


def indicators_block(
    indicators: Sequence[IndicatorData],
    scope: str,
    code: str | None,
    region_code: str | None,
    chosen: Collection[str],
) -> Block:
    """The « Indicateurs officiels » block (a table), or a sentence when none is installed."""
    if not any(data.kind == "numeric" for data in indicators):
        return Block("Indicateurs officiels", ("Aucun indicateur officiel lisible : voir « cnrmap doctor ».",))
    return Block("Indicateurs officiels", table=indicator_table(indicators, scope, code, region_code, chosen))


def indicator_notes(indicators: Sequence[IndicatorData], code: str | None) -> list[str]:
    """Sources of the indicators, and the figures shown beside a value (another table, a document)."""
    lines = ["Indicateurs officiels :"]
    for data in indicators:
        lines.append(f"- {indicator_source(data)}")
        for side in data.alongside.get(code, ()) if code else ():
            lines.append(f"    À côté : {side.label} : {side.display}" + (f" ({side.caveat})" if side.caveat else ""))
        lines += [f"    {note}" for note in data.notes]
    return lines


# --- CNR santé counts ------------------------------------------------------------------------------------


def _themes(filters: Filters) -> list[str]:
    return list(filters.themes or vocab.THEMES)


def status_lines(by_status: Mapping[str, int], filters: Filters) -> list[str]:
    """« Réalisé : 3 » … for every status of the vocabulary (those of the filter only, when there is one)."""
    statuses = filters.statuses or tuple(vocab.STATUSES)
    return [f"{vocab.STATUSES[s]} : {format_number(by_status.get(s, 0), 0)}" for s in statuses]


def projects_block(summary: Any, view: Any, wide_words: str) -> Block:
    """Projects of a :class:`~cnrmap.curated.definitions.Summary` by status, at the view's date."""
    heading = f"Projets ({as_of_phrase(view.state.as_of_date).lower()})"
    if not summary.projects:
        return Block(heading, ("Aucun projet recensé dans les documents",), font_pt=COLUMN_PT)
    first = plural(summary.projects, "projet recensé", "projets recensés") + " dans les documents"
    if summary.department_wide:
        first += f", dont {format_number(summary.department_wide, 0)} {wide_words}"
    return Block(
        heading, (first, " · ".join(status_lines(summary.by_status, view.selection.filters))), font_pt=COLUMN_PT
    )


def _meeting_line(row: Mapping[str, Any]) -> str:
    kind = vocab.MEETING_KINDS.get(str(row.get("kind") or ""), str(row.get("kind") or ""))
    date = format_date(row.get("date")) or "date non précisée"
    return f"{kind}, {row.get('place')}, {date}"


def department_slide(
    view: Any, code: str, names: Names, indicators: Sequence[IndicatorData], chosen: Collection[str]
) -> Slide:
    """The key figures of one department (its view: the filters and date of the deck; ``chosen``: the ids of the
    maps' indicators)."""
    sel, region = view.selection, names.region_of.get(code)
    name = names.department(code)
    summary = summarize(sel.projects, sel.propositions, sel.meetings, sel.filters, [code], [region] if region else [])
    top = indicators_block(indicators, "departement", code, region, chosen)

    scope = proposition_scope(sel.propositions, "departement", code, code, region)
    proposals = [capitalize(line) for line in scope.lines(names.departments, names.regions, "departement")]
    if not scope.documented:
        proposals.append("Aucune proposition recensée dans les documents pour sa région non plus")
    for theme in _themes(sel.filters):
        part = proposition_scope(
            select_propositions(sel.propositions, Filters(themes=(theme,))), "departement", code, code, region
        )
        counts = [f"{format_number(n, 0)} {where}" for n, where in (
            (part.own, "du département"), (part.region[1] if part.region else 0, "régionales")) if n]  # fmt: skip
        if counts:
            proposals.append(f"{vocab.THEME_SHORT[theme]} : {', '.join(counts)}")
    held = meetings_in(sel.meetings, "departement", code)
    meetings = [plural(len(held), "réunion ou atelier tenu", "réunions ou ateliers tenus") if len(held) else
                "Aucune réunion recensée dans les documents"]  # fmt: skip
    details = [_meeting_line(row) for row in held.sort_values("date").to_dict("records")]
    meetings = [f"{meetings[0]} : {details[0]}"] if len(details) == 1 else meetings + details

    groups = figures_about(sel.figures, code, "departement", code, region, names.departments, names.regions)
    rows = [row for group in groups for row in group.rows]
    figure_lines = [figure_text(row) for row in rows]
    columns_top = BODY.top + block_height(top, BODY.width) + 0.12
    boxes = columns_boxes(columns_top, 3)
    height = boxes[0].height - HEADING_HEIGHT - 0.1
    if figure_lines:
        shown, left = fit_lines(figure_lines, boxes[2].width, FIGURES_PT, height - 0.2)
        more = sum(group.more for group in groups) + left
        documents = Block("Chiffres cités par les documents", tuple(shown),
                          footnote=f"… et {more} autre(s) chiffre(s) : voir les notes" if more else "",
                          font_pt=FIGURES_PT)  # fmt: skip
    else:
        documents = Block("Chiffres cités par les documents", ("Aucun chiffre cité pour ce département",),
                          font_pt=FIGURES_PT)  # fmt: skip
    projects = projects_block(summary, view, "à l'échelle du département")
    room = height - block_height(projects, boxes[0].width) - 0.1
    meeting_lines, dropped = fit_lines(meetings, boxes[0].width, COLUMN_PT, room)
    cnr_lines, cut = fit_lines(proposals, boxes[1].width, COLUMN_PT, height)
    columns = (
        (projects, Block("Réunions et ateliers", tuple(meeting_lines), font_pt=COLUMN_PT,
                         footnote=f"… et {dropped} autre(s) : voir les notes" if dropped else "")),
        (Block("Propositions", tuple(cnr_lines), font_pt=COLUMN_PT,
               footnote=f"… et {cut} autre(s) ligne(s) : voir les notes" if cut else ""),),
        (documents,),
    )  # fmt: skip
    notes = [*indicator_notes(indicators, code), CNR_SOURCE + ".", f"{projects.heading} :", *projects.lines]
    notes += ["Propositions :", *proposals, f"Réunions et ateliers : {meetings[0]}"]
    notes += [f"- {_meeting_line(row)} — {cite(str(row.get('source') or ''))}" for row in held.to_dict("records")]
    notes += figure_notes(groups)
    props = sel.propositions
    own = ((props["scope_level"] == "departement") & (props["territory_code"] == code)) | (
        (props["scope_level"] == "region") & (props["territory_code"] == region)
    )
    here, _ = projects_in(sel.projects, "departement", code)
    cited = document_titles([*here["source"], *here.get("status_source", []), *props[own]["source"],
                             *held["source"], *(row["source"] for row in rows)])  # fmt: skip
    footer = "Sources : " + "; ".join(["tables officielles (voir le tableau)", *cited])
    return Slide("figures", f"{name} : chiffres clés", subtitle=choices_line(view), top=top, columns=columns,
                 column_weights=AREA_COLUMNS, sources=footer, notes=tuple(notes), documents=tuple(cited))  # fmt: skip


# --- the documents' figures -------------------------------------------------------------------------------


def figure_text(row: Mapping[str, Any]) -> str:
    """« 20,6 % — population concernée par une ALD (Dordogne, année non précisée) »."""
    label = str(row.get("indicator_label") or vocab.FIGURE_INDICATORS.get(str(row["indicator"]), ""))
    year = str(row.get("year") or "") or "année non précisée"
    return f"{display(float(row['value']), str(row['unit']))} — {label} ({row['territory']}, {year})"


def figure_notes(groups: Sequence[Any]) -> list[str]:
    """Every figure of the groups with its quote and full source, for the notes."""
    if not groups:
        return []
    lines = ["Chiffres cités par les documents :"]
    for group in groups:
        lines.append(f"{group.title} :")
        for row in group.rows:
            lines.append(f"- {figure_text(row)} — « {row['quote']} » — {cite(str(row['source']))}")
            if row.get("remark"):
                lines.append(f"    Remarque : {row['remark']}")
        if group.more:
            lines.append(f"- … et {group.more} autre(s) : page Sources de l'application")
    return lines


# --- a region or France -----------------------------------------------------------------------------------


def _theme_lines(propositions: pd.DataFrame, filters: Filters) -> list[str]:
    lines = []
    for theme in _themes(filters):
        totals = proposition_totals(select_propositions(propositions, Filters(themes=(theme,))))
        if totals.formulated:
            text = f"{vocab.THEME_SHORT[theme]} : {format_number(totals.formulated, 0)}"
            if totals.repeated:
                text += f" ({format_number(totals.distinct, 0)} sans double compte)"
            lines.append(text)
    return lines


def breakdown_table(view: Any, names: Names) -> Table:
    """Projects, meetings and propositions per department (a region) or per region (France)."""
    sel = view.selection
    if view.state.scope == "FR":
        rows = []
        for region in sorted({names.region_of.get(c) for c in sel.departments} - {None}):
            deps = [c for c in sel.departments if names.region_of.get(c) == region]
            part = summarize(sel.projects, sel.propositions, sel.meetings, sel.filters, deps, [region])
            if part.projects or part.meetings or part.propositions.formulated:
                rows.append((names.region(region), format_number(part.projects, 0),
                             format_number(part.propositions.distinct, 0), format_number(part.meetings, 0)))  # fmt: skip
        columns = ("Région", "Projets", "Propositions", "Réunions")
        return Table(columns, tuple(rows), BREAKDOWN_WIDTHS, font_pt=9.0)
    counts = project_counts(sel.projects, "departement")
    rows = []
    for code in sel.departments:
        scope = proposition_scope(sel.propositions, "departement", code, code, names.region_of.get(code))
        rows.append((names.department(code), format_number(int(counts.get(code, 0)), 0),
                     format_number(scope.own, 0), format_number(len(select_meetings(sel.meetings, [code])), 0)))  # fmt: skip
    columns = ("Département", "Projets", "Propositions", "Réunions")
    return Table(columns, tuple(rows), BREAKDOWN_WIDTHS, font_pt=9.0)


def area_slide(view: Any, names: Names, indicators: Sequence[IndicatorData], chosen: Collection[str]) -> Slide:
    """The key figures of a region or of France (its view: the filters and date of the deck)."""
    sel, state = view.selection, view.state
    region = state.territory_code if state.scope == "region" else None
    name = names.territory(state.territory)
    within = None if state.scope == "FR" else list(sel.departments)
    summary = summarize(sel.projects, sel.propositions, sel.meetings, sel.filters, within,
                        None if within is None else list(sel.regions))  # fmt: skip
    top = indicators_block(indicators, "region" if region else "FR", None, region, chosen)
    totals = summary.propositions
    proposals = [capitalize(totals.sentence()) if totals.formulated else "Aucune proposition recensée"]
    proposals += _theme_lines(sel.propositions, sel.filters)
    # The breakdown table gets the widest column: a department's name on one line, every department shown.
    boxes = columns_boxes(BODY.top + block_height(top, BODY.width) + 0.12, 3, weights=AREA_COLUMNS)
    height = boxes[0].height - HEADING_HEIGHT - 0.1
    shown, cut = fit_lines(proposals, boxes[1].width, COLUMN_PT, height)
    middle = Block("Propositions", tuple(shown), font_pt=COLUMN_PT,
                   footnote=f"… et {cut} autre(s) ligne(s) : voir les notes" if cut else "")  # fmt: skip
    breakdown = breakdown_table(view, names)
    table, left_out = fit_rows(breakdown, height - 0.35)
    word = "région" if state.scope == "FR" else "département"
    which = "sans double compte" if state.scope == "FR" else "formulées pour le département lui-même"
    footnote = f"Propositions : {which}." + (f" … et {left_out} autre(s) : voir les notes" if left_out else "")
    right = (
        Block(f"Par {word}", table=table, footnote=footnote) if table.rows else Block(f"Par {word}", ("Aucune donnée",))
    )
    projects = projects_block(summary, view, "à l'échelle d'un département")
    meetings = capitalize(plural(summary.meetings, "réunion ou atelier tenu", "réunions ou ateliers tenus"))
    columns = ((projects, Block("Réunions et ateliers", (meetings,), font_pt=COLUMN_PT)), (middle,), (right,))
    notes = [*indicator_notes(indicators, region), CNR_SOURCE + ".", *projects.lines, *proposals, meetings]
    notes += [f"Par {word} ({', '.join(table.columns[1:])}) :", *(" ; ".join(row) for row in breakdown.rows)]
    cited = document_titles([*sel.projects["source"], *sel.projects.get("status_source", []),
                             *sel.propositions["source"], *sel.meetings["source"]])  # fmt: skip
    notes += ["Documents :", *cited]
    return Slide("figures", f"{name} : chiffres clés", subtitle=choices_line(view), top=top, columns=columns,
                 column_weights=AREA_COLUMNS, sources="Sources : tables officielles (voir le tableau) ; documents du CNR santé (notes)",
                 notes=tuple(notes), documents=tuple(cited))  # fmt: skip
