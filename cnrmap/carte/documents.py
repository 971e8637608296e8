"""The documents' figures where a user looks: labelled outlines on the map, « Ce que disent les documents » in the panel.

:func:`add_marks` draws the figures about arrondissements and (lists of) communes that a documents layer carries
(:class:`cnrmap.indicators.documents.Mark`) as dashed outlines with their label, over a view already composed.
:func:`figures_about` gathers, for a clicked territory, the figures about it and about the territories that hold
it (commune → its arrondissement, department, region, France; department → region, France), and
:func:`figures_markdown` words them: figure, year, quote, source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from cnrmap import memory, vocab
from cnrmap.config import Settings
from cnrmap.errors import DataError
from cnrmap.french import plural
from cnrmap.indicators.documents import Mark, display
from cnrmap.leaflet.legend import LegendItem, LegendSpec
from cnrmap.leaflet.outlines import MARK_COLOUR, labelled_outlines
from cnrmap.leaflet.raw import add_before_layer_control
from cnrmap.memo import Memo, estimate_bytes
from cnrmap.sources.provenance import cite

MARKS_LAYER = "Territoires plus petits nommés par les documents"
MAX_PER_GROUP = 8


# Commune → arrondissement mappings by COG and departments: every rerun of a commune map asks again (20 ms for France).
# An entry holds its COG, so that the COG's identity in the key cannot be reused by another object.
_ARRONDISSEMENTS: Memo[tuple[object, dict[str, str]]] = Memo(
    8, "arrondissements", budget=memory.ARRONDISSEMENTS_BUDGET, weigh=lambda entry: estimate_bytes(entry[1])
)


def arrondissements_of(settings: Settings, departments: Sequence[str]) -> dict[str, str]:
    """Commune → arrondissement code for ``departments`` from the COG, or ``{}`` when the COG is not installed.

    Remembered: callers must not modify the mapping.
    """
    from cnrmap.geo.boundaries import load_cog

    try:
        cog = load_cog(settings)
    except DataError:
        return {}
    wanted = frozenset(departments)

    def compute() -> tuple[object, dict[str, str]]:
        return cog, {c: a for c, a in cog.arrondissement_of.items() if cog.communes[c][1] in wanted}

    return _ARRONDISSEMENTS.get_or_compute((id(cog), wanted), compute)[1]


def mark_shapes(
    marks: Sequence[Mark], communes: gpd.GeoDataFrame, arrondissement_of: Mapping[str, str]
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The outline of each mark (union of the shapes of its communes) and the labels of those that cannot be drawn.

    ``communes`` has ``code`` and ``geometry`` (COG 2026 codes); ``arrondissement_of`` maps communes to their
    arrondissement (for arrondissement marks).
    """
    geometry = dict(zip(communes["code"], communes.geometry, strict=True))
    rows, missing = [], []
    for mark in marks:
        if mark.level == "arrondissement":
            codes = [c for c, a in arrondissement_of.items() if a in mark.codes]
        else:
            codes = list(mark.codes)
        parts = [geometry[c] for c in codes if c in geometry and geometry[c] is not None]
        if not parts:
            missing.append(mark.label)
            continue
        try:
            shape = shapely.coverage_union_all(parts)
        except shapely.errors.GEOSException:
            shape = shapely.union_all(parts)
        rows.append({"label": mark.label, "popup": "\n".join(mark.detail), "geometry": shape})
    frame = gpd.GeoDataFrame(
        rows or None, columns=["label", "popup", "geometry"], geometry="geometry", crs=communes.crs
    )
    return frame, missing


