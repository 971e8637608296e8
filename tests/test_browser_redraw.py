"""In a real browser: a filter change redraws the points of the drawn map, the choropleth stays; pan and zoom do
not rerun the page. The app is served on 127.0.0.1; every request off it is recorded and aborted."""

from __future__ import annotations

import re

import pytest
from app_server import MAP_FRAME, offline_page
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.browser

# Every layer of the drawn map tagged, to tell afterwards what was drawn again and what stayed.
TAG_JS = """() => {
  window.__testToken = 1;
  window.map.eachLayer((l) => { l.__test = 1; });
}"""
# The frame's map now: its markers (new ones: not tagged) and polygons (kept ones: tagged).
STATE_JS = """() => {
  if (!window.__testToken) { return {reloaded: true}; }
  let fresh = 0, markers = 0, polygons = 0, kept = 0;
  window.map.eachLayer((l) => {
    if (l instanceof L.CircleMarker || (l instanceof L.Marker && l.options.interactive !== false)) {
      markers++; if (!l.__test) { fresh++; }
    } else if (l instanceof L.Polygon) { polygons++; if (l.__test) { kept++; } }
  });
  return {reloaded: false, fresh, markers, polygons, kept};
}"""
# Script runs the server finished since the page opened (ForwardMsg ``script_finished``, field 6).
RUNS_JS = "() => window.__runs"
COUNT_RUNS_JS = """(() => {
  window.__runs = 0;
  const WS = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new WS(...args);
    ws.addEventListener("message", (e) => {
      if (!(e.data instanceof ArrayBuffer)) { return; }
      const b = new Uint8Array(e.data);
      let i = 0;
      while (i < b.length) {
        let tag = 0, s = 1, x;
        do { x = b[i++]; tag += (x & 127) * s; s *= 128; } while (x & 128);
        const field = Math.floor(tag / 8);
        if (field !== 1 && field !== 2) { if (field === 6) { window.__runs++; } return; }
        let n = 0; s = 1;
        do { x = b[i++]; n += (x & 127) * s; s *= 128; } while (x & 128);
        i += n;
      }
    });
    return ws;
  };
  window.WebSocket.prototype = WS.prototype;
})();"""


def map_frame(page):
    return next(f for f in page.frames if "st_folium" in f.url)


def open_carte(browser, url: str, outside: list[str]):
    page = offline_page(browser, outside)
    page.add_init_script(COUNT_RUNS_JS)
    page.goto(url)
    page.frame_locator(MAP_FRAME).locator(".leaflet-overlay-pane path.leaflet-interactive").nth(2).wait_for(
        timeout=60_000
    )
    page.wait_for_timeout(1000)
    return page


def choose_status(page, label: str) -> None:
    box = page.get_by_label("Statut des projets", exact=True)
    option = page.get_by_role("option", name=re.compile(re.escape(label))).first
    for attempt in range(3):
        box.click()
        try:
            option.click(timeout=5_000)
            return
        except PlaywrightError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")


def test_status_filter_redraws_the_markers_and_keeps_the_choropleth(browser, app_url):
    outside: list[str] = []
    page = open_carte(browser, f"{app_url}/carte?territory=departement:83&layers=projets", outside)
    frame = map_frame(page)
    frame.evaluate(TAG_JS)
    before = frame.evaluate(STATE_JS)
    assert before["markers"] >= 2 and before["polygons"] >= 1
    choose_status(page, "Réalisé")
    state = before
    for _ in range(300):
        state = map_frame(page).evaluate(STATE_JS)
        if state.get("reloaded") or state.get("fresh"):
            break
        page.wait_for_timeout(50)
    # The same map, the same polygons: only the markers were sent and drawn again.
    assert not state["reloaded"], "the map was rebuilt (choropleth sent again)"
    assert state["fresh"] == state["markers"] and 0 < state["markers"] < before["markers"]
    assert state["kept"] == state["polygons"] == before["polygons"]
    # The legend beside the map follows the filter.
    page.locator(".cnrmap-page-legend", has_text="Filtres : Projets au statut : réalisé").wait_for(timeout=30_000)
    assert outside == []
    page.close()


def test_a_filter_line_appearing_above_the_map_does_not_rebuild_it(browser, app_url):
    """Nouvelle-Aquitaine has no project: its page says no filter line until a status is chosen, then one appears
    above the map. The map frame must stay where it is (a moved frame is rebuilt, its choropleth sent again)."""
    outside: list[str] = []
    page = open_carte(browser, f"{app_url}/carte?territory=region:75", outside)
    frame = map_frame(page)
    frame.evaluate(TAG_JS)
    before = frame.evaluate(STATE_JS)
    assert page.get_by_text("Projets au statut").count() == 0
    choose_status(page, "Réalisé")
    page.get_by_text("Projets au statut : réalisé").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    state = map_frame(page).evaluate(STATE_JS)
    assert not state["reloaded"], "the map was rebuilt (choropleth sent again)"
    assert state["kept"] == state["polygons"] == before["polygons"] > 0
    assert outside == []
    page.close()


def test_pan_and_zoom_do_not_rerun_the_page(browser, app_url):
    outside: list[str] = []
    page = open_carte(browser, f"{app_url}/carte?territory=region:93&layers=limites", outside)
    runs = page.evaluate(RUNS_JS)
    assert runs >= 1
    frame = map_frame(page)
    zoom, centre = frame.evaluate("() => [window.map.getZoom(), window.map.getCenter()]")
    box = page.locator(MAP_FRAME).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 3
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 150, y + 60, steps=10)
    page.mouse.up()
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(2000)  # streamlit-folium reports moves after 250 ms
    after_zoom, after_centre = frame.evaluate("() => [window.map.getZoom(), window.map.getCenter()]")
    assert after_zoom != zoom and after_centre != centre
    assert page.evaluate(RUNS_JS) == runs
    # A click on a territory still reruns the page and shows its detail.
    point = frame.evaluate(
        """() => {
          let found = null;
          window.map.eachLayer((l) => {
            if (!found && l instanceof L.Polygon && l.feature && l.feature.properties.code === "13") { found = l; }
          });
          window.map.fitBounds(found.getBounds(), {animate: false});
          const p = window.map.latLngToContainerPoint(found.getCenter());
          return [p.x, p.y];
        }"""
    )
    page.wait_for_timeout(2000)
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    box = page.locator(MAP_FRAME).bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.get_by_role("heading", name="Bouches-du-Rhône (13)").wait_for(timeout=30_000)
    assert page.evaluate(RUNS_JS) > runs
    assert outside == []
    page.close()
