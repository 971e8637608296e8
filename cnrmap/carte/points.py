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
from cnrmap.french import format_date, plural
from cnrmap.leaflet.choropleth import isna
from cnrmap.leaflet.legend import LegendItem, LegendSpec
from cnrmap.leaflet.points import PointLayer, donut_svg, point_row
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


POINT_STYLE = {"radius": 7, "color": "#222222", "weight": 1.5, "fill": True, "fillOpacity": 0.95}
WIDE_SIZE, GROUP_SIZE = 32, 24


def status_parts(projects: pd.DataFrame) -> list[tuple[str, int]]:
    """``(colour, count)`` of each status among ``projects``, in the order of :data:`cnrmap.vocab.STATUSES`."""
    counts = projects["status"].value_counts()
    return [(classify.STATUS_COLOURS[s], int(counts.get(s, 0))) for s in vocab.STATUSES]


def _group_popup(title: str, rows: list[dict]) -> str:
    head = f"<b>{_esc(title)}</b><br><small>{_esc(plural(len(rows), 'projet'))}</small>"
    return head + "".join(f"<hr style='margin:5px 0'>{project_popup_html(r)}" for r in rows)


def _project_layer(
    projects: pd.DataFrame,
    communes: Mapping[str, str],
    departments: Mapping[str, str],
    department_points: Mapping[str, tuple[float, float]],
) -> tuple[PointLayer, list[tuple[float, float, int]]]:
    """One symbol per department for its department-wide projects, one per place for the others."""
    located = projects.dropna(subset=["lat", "lon"])
    wide = located["location_precision"].eq("departement")
    rows, styles, icons, marks = [], {}, {}, []
    for i, (dep, group) in enumerate(located[wide].groupby("department_code", sort=True)):
        records = [r | {"place": project_place(r, communes, departments)} for r in group.to_dict("records")]
        lon, lat = department_points.get(str(dep), (float(group["lon"].mean()), float(group["lat"].mean())))
        name = f"{departments.get(str(dep), dep)} ({dep})"
        key = f"d{i}"
        icons[key] = (donut_svg(status_parts(group), WIDE_SIZE, dashed=True), WIDE_SIZE)
        tip = f"{_esc(name)} : {_esc(plural(len(group), 'projet'))} à l'échelle du département"
        popup = _group_popup(f"Projets à l'échelle du département — {name}", records)
        rows.append(point_row(key, {"lat": lat, "lon": lon}, popup, tip) | {"ids": [r["id"] for r in records]})
        marks.append((lon, lat, WIDE_SIZE))
    for i, group_records in enumerate(_records_by_place(located[~wide])):
        records = [r | {"place": project_place(r, communes, departments)} for r in group_records]
        lat, lon = records[0]["lat"], records[0]["lon"]
        group = pd.DataFrame({"status": [r["status"] for r in records]})
        key = f"p{i}"
        if len(records) == 1:
            styles[key] = POINT_STYLE | {"fillColor": classify.STATUS_COLOURS.get(str(records[0]["status"]), "#ffffff")}
            row = point_row(key, records[0], project_popup_html(records[0]), _esc(records[0].get("title")))
            rows.append(row | {"ids": [records[0]["id"]]})
            continue
        icons[key] = (donut_svg(status_parts(group), GROUP_SIZE), GROUP_SIZE)
        place = records[0]["place"]
        row = point_row(key, records[0], _group_popup(place, records), _esc(f"{place} : {len(records)} projets"))
        rows.append(row | {"ids": [r["id"] for r in records]})
        marks.append((float(lon), float(lat), GROUP_SIZE))
    return PointLayer(PROJECTS_LAYER, rows, styles, icons), marks


