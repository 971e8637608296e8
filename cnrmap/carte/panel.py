"""What a click shows: the territory's indicators, projects, propositions and meetings, beside the map.

:func:`click_to_code` reads ``st_folium``'s return value (a pure function: AppTest cannot click),
:func:`territory_detail` gathers the facts from the view (its table and its :class:`Selection`, so the
panel counts what the map draws) and :func:`detail_markdown` words them in French.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from cnrmap import vocab
from cnrmap.carte.compose import ViewResult
from cnrmap.carte.documents import figures_about, figures_markdown
from cnrmap.carte.points import remark_of
from cnrmap.curated.definitions import as_of_phrase, meetings_in, projects_in, proposition_scope
from cnrmap.french import capitalize, format_date, format_number, plural
from cnrmap.geo.codes import department_of_commune
from cnrmap.leaflet.choropleth import isna
from cnrmap.sources.provenance import cite

CODE_RE = re.compile(r"^(?:\d{2}|2A|2B|97\d|\d[0-9AB]\d{3})$")
LEVEL_WORDS = {"departement": "Département", "commune": "Commune"}
MAX_PROPOSALS = 5


def click_to_code(returned: Mapping[str, Any] | None) -> str | None:
    """The territory code clicked on the map, from what ``st_folium`` returns, or ``None``.

    Reads ``last_active_drawing.properties.code`` (every polygon feature carries ``code``); clicks on points
    or outside the polygons give ``None``.
    """
    if not returned:
        return None
    drawing = returned.get("last_active_drawing")
    props = drawing.get("properties") if isinstance(drawing, Mapping) else None
    code = props.get("code") if isinstance(props, Mapping) else None
    return code if isinstance(code, str) and CODE_RE.match(code) else None


def _records(frame: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]]:
    cols = [c for c in columns if c in frame.columns]
    return [{k: (None if isna(v) else v) for k, v in rec.items()} for rec in frame[cols].to_dict("records")]


def _projects(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = ["id", "title", "theme", "status", "status_date", "status_date_label", "location_precision", "source",
               "summary", "notes"]  # fmt: skip
    out = _records(frame, columns)
    for rec in out:
        rec["theme_label"] = vocab.THEME_SHORT.get(rec.get("theme") or "", rec.get("theme"))
        rec["status_label"] = vocab.STATUSES.get(rec.get("status") or "", rec.get("status"))
        rec["remark"] = remark_of(rec)
    return out


def _indicator_entry(view: ViewResult, row: pd.Series, region_code: str | None) -> dict[str, Any]:
    ind = view.indicator
    return {
        "id": ind.id,
        "label": ind.label,
        "value": None if isna(row["value"]) else row["value"],
        "display": row["value_label"],
        "unit": ind.unit,
        "vintage": ind.vintage,
        "source": ind.source,
        "rank": None if isna(row["rank"]) else int(row["rank"]),
        "of": int(view.table["value"].notna().sum()) if ind.kind == "numeric" else None,
        "region_reference": ind.references.get(region_code) if region_code else None,
        "france_reference": ind.references.get("FR"),
        "year": ind.year,
        "alongside": list(ind.alongside.get(row["code"], ())),
    }


def _overlay_entry(view: ViewResult, code: str) -> dict[str, Any] | None:
    overlay = view.overlay
    if overlay is None or overlay.level != view.state.level:
        return None
    value = overlay.values.drop_duplicates("code").set_index("code")["value"].get(code)
    if value is None or isna(value):
        return None
    label = capitalize(overlay.categories.get(value, str(value)))
    return {"id": overlay.id, "label": overlay.label, "value": value, "display": label, "rank": None, "of": None,
            "region_reference": None, "france_reference": None}  # fmt: skip


def territory_detail(
    code: str, view: ViewResult, departments: Mapping[str, str], regions: Mapping[str, str]
) -> dict[str, Any]:
    """What the panel shows for one territory of the view (``{}`` if it is not on the map).

    Parameters
    ----------
    code : str
        Department or commune code (from :func:`click_to_code`, or a searched place).
    view : ViewResult
        The view clicked: its table gives the values and ranks, its selection the CNR rows (filters applied).
    departments, regions : mapping
        Code → name of departments, of regions (for the wording of propositions; their codes overlap).

    Returns
    -------
    dict
        ``code``, ``name``, ``level``, ``department_code``, ``region_code``, ``indicators``, ``projects``
        (in the territory), ``department_projects`` (department-wide, commune level), ``propositions``
        (lines of :meth:`~cnrmap.curated.definitions.PropositionScope.lines`, and the texts by theme),
        ``meetings``, ``filters`` (French phrases), ``documents`` (the documents' figures about the territory and
        its parents: :func:`cnrmap.carte.documents.figures_about`); each indicator lists the figures shown
        ``alongside`` its value (the department table, a document's figure) with the difference.
    """
    level, table = view.state.level, view.table
    row = table[table["code"] == code]
    if row.empty:
        return {}
    r = row.iloc[0]
    region_code = r.get("region_code")
    department_code = code if level == "departement" else department_of_commune(code)
    indicators = [_indicator_entry(view, r, region_code)]
    overlay = _overlay_entry(view, code)
    if overlay:
        indicators.append(overlay)
    selection = view.selection
    here, wide = projects_in(selection.projects, level, code, department_code)
    props = selection.propositions
    scope = proposition_scope(props, level, code, department_code, region_code)
    texts: dict[str, dict[str, list[str]]] = {}
    for key, rows in (
        ("departement", props[(props["scope_level"] == "departement") & (props["territory_code"] == department_code)]),
        ("region", props[(props["scope_level"] == "region") & (props["territory_code"] == region_code)]),
    ):
        texts[key] = {vocab.THEME_SHORT.get(t, t): [str(x) for x in part["text"]] for t, part in rows.groupby("theme")}
    return {
        "code": code,
        "name": r["name"],
        "level": level,
        "department_code": department_code,
        "region_code": region_code,
        "indicators": indicators,
        "projects": _projects(here),
        "department_projects": _projects(wide),
        "propositions": scope.lines(departments, regions, level),
        "proposition_texts": texts,
        "meetings": _records(meetings_in(selection.meetings, level, code), ["kind", "place", "date", "source"]),
        "filters": selection.filters.describe(),
        "as_of": as_of_phrase(view.state.as_of_date),
        "documents": figures_about(
            selection.figures, code, level, department_code, region_code, departments, regions,
            arrondissement=selection.arrondissement_of.get(code),
        ),
    }  # fmt: skip


def _md(text: object) -> str:
    """Neutralise Markdown syntax in data text (titles, proposals) so it shows as written."""
    out = str(text)
    for ch in "\\`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out


def _indicator_line(ind: Mapping[str, Any]) -> str:
    line = f"- **{_md(ind['label'])}** : {_md(ind['display'] or 'Donnée manquante')}"
    if ind.get("rank") and ind.get("of"):
        line += f" — {ind['rank']}{'er' if ind['rank'] == 1 else 'e'} sur {ind['of']}"
    refs = []
    if ind.get("region_reference") is not None:
        refs.append(f"région {format_number(ind['region_reference'])}")
    if ind.get("france_reference") is not None:
        refs.append(f"France {format_number(ind['france_reference'])}")
    line += f" (référence : {', '.join(refs)})" if refs else ""
    lines = [line]
    for side in ind.get("alongside") or ():
        difference = (
            ""
            if side.difference is None
            else f", écart {'+' if side.difference > 0 else ''}" + (f"{format_number(side.difference, 2)}")
        )
        caveat = f" ; {side.caveat}" if side.caveat else ""
        lines.append(f"    - À côté : {_md(side.label)} : {_md(side.display)}{difference}{_md(caveat)}")
    return "\n".join(lines)


def _project_line(p: Mapping[str, Any]) -> list[str]:
    date = p.get("status_date_label") or format_date(p.get("status_date"))
    wide = " — à l'échelle du département" if p.get("location_precision") == "departement" else ""
    status = _md(p["status_label"]) + (f", {date}" if date else "")
    lines = [f"- {_md(capitalize(str(p['title'])))} *({_md(p['theme_label'])} ; {status}{wide})*"]
    if p.get("remark"):
        lines.append(f"    - *{_md(p['remark'])}*")
    lines.append(f"    - Source : {_md(cite(p.get('source') or ''))}")
    return lines


def detail_markdown(detail: Mapping[str, Any]) -> str:
    """The panel as Markdown (Streamlit escapes any HTML in it)."""
    if not detail:
        return "Cliquez sur un territoire de la carte pour voir ses indicateurs, ses projets et ses propositions."
    lines = [f"### {_md(detail['name'])} ({detail['code']})", f"*{LEVEL_WORDS.get(detail['level'], '')}*", ""]
    if detail.get("filters"):
        lines += [f"*Filtres : {_md(' ; '.join(detail['filters']))}*", ""]
    lines += [_indicator_line(ind) for ind in detail["indicators"]]
    lines += figures_markdown(detail.get("documents") or [])
    projects = detail["projects"] + detail.get("department_projects", [])
    as_of = f" ({detail['as_of'][:1].lower()}{detail['as_of'][1:]})" if detail.get("as_of") else ""
    lines += ["", f"**Projets du CNR santé**{as_of} : {len(projects) or 'aucun recensé dans les documents'}"]
    for p in projects:
        lines += _project_line(p)
    lines += ["", "**Propositions**"]
    lines += [f"- {_md(capitalize(text))}" for text in detail["propositions"]] or ["- Aucune documentée"]
    for scope, label in (("departement", "Du département"), ("region", "De la région")):
        for theme, texts in (detail.get("proposition_texts", {}).get(scope) or {}).items():
            lines.append(f"- {label}, *{_md(theme)}* : {plural(len(texts), 'proposition')}")
            lines += [f"    - {_md(capitalize(t))}" for t in texts[:MAX_PROPOSALS]]
            if len(texts) > MAX_PROPOSALS:
                lines.append(f"    - … et {len(texts) - MAX_PROPOSALS} autre(s) (page Propositions)")
    meetings = detail.get("meetings") or []
    if meetings:
        lines += ["", f"**Réunions et ateliers** : {len(meetings)}"]
        for m in meetings:
            date = format_date(m.get("date")) or "date non précisée"
            kind = vocab.MEETING_KINDS.get(m.get("kind") or "", m.get("kind"))
            lines.append(f"- {_md(kind)}, {_md(m.get('place'))}, {_md(date)}")
    return "\n".join(lines)
