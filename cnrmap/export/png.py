"""Presentation-ready PNG of a view: the map the user sees, with a title, its legends, sources and date.

The image is drawn by headless Chromium (:mod:`cnrmap.export.browser`) from the standalone HTML of the view's map
(:func:`cnrmap.leaflet.assets.inline_html`), wrapped in a print layout:

- a title band (editable title; by default « indicateur — territoire, par maille ») and a line on the filters;
- the map filling the rest, without zoom and layer controls (the scale bar stays);
- the legends in a side column instead of over the map (on the map they can hide Corsica or a coast);
- a footer with the sources (datasets and vintages, boundaries) and « Carte produite le JJ/MM/AAAA avec cnrmap ».

Nothing is fetched from the network: every request that is not ``data:``, ``file:`` or ``about:`` is blocked
(and counted), except the basemap tiles when the view has a basemap; if these cannot load, the export goes on
without them and says so.

Sizes (see :func:`parse_size`): ``16:9`` is 1920×1080 (a full-HD slide); ``a4`` is A4 landscape at 300 dpi,
3508×2480 (print). The page is laid out at a comfortable CSS size (1280×720 for a slide, 1754×1240 for A4) and
captured at a device scale factor (1.5, 2), so that text keeps the same size relative to the image whatever the
resolution, and the PNG has exactly the requested pixel size.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import struct
import tempfile
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from cnrmap.config import Settings
from cnrmap.curated.definitions import as_of_phrase
from cnrmap.errors import DataError
from cnrmap.french import format_date

PRESETS: dict[str, tuple[int, int]] = {"16:9": (1920, 1080), "a4": (3508, 2480)}
PRESET_ALIASES: dict[str, str] = {"slide": "16:9", "1920x1080": "16:9", "a4-paysage": "a4", "a4-300": "a4"}
MIN_SIDE, MAX_SIDE = 320, 8000
# Device scale factors tried, so that the CSS layout is near IDEAL_CSS_WIDTH and an exact divisor of the size.
SCALES = tuple(Fraction(n, 4) for n in range(4, 17))
IDEAL_CSS_WIDTH = 1280
ALLOWED_SCHEMES = ("data", "file", "about")
TILE_HOST = "basemaps.cartocdn.com"
LEVEL_WORDS = {"departement": "par département", "commune": "par commune"}
POINTS_SOURCE = "CNR santé 2022-2023 : projets, réunions et propositions relevés dans les documents des ARS (cnrmap)"
BASEMAP_SOURCE = "Fond de carte : © OpenStreetMap contributors, © CARTO"


@dataclass(frozen=True)
class ImageSize:
    """Pixel size of the image and the device scale factor it is captured at.

    Attributes
    ----------
    width, height : int
        Size of the PNG in pixels.
    scale : Fraction
        Device scale factor; ``width / scale`` and ``height / scale`` are whole CSS pixels.
    """

    width: int
    height: int
    scale: Fraction = Fraction(1)

    @property
    def css_width(self) -> int:
        return int(self.width / self.scale)

    @property
    def css_height(self) -> int:
        return int(self.height / self.scale)

    def __str__(self) -> str:
        return f"{self.width}×{self.height}"


def image_size(width: int, height: int) -> ImageSize:
    """Choose the device scale factor of a ``width``×``height`` image.

    The factor is the one of :data:`SCALES` closest to ``width / 1280`` that divides both sides exactly;
    1 when none does (the layout is then at the pixel size).

    Raises
    ------
    DataError
        If a side is outside 320–8000 pixels.
    """
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise DataError(
            f"Taille d'image invalide : {width}×{height} (chaque côté entre {MIN_SIDE} et {MAX_SIDE} pixels)."
        )
    ideal = Fraction(width, IDEAL_CSS_WIDTH)
    exact = [s for s in SCALES if (width / s).denominator == 1 and (height / s).denominator == 1]
    scale = min(exact, key=lambda s: (abs(s - ideal), s)) if ideal > 1 and exact else Fraction(1)
    return ImageSize(width, height, scale)


def parse_size(text: str) -> ImageSize:
    """Read ``16:9``, ``a4`` or ``LARGEURxHAUTEUR`` (``1920x1080``, ``1600×900``).

    Parameters
    ----------
    text : str
        ``16:9`` (1920×1080, slide), ``a4`` (3508×2480, A4 landscape at 300 dpi) or a pixel size.

    Returns
    -------
    ImageSize

    Raises
    ------
    DataError
        If the text is not a size (quoted in the French message).
    """
    key = str(text).strip().lower().replace(" ", "")
    key = PRESET_ALIASES.get(key, key)
    if key in PRESETS:
        return image_size(*PRESETS[key])
    match = re.fullmatch(r"(\d{2,5})[x×*](\d{2,5})", key)
    if not match:
        raise DataError(
            f"Taille d'image invalide : {text!r}.",
            hint="Attendu : 16:9 (1920×1080), a4 (3508×2480, A4 paysage 300 dpi) ou LARGEURxHAUTEUR, ex. 1920x1080.",
        )
    return image_size(int(match.group(1)), int(match.group(2)))


# ---------------------------------------------------------------------------------------------------------
# Texts of the layout


def territory_name(territory: str, settings: Settings | None = None) -> str:
    """French name of ``FR``, ``region:93``, ``departement:13`` (the code itself if it is not in the tables)."""
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
    return names.get(code, code)


def default_title(view: Any, territory: str | None = None) -> str:
    """« Indicateur — Territoire, par maille », e.g. « Densité de médecins généralistes — Var, par commune ».

    Parameters
    ----------
    view : ViewResult
        The view (its state and indicator).
    territory : str, optional
        Name of the territory; looked up in the reference tables when not given.
    """
    state = view.state
    name = territory or territory_name(state.territory)
    return f"{view.indicator.label} — {name}, {LEVEL_WORDS.get(state.level, state.level)}"


def filters_line(view: Any) -> str:
    """One French line on what the map shows: the projects' date (« État au … »), themes and statuses, overlay,
    cross-reading."""
    state = view.state
    parts: list[str] = [as_of_phrase(state.as_of_date)] if "projets" in state.layers else []
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
    if view.state.basemap:
        lines.append(BASEMAP_SOURCE)
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
/* Interactive parts have no place on an image. */
.leaflet-control-zoom, .leaflet-control-layers, .leaflet-control-attribution, .cnrmap-legend,
.leaflet-tooltip-pane, .leaflet-popup-pane { display: none !important; }
.leaflet-control-scale-line + .leaflet-control-scale-line { display: none !important; }
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
) -> str:
    """Wrap the standalone HTML of a folium map in the print layout.

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
    head = f"<title>{html.escape(title)}</title><style>{_LAYOUT_CSS}</style></head>"
    out = map_html[: match.start()] + layout + map_html[match.end() :]
    padding = f"[{FIT_PADDING_PX}, {FIT_PADDING_PX}]"
    out = _FIT_BOUNDS.sub(
        lambda m: f'{m[1]}.options.zoomSnap = 0; {m[1]}.fitBounds({m[2]}, {{"padding": {padding}}})', out, count=1
    )
    return out.replace("</head>", head, 1)