def _records_by_place(frame: pd.DataFrame) -> list[list[dict]]:
    """The located rows as dicts, grouped by place (``lat``, ``lon``) in the order of the places, rows in their order.

    One conversion of the whole frame: per-group ``to_dict`` cost about a tenth of a second for France's meetings.
    """
    located = frame.dropna(subset=["lat", "lon"])
    groups: dict[tuple[float, float], list[dict]] = {}
    for record in located.to_dict("records"):
        groups.setdefault((record["lat"], record["lon"]), []).append(record)
    return [groups[place] for place in sorted(groups)]


def _meeting_layer(meetings: pd.DataFrame) -> tuple[PointLayer, list[tuple[float, float, int]]]:
    """One dot per place: the popup lists the meetings held there."""
    style = {"radius": 4, "color": "#ffffff", "weight": 1.5, "fill": True, "fillColor": classify.MEETING_COLOUR,
             "fillOpacity": 1}  # fmt: skip
    rows, styles, marks = [], {}, []
    for i, records in enumerate(_records_by_place(meetings)):
        key = f"m{i}"
        styles[key] = style
        popup = "<hr style='margin:5px 0'>".join(meeting_popup_html(r) for r in records)
        tip = _esc(records[0].get("place")) + (f" ({len(records)} réunions)" if len(records) > 1 else "")
        rows.append(point_row(key, records[0], popup, tip))
    return PointLayer(MEETINGS_LAYER, rows, styles), marks


@dataclass(frozen=True)
class CnrPoints:
    """The point layers drawn and their legend (``None`` when nothing is drawn)."""

    layers: tuple[PointLayer, ...]
    legend: LegendSpec | None
    # Count symbols (drawn above the names) that names must avoid: ``(lon, lat, size in pixels)``. Single
    # points are drawn below the names, which let clicks through.
    marks: tuple[tuple[float, float, int], ...] = ()


def cnr_points(
    projects: pd.DataFrame | None,
    meetings: pd.DataFrame | None,
    communes: Mapping[str, str],
    departments: Mapping[str, str],
    as_of: dt.date | None = None,
    department_points: Mapping[str, tuple[float, float]] | None = None,
    notes: tuple[str, ...] = (),
) -> CnrPoints:
    """Point layers of the projects and meetings given (``None``: layer not shown), and their legend.

    ``communes`` and ``departments`` map codes to names (for the projects' places); ``as_of``, the day the
    projects' statuses are read at, is stated in the legend's title; ``department_points`` gives where each
    department's symbol of department-wide projects goes (``(lon, lat)``, default: the projects' own point);
    ``notes`` end the legend (the filters in force).
    """
    layers: list[PointLayer] = []
    items: list[LegendItem] = []
    marks: list[tuple[float, float, int]] = []
    if projects is not None and len(projects):
        layer, project_marks = _project_layer(projects, communes, departments, department_points or {})
        layers.append(layer)
        marks += project_marks
        for status, label in vocab.STATUSES.items():
            if (projects["status"] == status).any():
                items.append(LegendItem(f"Projet : {label.lower()}", classify.STATUS_COLOURS[status], "point"))
        if any(key.startswith("p") for key in layer.icons):
            items.append(LegendItem("Plusieurs projets au même lieu (nombre, par statut)", "#222222", "group"))
        if (projects["location_precision"] == "departement").any():
            items.append(LegendItem("Projets à l'échelle du département (nombre, par statut)", WIDE_COLOUR, "wide"))
    if meetings is not None and len(meetings):
        layer, meeting_marks = _meeting_layer(meetings)
        layers.append(layer)
        marks += meeting_marks
        items.append(LegendItem("Réunion du CNR santé", classify.MEETING_COLOUR, "point_small"))
    title = "CNR santé 2022-2023"
    if as_of is not None and projects is not None and len(projects):
        # The projects' date as the title: no wider than the legend's rows.
        title = as_of_phrase(as_of)
    legend = LegendSpec(title=title, items=tuple(items), notes=notes) if items else None
    return CnrPoints(tuple(layers), legend, tuple(marks))