def marks_legend(drawn: int, missing: Sequence[str], note: str = "", permanent: bool = True) -> LegendSpec:
    where = "étiquette sur la carte" if permanent else "étiquette au survol"
    notes = [f"Chiffre cité ({where}) ; citations au clic sur le contour ({plural(drawn, 'territoire')})"]
    if missing:
        notes.append(f"Non dessinés (contours ou COG non installés) : {'; '.join(missing[:4])}")
    if note:
        notes.append(note)
    items = (LegendItem("Arrondissement, commune(s) nommés par un document", MARK_COLOUR, "outline"),)
    return LegendSpec(title=MARKS_LAYER, items=items, notes=tuple(notes))


def add_marks(view, marks: Sequence[Mark], settings: Settings, communes: gpd.GeoDataFrame | None, scale: str) -> None:
    """Draw ``marks`` over ``view`` (a :class:`cnrmap.carte.compose.ViewResult`): outlines, legend and notes.

    The commune shapes of the marks' departments are loaded when the view has none (department level); when they
    are not installed the legend says so and what to run.
    """
    if not marks:
        return
    from cnrmap.geo import shapes

    departments = sorted({m.department for m in marks})
    note = ""
    if communes is None or not set(departments) <= set(communes["department_code"]):
        try:
            communes = shapes.communes_for_scale(settings, departments, scale)[0].gdf
        except DataError:
            communes = None
            note = f"Pour les dessiner : cnrmap fetch --departments {','.join(departments)}"
    if communes is None:
        drawn, missing = (
            gpd.GeoDataFrame(columns=["label", "popup", "geometry"], geometry="geometry"),
            [m.label for m in marks],
        )
    else:
        drawn, missing = mark_shapes(marks, communes, arrondissements_of(settings, departments))
    if len(drawn):
        # Written on the map for a region or a department; on hover over France (labels would cover each other).
        permanent = view.state.scope != "FR"
        add_before_layer_control(view.map, labelled_outlines(drawn, MARKS_LAYER, permanent=permanent))
    view.legends.append(marks_legend(len(drawn), missing, note, permanent=view.state.scope != "FR"))
    if missing:
        view.warnings.append(
            f"{plural(len(missing), 'chiffre')} des documents non dessiné(s) : {'; '.join(missing[:4])}."
        )


# --- The panel --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureGroup:
    """Figures about one territory (``title``: « Arrondissement 241 », « Dordogne (24) », « France »)."""

    title: str
    rows: tuple[dict, ...]
    more: int = 0
    indicators: frozenset[str] = frozenset()  # of every figure of the group, shown or not


_SAME = ["territory_level", "territory_codes", "territory", "indicator", "value", "unit", "year"]


def _rows(frame: pd.DataFrame) -> tuple[dict, ...]:
    """One row per distinct figure (same territory, indicator, value, unit, year): the first printed, with the
    other places it is printed in ``repeats`` (id and source)."""
    out: dict[tuple, dict] = {}
    for row in frame.sort_values("id").to_dict("records"):
        key = tuple(row[c] for c in _SAME)
        if key in out:
            out[key]["repeats"].append((row["id"], row["source"]))
        else:
            out[key] = {**row, "repeats": []}
    return tuple(out.values())


def _group(title: str, frame: pd.DataFrame, limit: int = MAX_PER_GROUP) -> FigureGroup | None:
    if frame.empty:
        return None
    rows = _rows(frame)
    return FigureGroup(title, rows[:limit], max(len(rows) - limit, 0), frozenset(frame["indicator"]))


