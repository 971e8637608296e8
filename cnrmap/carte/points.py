"""The CNR points of the map: projects by status and meetings, their popups, and the legend of what is drawn.

:func:`cnr_points` builds the point layers and their legend together, from the projects and meetings the
selection kept (:mod:`cnrmap.carte.selection`): the legend lists exactly what the layers draw.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from cnrmap import vocab
from cnrmap.carte import classify
from cnrmap.curated.definitions import as_of_phrase, remark_of
from cnrmap.french import format_date
from cnrmap.leaflet.choropleth import isna
from cnrmap.leaflet.legend import LegendItem, LegendSpec
from cnrmap.leaflet.points import PointLayer, point_row
from cnrmap.sources.provenance import cite

PROJECTS_LAYER = "Projets du CNR santé"
MEETINGS_LAYER = "Réunions du CNR santé"
WIDE_COLOUR = "#444444"


def _esc(value: object) -> str:
    return "" if value is None or isna(value) else html.escape(str(value), quote=True)


def _text(row: Mapping[str, object], key: str) -> str:
    value = row.get(key)
    return "" if value is None or isna(value) else str(value)


def project_place(row: Mapping[str, object], communes: Mapping[str, str], departments: Mapping[str, str]) -> str:
    """Where a project is, in words: « Digne-les-Bains — Alpes-de-Haute-Provence (04) » or « …, département entier »."""
    dep_code = _text(row, "department_code")
    dep = f"{departments.get(dep_code, dep_code)} ({dep_code})"
    codes = [c.strip() for c in _text(row, "commune_codes").split(";") if c.strip()]
    if row.get("location_precision") == "departement" or not codes:
        return f"{dep}, département entier" if row.get("location_precision") == "departement" else dep
    names = [communes.get(c, c) for c in codes]
    return ", ".join(names[:5]) + (" …" if len(names) > 5 else "") + f" — {dep}"


def project_popup_html(row: Mapping[str, object]) -> str:
    """Popup of a project: title, theme, status and its date, place, summary, remark, source. All escaped."""
    theme = vocab.THEME_SHORT.get(_text(row, "theme"), _text(row, "theme"))
    status = vocab.STATUSES.get(_text(row, "status"), _text(row, "status"))
    date = _text(row, "status_date_label") or format_date(row.get("status_date"))
    place = _text(row, "place") or vocab.LOCATION_PRECISIONS.get(_text(row, "location_precision"), "")
    lines = [
        f"<b>{_esc(row.get('title'))}</b>",
        f"Thème : {_esc(theme)}",
        f"Statut : {_esc(status)}" + (f" ({_esc(date)})" if date else ""),
        f"Lieu : {_esc(place)}",
    ]
    summary = _text(row, "summary")
    if summary:
        text = summary if len(summary) <= 300 else summary[:297] + "…"
        lines.append(f"<span style='color:#444'>{_esc(text)}</span>")
    remark = remark_of(row)
    if remark:
        lines.append(f"<i>{_esc(remark)}</i>")
    lines.append(f"<small>Source : {_esc(cite(_text(row, 'source')))}</small>")
    return "<br>".join(lines)


def meeting_popup_html(row: Mapping[str, object]) -> str:
    """Popup of a meeting: kind, place, French date, source. All escaped."""
    kind = vocab.MEETING_KINDS.get(_text(row, "kind"), _text(row, "kind"))
    date = format_date(row.get("date"))
    lines = [
        f"<b>{_esc(kind)}</b>",
        f"Lieu : {_esc(row.get('place'))}",
        f"Date : {_esc(date) if date else 'non précisée'}",
        f"<small>Source : {_esc(cite(_text(row, 'source')))}</small>",
    ]
    return "<br>".join(lines)


def _dark(colour: str) -> str:
    return WIDE_COLOUR if colour.lower() == "#ffffff" else colour


def _project_style(status: str, wide: bool) -> dict:
    colour = classify.STATUS_COLOURS.get(status, "#ffffff")
    if wide:
        return {"radius": 13, "color": _dark(colour), "weight": 2, "dashArray": "5 4", "fill": True,
                "fillColor": colour, "fillOpacity": 0.25}  # fmt: skip
    return {"radius": 7, "color": "#222222", "weight": 1.5, "fill": True, "fillColor": colour, "fillOpacity": 0.95}


def _project_layer(projects: pd.DataFrame, communes: Mapping[str, str], departments: Mapping[str, str]) -> PointLayer:
    located = projects.dropna(subset=["lat", "lon"])
    wide = located["location_precision"].eq("departement")
    rows, styles = [], {}
    # Department-wide projects first, so that precise points are drawn on top.
    for i, row in enumerate(pd.concat([located[wide], located[~wide]]).to_dict("records")):
        key = f"p{i}"
        row["place"] = project_place(row, communes, departments)
        styles[key] = _project_style(str(row["status"]), row["location_precision"] == "departement")
        rows.append(point_row(key, row, project_popup_html(row), _esc(row.get("title"))))
    return PointLayer(PROJECTS_LAYER, rows, styles)


def _meeting_layer(meetings: pd.DataFrame) -> PointLayer:
    style = {"radius": 4, "color": "#ffffff", "weight": 1.5, "fill": True, "fillColor": classify.MEETING_COLOUR,
             "fillOpacity": 1}  # fmt: skip
    rows, styles = [], {}
    for i, row in enumerate(meetings.dropna(subset=["lat", "lon"]).to_dict("records")):
        key = f"m{i}"
        styles[key] = style
        rows.append(point_row(key, row, meeting_popup_html(row), _esc(row.get("place"))))
    return PointLayer(MEETINGS_LAYER, rows, styles)


@dataclass(frozen=True)
class CnrPoints:
    """The point layers drawn and their legend (``None`` when nothing is drawn)."""

    layers: tuple[PointLayer, ...]
    legend: LegendSpec | None


def cnr_points(
    projects: pd.DataFrame | None,
    meetings: pd.DataFrame | None,
    communes: Mapping[str, str],
    departments: Mapping[str, str],
    as_of: dt.date | None = None,
) -> CnrPoints:
    """Point layers of the projects and meetings given (``None``: layer not shown), and their legend.

    ``communes`` and ``departments`` map codes to names (for the projects' places); ``as_of``, the day the
    projects' statuses are read at, is stated in the legend's title.
    """
    layers: list[PointLayer] = []
    items: list[LegendItem] = []
    if projects is not None and len(projects):
        layers.append(_project_layer(projects, communes, departments))
        for status, label in vocab.STATUSES.items():
            if (projects["status"] == status).any():
                items.append(LegendItem(f"Projet : {label.lower()}", classify.STATUS_COLOURS[status], "point"))
        if (projects["location_precision"] == "departement").any():
            items.append(LegendItem("Projet à l'échelle du département", WIDE_COLOUR, "point_wide"))
    if meetings is not None and len(meetings):
        layers.append(_meeting_layer(meetings))
        items.append(LegendItem("Réunion du CNR santé", classify.MEETING_COLOUR, "point_small"))
    title = "CNR santé 2022-2023"
    if as_of is not None and projects is not None and len(projects):
        # The projects' date as the title: no wider than the legend's rows (it must not hide more of the map).
        title = as_of_phrase(as_of)
    legend = LegendSpec(title=title, items=tuple(items)) if items else None
    return CnrPoints(tuple(layers), legend)
