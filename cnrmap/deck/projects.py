"""A department's projects as native tables (title, place, status with its date, source document), continued over
as many slides as needed — or one honest slide when the documents cite none.

The projects are the view's (:attr:`cnrmap.carte.selection.Selection.projects`: filters applied, statuses read at
the state's date by :func:`cnrmap.curated.definitions.statuses_as_of`); their place is
:func:`cnrmap.carte.points.project_place`, their source :func:`cnrmap.sources.provenance.cite` (titles on the
slide, lines and files in the notes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cnrmap import vocab
from cnrmap.carte.points import project_place
from cnrmap.curated.definitions import NO_FILTER, as_of_phrase, projects_in, remark_of, select_projects
from cnrmap.deck.content import Names, choices_line, document_titles, filter_words
from cnrmap.deck.model import BODY, Slide, Table, row_height
from cnrmap.french import capitalize, format_date, plural
from cnrmap.sources.provenance import cite

COLUMNS = ("Projet", "Lieu", "Statut", "Source")
WIDTHS = (4.75, 2.55, 1.85, 3.28)
FONT_PT = 10.0
NO_PROJECT = "Aucun projet recensé dans les documents"
SUMMARY_CHARS = 300


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None or value != value else str(value)


def status_text(row: Mapping[str, Any]) -> str:
    """« Réalisé, 8 novembre 2023 »: the status at the view's date and the date the document or person gave."""
    label = vocab.STATUSES.get(_text(row, "status"), _text(row, "status"))
    date = _text(row, "status_date_label") or format_date(row.get("status_date"))
    return f"{label}, {date}" if date else label


def source_text(row: Mapping[str, Any], detail: bool = False) -> str:
    """The project's document, and the status's when another one gives it."""
    text = cite(_text(row, "source"), detail=detail)
    status = _text(row, "status_source")
    if status and status != _text(row, "source"):
        text += f" ; statut : {cite(status, detail=detail)}"
    return text


def project_row(row: Mapping[str, Any], names: Names) -> tuple[str, str, str, str]:
    """One row of the table; the curators' remark goes under the title (every view of a row shows it)."""
    title = capitalize(_text(row, "title"))
    remark = remark_of(row)
    return (
        f"{title}\n{remark}" if remark else title,
        project_place(row, names.communes, names.departments),
        status_text(row),
        source_text(row),
    )


def project_notes(row: Mapping[str, Any], names: Names) -> list[str]:
    """A project in the notes: title, theme, place, status with its source, summary, remark, document."""
    theme = vocab.THEME_SHORT.get(_text(row, "theme"), _text(row, "theme"))
    lines = [f"- {capitalize(_text(row, 'title'))} ({theme} ; {project_place(row, names.communes, names.departments)})"]
    lines.append(f"    Statut : {status_text(row)}" + (f" — {cite(_text(row, 'status_source'))}"
                                                      if _text(row, "status_source") else ""))  # fmt: skip
    summary = _text(row, "summary")
    if summary:
        lines.append("    " + (summary if len(summary) <= SUMMARY_CHARS else summary[: SUMMARY_CHARS - 1] + "…"))
    if remark_of(row):
        lines.append(f"    {remark_of(row)}")
    lines.append(f"    Source : {cite(_text(row, 'source'))}")
    return lines


def paginate(rows: Sequence[tuple[str, ...]], height: float = BODY.height) -> list[list[tuple[str, ...]]]:
    """Rows split into pages whose table (heading row repeated) fits in ``height`` inches; a row never splits."""
    spec = Table(COLUMNS, (), WIDTHS, FONT_PT, small=(3,))
    pages: list[list[tuple[str, ...]]] = []
    current: list[tuple[str, ...]] = []
    used = row_height(COLUMNS, spec)
    for row in rows:
        height_of = row_height(row, spec)
        if current and used + height_of > height:
            pages.append(current)
            current, used = [], row_height(COLUMNS, spec)
        current.append(row)
        used += height_of
    if current:
        pages.append(current)
    return pages


def project_slides(view: Any, code: str, names: Names) -> list[Slide]:
    """The projects of department ``code`` in ``view`` (its filters and date), as table slides.

    Returns
    -------
    list of Slide
        ``projects`` slides, titled « … (2/3) » when continued; or one ``message`` slide « Aucun projet recensé
        dans les documents » (saying how many the documents cite without the filters, when the filters hide some).
    """
    sel = view.selection
    name = names.department(code)
    here, _ = projects_in(sel.projects, "departement", code)
    here = here.sort_values("id", kind="stable")
    title = f"{name} : projets du CNR santé"
    subtitle = choices_line(view)
    if here.empty:
        lines = [NO_PROJECT, f"pour {name}"]
        if not sel.filters.all and sel.dated_projects is not None:
            everything = select_projects(sel.dated_projects, NO_FILTER, [code])
            if len(everything):
                lines.append(
                    f"{plural(len(everything), 'projet recensé', 'projets recensés')} sans les filtres "
                    f"({filter_words(view)})"
                )
        notes = (
            f"{NO_PROJECT} pour {name} ({filter_words(view)} ; {as_of_phrase(view.state.as_of_date).lower()}).",
            "Documents rassemblés par cnrmap : voir la diapositive « Sources et méthode ».",
        )
        return [Slide("message", title, subtitle=subtitle, lines=tuple(lines), notes=notes,
                      sources="Sources : documents du CNR santé relevés par cnrmap")]  # fmt: skip
    records = here.to_dict("records")
    rows = [project_row(row, names) for row in records]
    pages = paginate(rows)
    slides, start = [], 0
    for i, page in enumerate(pages, start=1):
        chunk = records[start : start + len(page)]
        start += len(page)
        cited = document_titles([*(r.get("source") for r in chunk), *(r.get("status_source") for r in chunk)])
        notes = [f"Projets — {name}, {as_of_phrase(view.state.as_of_date).lower()} ({filter_words(view)}) :"]
        for row in chunk:
            notes += project_notes(row, names)
        slides.append(
            Slide(
                "projects",
                title + (f" ({i}/{len(pages)})" if len(pages) > 1 else ""),
                subtitle=subtitle,
                table=Table(COLUMNS, tuple(page), WIDTHS, FONT_PT, small=(3,)),
                sources="Sources : " + "; ".join(cited),
                notes=tuple(notes),
                documents=tuple(cited),
            )
        )
    return slides