def view_layout_html(view: Any, title: str, date: dt.date | None = None) -> str:
    """The print layout of a view (its map, legends, filters and sources)."""
    from cnrmap.leaflet.assets import inline_html
    from cnrmap.leaflet.legend import legend_html

    return layout_html(
        inline_html(view.map),
        title=title,
        subtitle=filters_line(view),
        legends=[legend_html(spec) for spec in view.legends],
        sources=source_lines(view),
        made=production_line(date),
    )


# ---------------------------------------------------------------------------------------------------------
# Capture

# True once Leaflet has drawn the vector layers: SVG paths, or a canvas with painted pixels.
_DRAWN_JS = """
() => {
  const map = document.querySelector("#cnr-mapcell .leaflet-container");
  if (!map) return false;
  const pane = map.querySelector(".leaflet-overlay-pane");
  if (!pane) return false;
  if (pane.querySelectorAll("path").length > 0) return true;
  for (const canvas of pane.querySelectorAll("canvas")) {
    if (!canvas.width || !canvas.height) continue;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4 * 97) if (data[i] > 0) return true;
  }
  return false;
}
"""

# Tile images that have finished (loaded or failed): {total, done, failed}.
_TILES_JS = """
() => {
  const tiles = Array.from(document.querySelectorAll("#cnr-mapcell img.leaflet-tile"));
  const done = tiles.filter((t) => t.complete);
  return {total: tiles.length, done: done.length, failed: done.filter((t) => !t.naturalWidth).length};
}
"""

