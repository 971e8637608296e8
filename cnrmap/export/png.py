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
import re
import struct
import tempfile
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from cnrmap.errors import DataError
from cnrmap.export.layout import (  # noqa: F401  (the layout's texts, long imported from here)
    BASEMAP_SOURCE,
    LEVEL_WORDS,
    POINTS_SOURCE,
    default_title,
    filters_line,
    layout_html,
    production_line,
    source_lines,
    territory_name,
    view_layout_html,
)

PRESETS: dict[str, tuple[int, int]] = {"16:9": (1920, 1080), "a4": (3508, 2480)}
PRESET_ALIASES: dict[str, str] = {"slide": "16:9", "1920x1080": "16:9", "a4-paysage": "a4", "a4-300": "a4"}
MIN_SIDE, MAX_SIDE = 320, 8000
# Device scale factors tried, so that the CSS layout is near IDEAL_CSS_WIDTH and an exact divisor of the size.
SCALES = tuple(Fraction(n, 4) for n in range(4, 17))
IDEAL_CSS_WIDTH = 1280
ALLOWED_SCHEMES = ("data", "file", "about")
TILE_HOST = "basemaps.cartocdn.com"


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
    browser : playwright.sync_api.Browser or WarmBrowser, optional
        An open browser (to export several images with one launch), or the process' browser kept open between
        exports (:class:`cnrmap.export.browser.WarmBrowser`, used from any thread); else one is started and closed.
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
    from cnrmap.export.browser import WarmBrowser, launch

    dims = size if isinstance(size, ImageSize) else parse_size(size)
    title = " ".join((title or "").split()) or default_title(view)
    page_html = view_layout_html(view, title, date)
    basemap = view.state.basemap == "osm"

    def draw(chromium: Any) -> PngImage:
        return capture(chromium, page_html, dims, title=title, basemap=basemap, timeout_s=timeout_s)

    if isinstance(browser, WarmBrowser):
        image = browser.run(draw, timeout_s=timeout_s * 4)
    elif browser is None:
        with launch(executable) as started:
            image = draw(started)
    else:
        image = draw(browser)
    image.warnings[:0] = list(view.warnings)
    return image


def export_png(view: Any, out: Path | str, **kwargs: Any) -> PngImage:
    """Render a view (:func:`render_png`, same keyword arguments) and write the PNG to ``out``."""
    image = render_png(view, **kwargs)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(image.data)
    return image