def figures_about(
    figures: pd.DataFrame,
    code: str,
    level: str,
    department_code: str,
    region_code: str | None,
    departments: Mapping[str, str],
    regions: Mapping[str, str],
    arrondissement: str | None = None,
) -> list[FigureGroup]:
    """The documents' figures about a territory and the territories that hold it.

    A commune gets its own figures (alone or in a list of communes), its arrondissement's (when known), its
    department's, then the others of its department (EPCI, workshop areas: they may or may not include it, said
    in the title). A department gets its own, then those of its smaller territories. Both end with the region's and
    France's figures *for the indicators already listed* (the comparisons the documents make).
    """
    if figures is None or figures.empty:
        return []
    codes = figures["territory_codes"].str.split(";")
    level_of = figures["territory_level"]
    groups: list[FigureGroup | None] = []
    dep_name = f"{departments.get(department_code, department_code)} ({department_code})"
    if level == "commune":
        groups.append(_group("Cette commune", figures[(level_of == "commune") & codes.map(lambda c: code in c)]))
        if arrondissement:
            mine = figures[(level_of == "arrondissement") & (figures["territory_codes"] == arrondissement)]
            printed = " / ".join(dict.fromkeys(mine["territory"]))
            groups.append(_group(f"Son arrondissement : {printed} ({arrondissement})", mine))
    own = figures[(level_of == "departement") & (figures["territory_codes"] == department_code)]
    if level == "commune":
        groups.append(_group(dep_name, own))
    else:
        groups.append(_group("Ce département", own, limit=3 * MAX_PER_GROUP))
    inside = (figures["department_code"] == department_code) & ~level_of.isin(["departement", "region", "france"])
    if level == "commune":
        inside &= ~((level_of == "commune") & codes.map(lambda c: code in c))
        inside &= ~((level_of == "arrondissement") & (figures["territory_codes"] == (arrondissement or "")))
        title = f"Autres territoires du département ({dep_name}) : EPCI, ateliers, communes — pas forcément celle-ci"
    else:
        title = "Territoires du département (arrondissements, EPCI, communes, ateliers)"
    groups.append(_group(title, figures[inside], limit=MAX_PER_GROUP if level == "commune" else 3 * MAX_PER_GROUP))
    listed = set().union(*(g.indicators for g in groups if g)) - {"autre"}
    compared = figures["indicator"].isin(listed)
    if region_code:
        region = figures[(level_of == "region") & (figures["territory_codes"] == region_code) & compared]
        groups.append(_group(f"{regions.get(region_code or '', 'Région')} (comparaison citée)", region))
    groups.append(_group("France (comparaison citée)", figures[(level_of == "france") & compared]))
    return [g for g in groups if g is not None]


def _md(text: object) -> str:
    out = str(text)
    for ch in "\\`*_[]<>#|":
        out = out.replace(ch, "\\" + ch)
    return out


def figure_line(row: Mapping[str, object]) -> list[str]:
    """One figure in the panel: value, what it is, territory and year, the quote, the source, the remark."""
    year = str(row.get("year") or "") or "année non précisée"
    what = vocab.FIGURE_INDICATORS.get(str(row["indicator"]), "")
    label = str(row.get("indicator_label") or what)
    lines = [
        f"- **{_md(display(float(row['value']), str(row['unit'])))}** — {_md(label)} "
        f"*({_md(row['territory'])}, {_md(year)})*",
        f"    - « {_md(row['quote'])} »",
        f"    - Source : {_md(cite(str(row['source'])))} — {_md(row['id'])}",
    ]
    repeats = row.get("repeats") or []
    if repeats:
        again = "; ".join(source for _, source in repeats)
        lines.append(f"    - Imprimé aussi : {_md(cite(again))} — {_md(', '.join(i for i, _ in repeats))}")
    if row.get("remark"):
        lines.append(f"    - *Remarque : {_md(row['remark'])}*")
    return lines


def figures_markdown(groups: Sequence[FigureGroup]) -> list[str]:
    """The « Ce que disent les documents » block as Markdown lines (empty when there is nothing)."""
    if not groups:
        return []
    total = sum(len(g.rows) + g.more for g in groups)
    lines = ["", f"**Ce que disent les documents** ({plural(total, 'chiffre cité', 'chiffres cités')})"]
    for group in groups:
        lines.append(f"- *{_md(group.title)}*")
        for row in group.rows:
            lines += ["    " + line for line in figure_line(row)]
        if group.more:
            lines.append(f"    - … et {group.more} autre(s) (page Sources, « Chiffres cités par les documents »)")
    return lines