# No tile at all: a white background as without basemap, and no credit for a basemap that is not there.
_NO_BASEMAP_JS = """
() => {
  document.querySelectorAll("#cnr-mapcell .leaflet-container").forEach((m) => { m.style.background = "#ffffff"; });
  const credit = document.getElementById("cnr-basemap-source");
  if (credit) credit.remove();
  // The map cell grew by the removed line: let Leaflet know (folium names the map variable after its div).
  document.querySelectorAll("#cnr-mapcell .folium-map").forEach((div) => {
    const map = window[div.id];
    if (!map || !map.eachLayer) return;
    map.eachLayer((layer) => { if (layer instanceof L.TileLayer) map.removeLayer(layer); });
    map.invalidateSize({pan: false});
  });
}
"""

_TWO_FRAMES_JS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"


@dataclass
class PngImage:
    """A rendered image and what happened while rendering it.

    Attributes
    ----------
    data : bytes
        The PNG.
    width, height : int
        Its pixel size (read back from the PNG header).
    title : str
        The title drawn (checked in the page before capture).
    blocked_requests : list of str
        URLs the page tried to load and that were blocked.
    warnings : list of str
        French warnings (basemap not loaded, view warnings).
    seconds : float
        Time spent in the browser.
    """

    data: bytes
    width: int
    height: int
    title: str
    blocked_requests: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG header (no image library needed)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _allowed(url: str, allow_tiles: bool) -> bool:
    scheme = url.split(":", 1)[0].lower()
    if scheme in ALLOWED_SCHEMES:
        return True
    return allow_tiles and scheme == "https" and url.split("/")[2].endswith(TILE_HOST)


