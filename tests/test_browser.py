"""Real-browser tests: the app served on 127.0.0.1, driven by Playwright with Debian's Chromium.

The map must draw with no network at all: every request that is not for 127.0.0.1 is recorded and
aborted, and the tests fail if there is any. Screenshots are kept in ``tests/artifacts/``.
"""

from __future__ import annotations

import shutil

import pytest
from app_server import MAP_FRAME, launch_chromium, offline_page, serve_app

from cnrmap.config import get_settings

pytestmark = pytest.mark.browser
ROOT = get_settings().root
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def open_popup(marker, popup) -> None:
    """Click a marker until its popup shows: the first click may rerun the page (st_folium returns the
    clicked feature), which redraws the map; a second click on the same feature does not."""
    for attempt in range(3):
        marker.click(force=True)
        try:
            popup.wait_for(timeout=5_000)
            return
        except Exception:
            if attempt == 2:
                raise


def test_carte_draws_choropleth_and_markers_offline(playwright, app_url):
    browser = launch_chromium(playwright)
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.goto(f"{app_url}/carte?territory=FR&basemap=0")
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(150).wait_for(timeout=60_000)
    paths = frame.locator(".leaflet-overlay-pane path.leaflet-interactive").count()
    assert paths >= 101 + 41  # departments + project markers (+ meetings)
    labels = frame.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any("Densité de médecins généralistes" in t for t in labels)
    assert any("Projets du CNR santé" in t for t in labels)
    # The legends are beside the map (never over it).
    assert "Quantiles" in " ".join(page.locator(".cnrmap-page-legend").all_inner_texts())

    # A direct link opens the page itself, with the app's navigation and no "page not found" notice.
    assert page.get_by_text("Page not found").count() == 0
    assert page.get_by_role("link", name="Accueil").count() == 1

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "carte-france.png"))
    assert outside == []
    browser.close()


def test_same_view_twice_draws_the_map_twice(playwright, app_url):
    """A reload (a new session served the remembered view) shows the map again, not an empty frame."""
    browser = launch_chromium(playwright)
    outside: list[str] = []
    page = offline_page(browser, outside)
    for _ in range(2):
        page.goto(f"{app_url}/carte?territory=region:93&basemap=0")
        frame = page.frame_locator(MAP_FRAME)
        frame.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(5).wait_for(timeout=60_000)
    assert outside == []
    browser.close()


def test_marker_popup_and_territory_click_round_trip(playwright, app_url):
    browser = launch_chromium(playwright)
    outside: list[str] = []
    page = offline_page(browser, outside)
    page.goto(f"{app_url}/carte?territory=departement:83&basemap=0&layers=projets")
    frame = page.frame_locator(MAP_FRAME)
    paths = frame.locator(".leaflet-overlay-pane path.leaflet-interactive")
    paths.nth(2).wait_for(timeout=60_000)
    # A click on the department returns its code to Streamlit: the detail panel shows it.
    paths.first.click(force=True)
    page.get_by_role("heading", name="Var (83)").wait_for(timeout=30_000)

    # The last paths drawn are the project markers (precise places on top of department-wide ones).
    frame = page.frame_locator(MAP_FRAME)
    popup = frame.locator(".leaflet-popup-content").last
    open_popup(frame.locator(".leaflet-overlay-pane path.leaflet-interactive").last, popup)
    text = popup.inner_text()
    assert "Statut" in text and "Source" in text
    page.screenshot(path=str(ARTIFACTS / "carte-var-popup.png"))
    assert outside == []
    browser.close()


def test_injected_text_is_shown_as_text_and_never_runs(playwright, tmp_path):
    """A project title carrying HTML and script stays text in popups, tooltips and tables."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("cache"))
    projects = data / "projects.csv"
    text = projects.read_text(encoding="utf-8")
    payload = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    projects.write_text(
        text.replace("Toulon : renforcer les parcours de soins", f"{payload} Toulon", 1), encoding="utf-8"
    )
    with serve_app(env={"CNRMAP_DATA_DIR": str(data)}) as url:
        browser = launch_chromium(playwright)
        dialogs: list[str] = []
        outside: list[str] = []
        page = offline_page(browser, outside)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{url}/carte?territory=departement:83&basemap=0&layers=projets&statuses=realise")
        frame = page.frame_locator(MAP_FRAME)
        markers = frame.locator(".leaflet-overlay-pane path.leaflet-interactive")
        markers.nth(1).wait_for(timeout=60_000)
        popup = frame.locator(".leaflet-popup-content").last
        for i in reversed(range(markers.count())):
            open_popup(markers.nth(i), popup)
            if "Toulon" in popup.inner_text():
                break
        assert "<img src=x onerror=alert(1)>" in popup.inner_text()
        assert frame.locator("img[src='x']").count() == 0
        page.goto(f"{url}/projets")
        page.get_by_text("projet(s) sur").wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        assert page.locator("img[src='x']").count() == 0
        assert dialogs == []
        browser.close()
