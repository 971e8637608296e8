"""Build a deck: the views of its maps, their images (one browser for all), the key figures, the .pptx file.

:func:`build_deck` is what ``cnrmap deck`` and the Carte's « Présentation (PowerPoint) » call. The maps are the
images of ``cnrmap export`` (:func:`cnrmap.export.png.render_png`, 16:9): the browser is started once for all of
them (or given by the caller). :func:`outline` (pure) says which slides come in which order.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cnrmap.carte.compose import ViewResult, build_view
from cnrmap.carte.layers import legend_title
from cnrmap.carte.state import LEVELS, MapState
from cnrmap.carte.values import load_values
from cnrmap.config import Settings
from cnrmap.curated.load import CnrData, load_reference
from cnrmap.deck import template
from cnrmap.deck.content import CNR, Names, footer_right, map_slide, sources_slide, title_slide
from cnrmap.deck.figures import area_slide, department_slide
from cnrmap.deck.model import Slide
from cnrmap.deck.plan import overview_state, part_states
from cnrmap.deck.projects import project_slides
from cnrmap.errors import DataError
from cnrmap.export.layout import default_title
from cnrmap.indicators import registry
from cnrmap.indicators.spec import DEPARTEMENT, IndicatorData

# Official indicators of the key-figures slides, after the maps' own (``apl_mg_2024``: when the APL by commune is
# not installed; the department table is otherwise shown beside the means in the notes).
KEY_INDICATORS = ("densite_mg", "apl_mg", "apl_mg_2024", "part_pop_apl_inf_2_5", "zonage_mg", "population",
                  "patients_sans_mt")  # fmt: skip
IMAGE_SIZE = "16:9"

Renderer = Callable[[ViewResult, str], Any]


@dataclass
class Deck:
    """A built deck.

    Attributes
    ----------
    data : bytes
        The .pptx file.
    slides : tuple of Slide
        What each slide holds (:mod:`cnrmap.deck.model`), in order.
    title : str
        The territory's name (the first slide's title).
    warnings : list of str
        French warnings met on the way (views, images, indicators that could not be read).
    seconds : dict of str to float
        Time spent building the views, drawing the images, assembling the file, and in total.
    """

    data: bytes
    slides: tuple[Slide, ...]
    title: str
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def names_of(settings: Settings) -> Names:
    """Names of departments, regions and the communes the data names (reference tables of ``data/reference``)."""
    ref = load_reference(settings)

    def pairs(frame, column: str = "name") -> dict[str, str]:
        return dict(zip(frame["code"], frame[column], strict=True))

    return Names(pairs(ref.departments), pairs(ref.regions), pairs(ref.communes), pairs(ref.departments, "region_code"))


def key_indicators(
    view: ViewResult,
    settings: Settings,
    data: CnrData,
    catalogue: Mapping[str, Any],
    region_of: Mapping[str, str],
    extra: Mapping[str, IndicatorData] | None = None,
    maps: Sequence[str] = (),
) -> tuple[list[IndicatorData], list[str]]:
    """The official indicators by department over the view's departments, and what could not be read (French).

    First the maps' indicators (``maps``: ids; the one the state asks for with its year), then
    :data:`KEY_INDICATORS` — those installed by department; CNR counts and the documents' figures have their own
    place on the slides.
    """
    state = view.state
    wanted = [view.indicator.id, *maps, *KEY_INDICATORS]
    if registry.shown_at(catalogue.get("apl_mg"), DEPARTEMENT):
        wanted.remove("apl_mg_2024")
    found: list[IndicatorData] = []
    problems: list[str] = []
    for indicator_id in dict.fromkeys(wanted):
        meta = catalogue.get(indicator_id)
        if not registry.shown_at(meta, DEPARTEMENT) or meta.origin in ("cnr", "documents"):
            continue
        if indicator_id == view.indicator.id and view.indicator.level == DEPARTEMENT:
            found.append(view.indicator)
            continue
        asked = indicator_id == state.indicator
        one = replace(
            state, indicator=indicator_id, level=DEPARTEMENT, overlay=None, need=None, fixed_breaks=False,
            year=state.year if asked else None, from_year=state.from_year if asked else None, figure=None, place=None,
        )  # fmt: skip
        try:
            found.append(load_values(one, view.selection, settings, catalogue, data, region_of, extra).indicator)
        except DataError as exc:
            problems.append(f"Indicateur « {meta.label} » non lu : {exc.message}")
    return found, problems


def maps_indicator(overview: ViewResult, parts: Sequence[ViewResult]) -> str:
    """The indicator(s) of the maps in words, with their level when the maps under the overview differ."""
    text = legend_title(overview.indicator)
    below = next((view for view in parts if view.indicator.id != overview.indicator.id), None)
    if below is not None:
        text += f" (vue d'ensemble) ; {legend_title(below.indicator)}, {LEVELS[below.state.level].lower()}"
    return text


def outline(
    overview: tuple[ViewResult, Any],
    parts: Sequence[tuple[ViewResult, Any]],
    indicators: Sequence[IndicatorData],
    names: Names,
    date: dt.date,
    problems: Sequence[str] = (),
) -> list[Slide]:
    """The slides in order: title, overview map, key figures, each department (map, key figures, projects) or
    region (map, key figures), « Sources et méthode ». ``overview`` and ``parts``: views with their image."""
    view, image = overview
    state = view.state
    name = names.territory(state.territory)
    chosen = {view.indicator.id, *(part.indicator.id for part, _ in parts)}

    def shown(one: ViewResult, picture: Any, title: str) -> Slide:
        return map_slide(one, title, picture.data, date, [w for w in picture.warnings if w not in one.warnings])

    slides = [title_slide(view, name, date, maps_indicator(view, [v for v, _ in parts]))]
    if state.scope == "departement":
        code = state.territory_code or ""
        slides += [shown(view, image, f"{name} : carte"), department_slide(view, code, names, indicators, chosen)]
        slides += project_slides(view, code, names)
    else:
        slides += [shown(view, image, f"{name} : vue d'ensemble par département")]
        slides += [area_slide(view, names, indicators, chosen)]
        for part, picture in parts:
            code = part.state.territory_code or ""
            if part.state.scope == "departement":
                slides.append(shown(part, picture, f"{names.department(code)} : carte"))
                slides.append(department_slide(part, code, names, indicators, chosen))
                slides += project_slides(part, code, names)
            else:
                slides.append(shown(part, picture, f"{names.region(code)} : carte"))
                slides.append(area_slide(part, names, indicators, chosen))
    cited = list(dict.fromkeys(title for slide in slides for title in slide.documents))
    slides.append(sources_slide(view, indicators, cited, date, problems))
    return slides


def assemble(slides: Sequence[Slide], title: str, date: dt.date, sizes: Mapping[int, tuple[int, int]]) -> bytes:
    """The .pptx of ``slides`` (``sizes``: pixel size of each map slide's image, by slide index)."""
    deck = template.presentation(f"{title} — {CNR}", f"{CNR} : {title}")
    right = footer_right(date)
    for i, spec in enumerate(slides):
        template.draw(template.blank_slide(deck), spec, i + 1, len(slides), right, sizes.get(i))
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def build_deck(
    state: MapState,
    settings: Settings,
    data: CnrData,
    *,
    extra: Mapping[str, IndicatorData] | None = None,
    date: dt.date | None = None,
    browser: Any = None,
    executable: str | None = None,
    renderer: Renderer | None = None,
    progress: Callable[[str], None] | None = None,
) -> Deck:
    """Build the deck of ``state``'s territory with its filters, date and indicator.

    Parameters
    ----------
    state : MapState
        Territory (``FR``, a region, a department), level of the maps under the overview, indicator and year,
        theme and status filters, ``as_of`` date — as on the Carte or from ``cnrmap deck``'s options.
    settings : Settings
        Paths.
    data : CnrData
        The CNR data (:func:`cnrmap.records.data.load_data`).
    extra : mapping, optional
        Indicators imported in the session (by id).
    date : datetime.date, optional
        Production date written on the slides (default: today).
    browser : playwright.sync_api.Browser, optional
        A started browser; else one is started (once) for all the images and closed at the end.
    executable : str, optional
        Chromium to start (:func:`cnrmap.export.browser.find_executable`).
    renderer : callable, optional
        ``renderer(view, title) -> PngImage`` instead of :func:`cnrmap.export.png.render_png` (tests).
    progress : callable, optional
        Called with a French line at each step (the command prints them).

    Raises
    ------
    BrowserUnavailable
        Chromium or Playwright missing (the PNG export's French message).
    DataError
        Unknown territory, indicator not available at a level, boundaries not fetched…
    """
    from cnrmap.indicators.registry import catalogue as indicator_catalogue

    say = progress or (lambda _line: None)
    date = date or dt.date.today()
    start = time.perf_counter()
    names = names_of(settings)
    catalogue = indicator_catalogue(settings, state.filters, extra)
    overview = build_view(overview_state(state, catalogue), settings, data, extra)
    parts = [build_view(s, settings, data, extra) for s in part_states(state, overview, names.region_of)]
    maps = [view.indicator.id for view in parts]
    indicators, problems = key_indicators(overview, settings, data, catalogue, names.region_of, extra, maps)
    views_done = time.perf_counter()
    say(f"{1 + len(parts)} carte(s) préparée(s) en {views_done - start:.1f} s.")

    images = []
    with ExitStack() as stack:
        render = renderer
        if render is None:
            from cnrmap.export.browser import launch
            from cnrmap.export.png import render_png

            started = browser or stack.enter_context(launch(executable))

            def render(view: ViewResult, title: str) -> Any:
                return render_png(view, size=IMAGE_SIZE, title=title, date=date, browser=started)

        for i, view in enumerate([overview, *parts], start=1):
            name = names.territory(view.state.territory)
            images.append(render(view, default_title(view, name)))
            say(f"Image {i}/{1 + len(parts)} : {name}.")
    images_done = time.perf_counter()

    slides = outline((overview, images[0]), list(zip(parts, images[1:], strict=True)), indicators, names, date,
                     problems)  # fmt: skip
    sizes = {i: (s_image.width, s_image.height) for i, s_image in _map_images(slides, images)}
    payload = assemble(slides, names.territory(state.territory), date, sizes)
    end = time.perf_counter()
    warnings = list(dict.fromkeys([*(w for image in images for w in image.warnings), *problems]))
    seconds = {"vues": views_done - start, "images": images_done - views_done, "assemblage": end - images_done,
               "total": end - start}  # fmt: skip
    return Deck(payload, tuple(slides), names.territory(state.territory), warnings, seconds)


def _map_images(slides: Sequence[Slide], images: Sequence[Any]):
    """(slide index, image) of each map slide: map slides come in the order of the images."""
    maps = [i for i, s in enumerate(slides) if s.kind == "map"]
    return zip(maps, images, strict=True)


def export_deck(state: MapState, out: Path | str, settings: Settings, data: CnrData, **kwargs: Any) -> Deck:
    """Build a deck (:func:`build_deck`, same keyword arguments) and write it to ``out``."""
    deck = build_deck(state, settings, data, **kwargs)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(deck.data)
    return deck