def capture(
    browser: Any,
    page_html: str,
    size: ImageSize,
    *,
    title: str,
    basemap: bool = False,
    timeout_s: float = 30.0,
    tiles_timeout_s: float = 10.0,
) -> PngImage:
    """Load a print layout in a new page of ``browser`` and capture it.

    Parameters
    ----------
    browser : playwright.sync_api.Browser
        From :func:`cnrmap.export.browser.launch`.
    page_html : str
        From :func:`layout_html`.
    size : ImageSize
        Pixel size and scale.
    title : str
        Title expected in ``#cnr-title`` before capture.
    basemap : bool
        Let tile requests through (the only network requests allowed) and wait for the tiles.
    timeout_s, tiles_timeout_s : float
        How long to wait for the map to draw, and for the tiles.

    Returns
    -------
    PngImage

    Raises
    ------
    DataError
        If the map is not drawn in time, the title is missing, or the PNG has the wrong size.
    """
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    start = time.perf_counter()
    blocked: list[str] = []
    warnings: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if _allowed(url, basemap):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort("blockedbyclient")

    context = browser.new_context(
        viewport={"width": size.css_width, "height": size.css_height},
        device_scale_factor=float(size.scale),
        locale="fr-FR",
        service_workers="block",
    )
    try:
        context.route("**/*", route)
        page = context.new_page()
        with tempfile.TemporaryDirectory(prefix="cnrmap-export-") as tmp:
            path = Path(tmp) / "carte.html"
            path.write_text(page_html, encoding="utf-8")
            try:
                page.goto(path.as_uri(), wait_until="load", timeout=timeout_s * 1000)
                page.wait_for_function(_DRAWN_JS, timeout=timeout_s * 1000, polling=100)
            except PlaywrightTimeout as exc:
                raise DataError(
                    f"Export impossible : la carte n'est pas dessinée après {timeout_s:.0f} s.",
                    hint="Réessayer avec un territoire plus petit ou une taille d'image plus petite.",
                ) from exc
            if basemap:
                deadline = time.perf_counter() + tiles_timeout_s
                tiles = page.evaluate(_TILES_JS)
                while (tiles["total"] == 0 or tiles["done"] < tiles["total"]) and time.perf_counter() < deadline:
                    page.wait_for_timeout(100)
                    tiles = page.evaluate(_TILES_JS)
                loaded = tiles["done"] - tiles["failed"]
                if loaded == 0:
                    page.evaluate(_NO_BASEMAP_JS)
                if tiles["total"] == 0 or loaded < tiles["total"]:
                    warnings.append(
                        f"Fond de carte incomplet ({loaded} tuile(s) chargée(s) sur {tiles['total']}) : "
                        "pas de connexion internet ? Carte exportée sans le fond manquant."
                    )
            page.evaluate(_TWO_FRAMES_JS)
            drawn_title = " ".join((page.text_content("#cnr-title", timeout=1000) or "").split())
            if drawn_title != " ".join(title.split()):
                raise DataError(f"Export impossible : le titre {title!r} n'apparaît pas dans la page.")
            data = page.screenshot(type="png", full_page=False, animations="disabled", caret="hide")
    except PlaywrightError as exc:
        raise DataError(f"Export impossible : le navigateur a échoué ({str(exc).splitlines()[0]}).") from exc
    finally:
        context.close()
    width, height = png_size(data)
    if (width, height) != (size.width, size.height):
        raise DataError(f"Export : image de {width}×{height} au lieu de {size} pixels.")
    return PngImage(data, width, height, title, blocked, warnings, time.perf_counter() - start)


def render_png(
    view: Any,
    *,
    size: ImageSize | str = "16:9",
    title: str | None = None,
    date: dt.date | None = None,
    browser: Any = None,
    executable: str | None = None,
    timeout_s: float = 30.0,
) -> PngImage:
    """Render a view as a presentation-ready PNG.

    Parameters
    ----------
    view : ViewResult
        From :func:`cnrmap.carte.compose.build_view` (the map the user sees, as configured).
    size : ImageSize or str
        ``"16:9"`` (1920×1080), ``"a4"`` (3508×2480) or ``"LARGEURxHAUTEUR"`` (:func:`parse_size`).
    title : str, optional
        Title; defaults to :func:`default_title`. Empty or blank means the default.
    date : datetime.date, optional
        Production date in the footer (default: today).
    browser : playwright.sync_api.Browser, optional
        An open browser (to export several images with one launch); else one is started and closed.
    executable : str, optional
        Chromium to start when ``browser`` is not given (:func:`cnrmap.export.browser.find_executable`).
    timeout_s : float
        How long to wait for the map to draw.

    Returns
    -------
    PngImage
        ``warnings`` holds the view's warnings then the export's.

    Raises
    ------
    BrowserUnavailable
        If Chromium or Playwright cannot be used (French message with what to install).
    DataError
        If the page does not draw or the image is wrong.
    """
    from cnrmap.export.browser import launch

    dims = size if isinstance(size, ImageSize) else parse_size(size)
    title = " ".join((title or "").split()) or default_title(view)
    page_html = view_layout_html(view, title, date)
    if browser is None:
        with launch(executable) as started:
            image = capture(started, page_html, dims, title=title, basemap=view.state.basemap, timeout_s=timeout_s)
    else:
        image = capture(browser, page_html, dims, title=title, basemap=view.state.basemap, timeout_s=timeout_s)
    image.warnings[:0] = list(view.warnings)
    return image


def export_png(view: Any, out: Path | str, **kwargs: Any) -> PngImage:
    """Render a view (:func:`render_png`, same keyword arguments) and write the PNG to ``out``."""
    image = render_png(view, **kwargs)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image.data)
    return image
