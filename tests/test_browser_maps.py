"""Presentation-grade maps in a real browser: insets, names, offline base, legends beside the map, symbols.

The app is served on 127.0.0.1 and driven by Playwright with Debian's Chromium; every request that is not
for 127.0.0.1 is recorded and aborted, and each test fails if there is any (default options: none at all).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from app_server import MAP_FRAME, offline_page

from cnrmap.config import get_settings
from cnrmap.curated.load import load_projects
from cnrmap.geo import insets

pytestmark = pytest.mark.browser
ARTIFACTS = get_settings().root / "tests" / "artifacts"


def open_map(browser, url: str, outside: list[str]):
    """A page on ``url`` whose every request off 127.0.0.1 is recorded in ``outside`` and aborted."""
    page = offline_page(browser, outside)
    page.goto(url)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-overlay-pane path").first.wait_for(state="attached", timeout=60_000)
    page.wait_for_timeout(1500)  # labels and symbols are placed once the map is ready
    return page, frame


def _boxes(frame, selector: str) -> list[dict]:
    return frame.locator(selector).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom, text: e.textContent}; })"
    )


def _apart(a: dict, b: dict, tolerance: float = 0.5) -> bool:
    return (
        a["x1"] <= b["x0"] + tolerance
        or b["x1"] <= a["x0"] + tolerance
        or a["y1"] <= b["y0"] + tolerance
        or b["y1"] <= a["y0"] + tolerance
    )


def test_default_france_map_needs_no_network_and_shows_insets_and_names(browser, app_url):
    outside: list[str] = []
    page, frame = open_map(browser, f"{app_url}/carte", outside)
    names = [b["text"] for b in _boxes(frame, ".cnrmap-label-text")]
    for inset in ("Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte", "Paris et petite couronne"):
        assert inset in names
    assert {"Lyon", "Toulouse", "Bordeaux", "Cayenne", "Saint-Denis"} <= set(names)
    # Names are drawn at the size the collision rule assumed.
    sizes = frame.locator(".cnrmap-label-prefecture").evaluate_all("els => els.map(e => getComputedStyle(e).fontSize)")
    assert set(sizes) == {"11px"}
    # Offline base drawn (land pane), inset frames drawn, layer control collapsed, metric scale only.
    assert frame.locator(".leaflet-cnrmapBase-pane path").count() > 10
    assert frame.locator(".leaflet-cnrmapFrames-pane path").count() == 6
    assert frame.locator(".leaflet-control-layers-expanded").count() == 0
    assert frame.locator(".leaflet-control-scale-line").count() == 1
    assert "OpenStreetMap" not in frame.locator(".leaflet-control-attribution").inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "carte-france-encarts.png"))
    assert outside == []
    page.close()


def test_labels_never_overlap_on_screen(browser, app_url):
    outside: list[str] = []
    for url in ("/carte", "/carte?territory=region:93"):
        page, frame = open_map(browser, app_url + url, outside)
        boxes = _boxes(frame, ".cnrmap-label-text")
        assert len(boxes) >= (60 if url == "/carte" else 5)
        for a, b in itertools.combinations(boxes, 2):
            assert _apart(a, b), (a["text"], b["text"])
        # Zoom in twice: more names, still apart.
        frame.locator(".leaflet-control-zoom-in").click()
        frame.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(1500)
        zoomed = _boxes(frame, ".cnrmap-label-text")
        for a, b in itertools.combinations(zoomed, 2):
            assert _apart(a, b), (a["text"], b["text"])
        page.close()
    assert outside == []


def test_overseas_inset_is_clickable_and_reports_the_real_department(browser, app_url):
    outside: list[str] = []
    page, frame = open_map(browser, f"{app_url}/carte", outside)
    # A point of Basse-Terre island, where the Guadeloupe inset draws it.
    guadeloupe = insets.OVERSEAS[0]
    x, y = insets.to_mercator(np.array([-61.66]), np.array([16.15]))
    lon, lat = insets.to_degrees(*guadeloupe.forward(x, y))
    point = frame.locator(".leaflet-container").evaluate(
        "(el, ll) => { const p = window.map.latLngToContainerPoint(ll); return [p.x, p.y]; }",
        [float(lat[0]), float(lon[0])],
    )
    container = frame.locator(".leaflet-container").bounding_box()
    page.mouse.click(container["x"] + point[0], container["y"] + point[1])
    page.get_by_role("heading", name="Guadeloupe (971)").wait_for(timeout=30_000)
    assert outside == []
    page.close()


def test_legends_sit_beside_the_map_and_cover_nothing(browser, app_url):
    outside: list[str] = []
    page, _ = open_map(browser, f"{app_url}/carte?territory=region:93", outside)
    legends = page.locator(".cnrmap-page-legend")
    assert legends.count() == 2
    map_box = page.locator(MAP_FRAME).bounding_box()
    for i in range(legends.count()):
        box = legends.nth(i).bounding_box()
        assert box["x"] >= map_box["x"] + map_box["width"] or box["y"] >= map_box["y"] + map_box["height"]
    assert "Densité de médecins généralistes libéraux (2024)" in legends.first.inner_text()
    page.locator(MAP_FRAME).screenshot(path=str(ARTIFACTS / "carte-paca-projets.png"))
    page.screenshot(path=str(ARTIFACTS / "carte-paca-page.png"))
    assert outside == []
    page.close()


def test_one_symbol_per_department_wide_group(browser, app_url):
    projects = load_projects(get_settings())
    wide = projects[projects["location_precision"] == "departement"]
    outside: list[str] = []
    page, frame = open_map(browser, f"{app_url}/carte?territory=region:93&layers=projets", outside)
    symbols = frame.locator(".cnrmap-symbol")
    dashed = [
        symbols.nth(i).inner_html()
        for i in range(symbols.count())
        if 'stroke-dasharray="3 2"' in symbols.nth(i).inner_html()
    ]
    assert len(dashed) == wide["department_code"].nunique()
    counts = sorted(int(html.split("</text>")[0].rsplit(">", 1)[1]) for html in dashed)
    assert counts == sorted(wide.groupby("department_code").size().tolist())
    # No two point symbols stacked on one spot.
    boxes = _boxes(frame, ".cnrmap-symbol") + _boxes(frame, ".leaflet-overlay-pane path.leaflet-interactive")
    centres = [((b["x0"] + b["x1"]) / 2, (b["y0"] + b["y1"]) / 2) for b in _boxes(frame, ".cnrmap-symbol")]
    assert len(set(centres)) == len(centres) and boxes
    # Its popup lists the department's projects.
    symbols.first.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert "Projets à l'échelle du département" in popup.inner_text() or "projets" in popup.inner_text()
    assert outside == []
    page.close()
