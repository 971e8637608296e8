"""The page around a view's map: title, filters, legends beside the map, sources and date.

One layout for the PNG export (:mod:`cnrmap.export.png`, print mode: no controls) and the standalone HTML of
``cnrmap render`` (interactive mode: the map keeps its zoom, layers, tooltips and popups). The legends sit
in a column beside the map, never over it.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from cnrmap.config import Settings
from cnrmap.curated.definitions import as_of_phrase
from cnrmap.errors import DataError
from cnrmap.french import format_date

LEVEL_WORDS = {"departement": "par département", "commune": "par commune"}
POINTS_SOURCE = "CNR santé 2022-2023 : projets, réunions et propositions relevés dans les documents des ARS (cnrmap)"
BASEMAP_SOURCE = "Fond de carte : © OpenStreetMap contributors, © CARTO"
OFFLINE_BASE_SOURCE = "Fond de carte : Natural Earth (domaine public)"


# ---------------------------------------------------------------------------------------------------------
# Texts of the layout


def territory_name(territory: str, settings: Settings | None = None) -> str:
    """French name of ``FR``, ``region:93``, ``departement:13``: « France », « Provence-Alpes-Côte d'Azur »,
    « Bouches-du-Rhône (13) » (the code itself if it is not in the tables)."""
    if territory == "FR":
        return "France"
    scope, _, code = territory.partition(":")
    from cnrmap.config import get_settings
    from cnrmap.geo import boundaries

    settings = settings or get_settings()
    try:
        table = (
            boundaries.region_reference(settings) if scope == "region" else boundaries.department_reference(settings)
        )
    except DataError:
        return code
    names = dict(zip(table["code"], table["name"], strict=True))
    if code not in names:
        return code
    return names[code] if scope == "region" else f"{names[code]} ({code})"


def default_title(view: Any, territory: str | None = None) -> str:
    """« Indicateur (millésime) — Territoire, par maille », e.g. « Zonage médecins (2025) — Var, par commune ».

    Parameters
    ----------
    view : ViewResult
        The view (its state and indicator).
    territory : str, optional
        Name of the territory; looked up in the reference tables when not given.
    """
    state = view.state
    name = territory or territory_name(state.territory)
    label, vintage = view.indicator.label, view.indicator.vintage
    if vintage and vintage not in label:
        label = f"{label} ({vintage})"
    return f"{label} — {name}, {LEVEL_WORDS.get(state.level, state.level)}"


def filters_line(view: Any) -> str:
    """One French line on what the map shows: the projects' date (« État au … »), themes and statuses, overlay,
    cross-reading."""
    state = view.state
    # The projects' date, when the map draws projects (a region without any has no date to state).
    drawn = "projets" in state.layers and len(view.selection.projects)
    parts: list[str] = [as_of_phrase(state.as_of_date)] if drawn else []
    parts += view.selection.filters.describe()
    if view.overlay is not None:
        parts.append(f"En contours : {view.overlay.label}")
    if state.need is not None:
        reading = next((n for n in view.notes if n.startswith("Lecture croisée")), None)
        parts.append(reading.rstrip(".") if reading else f"Lecture croisée : {state.need}")
    return " · ".join(parts)


def _dataset_line(label: str, source: str, vintage: str) -> str:
    text = f"{label} : {source}" if source else label
    if vintage and vintage not in source:
        text += f" ({vintage})"
    return text


def source_lines(view: Any) -> list[str]:
    """French source lines of the footer: indicator(s) with vintage, CNR data, boundaries, basemap."""
    ind = view.indicator
    lines = [_dataset_line(ind.label, ind.source, ind.vintage)]
    if view.overlay is not None:
        ov = view.overlay
        lines.append(_dataset_line(ov.label, ov.source, ov.vintage))
    if {"projets", "reunions"} & set(view.state.layers):
        lines.append(POINTS_SOURCE)
    projects = view.selection.projects
    if "projets" in view.state.layers and "status_recorded_by" in projects.columns:
        recorded = int((projects["status_recorded_by"].fillna("") != "").sum())
        if recorded:
            lines.append(
                f"Statut de {recorded} projet(s) enregistré après les documents (sources dans l'export des données)"
            )
    for sentence in view.boundaries:
        # The first sentence says which boundaries; the rest is advice for the app user.
        lines.append(sentence.split(". ")[0].rstrip("."))
    if view.state.basemap == "osm":
        lines.append(BASEMAP_SOURCE)
    elif view.state.basemap == "clair":
        lines.append(OFFLINE_BASE_SOURCE)
    return lines


def production_line(date: dt.date | None = None) -> str:
    """« Carte produite le 23 novembre 2026 avec cnrmap »."""
    return f"Carte produite le {format_date(date or dt.date.today())} avec cnrmap"


# ---------------------------------------------------------------------------------------------------------
# Print layout

_MAP_DIV = re.compile(r'<div class="folium-map" id="(map_[0-9a-f]+)"\s*>\s*</div>')
# folium's fitBounds call, given no options. On an image the territories should fill the frame (no zoom
# snapping: zoom steps leave up to a fifth of the frame empty) without touching it.
_FIT_BOUNDS = re.compile(r"\b(map_[0-9a-f]+)\.fitBounds\(\s*(\[\[[-0-9., \[\]]+\]\])\s*,\s*\{\}\s*\)")
FIT_PADDING_PX = 16

_LAYOUT_CSS = """
html, body { width: 100%; height: 100%; margin: 0; padding: 0; background: #ffffff; }
body { display: flex; flex-direction: column; overflow: hidden; color: #1f2328;
       font-family: "Liberation Sans", Arial, Helvetica, "DejaVu Sans", sans-serif; }
#cnr-head { flex: none; padding: 18px 28px 10px 28px; border-bottom: 3px solid #1f4e79; }
#cnr-title { margin: 0; font-size: 28px; line-height: 1.2; font-weight: bold; color: #1f2328; }
#cnr-subtitle { margin-top: 4px; font-size: 15px; color: #555555; }
#cnr-stage { flex: 1 1 auto; min-height: 0; display: flex; gap: 18px; padding: 12px 28px; }
#cnr-mapcell { flex: 1 1 auto; position: relative; min-width: 0; border: 1px solid #d0d7de; }
#cnr-mapcell > .folium-map { position: absolute !important; inset: 0; width: auto !important; height: auto !important; }
#cnr-legends { flex: none; width: 300px; overflow: hidden; display: flex; flex-direction: column; gap: 12px; }
.cnr-legend { font: 14px/1.4 "Liberation Sans", Arial, Helvetica, sans-serif; color: #222222;
              padding: 10px 12px; border: 1px solid #d0d7de; border-radius: 4px; background: #ffffff; }
.cnr-legend span[style*="width:16px"] { transform: scale(1.15); }
#cnr-foot { flex: none; display: flex; justify-content: space-between; align-items: flex-end; gap: 24px;
            padding: 8px 28px 12px 28px; border-top: 1px solid #d0d7de; font-size: 12px; color: #444444; }
#cnr-sources div { margin-top: 1px; }
#cnr-made { flex: none; white-space: nowrap; font-weight: bold; color: #1f4e79; }
"""
# Interactive parts have no place on an image.
_PRINT_CSS = """
.leaflet-control-zoom, .leaflet-control-layers, .leaflet-control-attribution, .cnrmap-legend,
.leaflet-tooltip-pane, .leaflet-popup-pane { display: none !important; }
.leaflet-fade-anim .leaflet-tile, .leaflet-zoom-anim .leaflet-zoom-animated { transition: none !important; }
"""

# Shrink the legend column until it fits (many categories plus the points legend on a small image).
_FIT_LEGENDS_JS = """
<script>
(function () {
  var box = document.getElementById("cnr-legends");
  var zoom = 1;
  while (box && box.scrollHeight > box.clientHeight + 1 && zoom > 0.55) {
    zoom -= 0.05;
    box.style.zoom = zoom;
  }
})();
</script>
"""


def layout_html(
    map_html: str,
    *,
    title: str,
    subtitle: str = "",
    legends: list[str] | None = None,
    sources: list[str] | None = None,
    made: str = "",
    interactive: bool = False,
) -> str:
    """Wrap the standalone HTML of a folium map in the page layout (print layout unless ``interactive``).

    Parameters
    ----------
    map_html : str
        Output of :func:`cnrmap.leaflet.assets.inline_html`.
    title, subtitle : str
        Plain text (escaped here).
    legends : list of str
        HTML of each legend box (:func:`cnrmap.leaflet.legend.legend_html`, already escaped).
    sources : list of str
        Plain-text footer lines.
    made : str
        Plain text of the production line (right of the footer).
    interactive : bool
        Keep the map's controls, tooltips and popups and its initial view (``cnrmap render``); else the print
        layout of the PNG export: no controls, territories fitted to the frame.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    DataError
        If the HTML holds no folium map.
    """
    match = _MAP_DIV.search(map_html)
    if match is None or "</head>" not in map_html:
        raise DataError("Export impossible : la page de la carte n'a pas la forme attendue (carte folium).")
    legend_boxes = "".join(f'<div class="cnr-legend">{box}</div>' for box in legends or [])
    source_divs = "".join(
        f'<div id="cnr-basemap-source">{html.escape(line)}</div>'
        if line == BASEMAP_SOURCE
        else f"<div>{html.escape(line)}</div>"
        for line in sources or []
    )
    subtitle_div = f'<div id="cnr-subtitle">{html.escape(subtitle)}</div>' if subtitle else ""
    layout = (
        f'<header id="cnr-head"><h1 id="cnr-title">{html.escape(title)}</h1>{subtitle_div}</header>'
        f'<main id="cnr-stage"><div id="cnr-mapcell">{match.group(0)}</div>'
        f'<aside id="cnr-legends">{legend_boxes}</aside></main>'
        f'<footer id="cnr-foot"><div id="cnr-sources">{source_divs}</div>'
        f'<div id="cnr-made">{html.escape(made)}</div></footer>'
        f"{_FIT_LEGENDS_JS}"
    )
    css = _LAYOUT_CSS + ("" if interactive else _PRINT_CSS)
    head = f"<title>{html.escape(title)}</title><style>{css}</style></head>"
    out = map_html[: match.start()] + layout + map_html[match.end() :]
    if not interactive:
        padding = f"[{FIT_PADDING_PX}, {FIT_PADDING_PX}]"
        out = _FIT_BOUNDS.sub(
            lambda m: f'{m[1]}.options.zoomSnap = 0; {m[1]}.fitBounds({m[2]}, {{"padding": {padding}}})', out, count=1
        )
    return out.replace("</head>", head, 1)


def view_layout_html(view: Any, title: str, date: dt.date | None = None, interactive: bool = False) -> str:
    """The page of a view (its map, legends, filters and sources): print layout, or ``interactive``."""
    from cnrmap.leaflet.assets import inline_html
    from cnrmap.leaflet.legend import legend_html

    return layout_html(
        inline_html(view.map),
        title=title,
        subtitle=filters_line(view),
        legends=[legend_html(spec) for spec in view.legends],
        sources=source_lines(view),
        made=production_line(date),
        interactive=interactive,
    )
