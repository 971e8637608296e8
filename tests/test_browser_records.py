"""Real browser: a status recorded with the Projets form changes the colour of its marker on the map.

The app runs with editing on and its own empty database; the reverse proxy's header naming the user is
sent by the browser (``X-Forwarded-User``), as a proxy in front of a shared deployment would.
"""

from __future__ import annotations

import re

import pytest
from app_server import launch_chromium, serve_app
from test_browser import ARTIFACTS, MAP_FRAME, offline_page

from cnrmap.carte.classify import STATUS_COLOURS

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # collected without playwright: the browser tests are skipped by marker
    PlaywrightTimeout = TimeoutError

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def symbol_colours(page, territory: str) -> dict[str, int]:
    """The status colours of the department's symbol (one donut for its 8 department-wide projects), with the
    length of the donut's arc each one gets (in proportion to its number of projects)."""
    page.goto(f"{page.base_url}/carte?territory={territory}&basemap=0&layers=projets")
    symbol = page.frame_locator(MAP_FRAME).locator(".cnrmap-symbol").first
    symbol.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    svg = symbol.inner_html()
    arcs = re.findall(r'stroke="(#[0-9a-f]{6})" stroke-width="[0-9.]+" stroke-dasharray="([0-9.]+) ', svg)
    return {colour: float(length) for colour, length in arcs if float(length) > 0}


def choose(page, container, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit select box labelled ``label`` inside ``container``."""
    box = (container or page).get_by_label(label, exact=True)
    wanted = page.get_by_role("option", name=re.compile(re.escape(option))).first
    for attempt in range(3):  # a click while the page reruns may not open the list
        box.click()
        try:
            wanted.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    wanted.click()


def test_recording_a_status_changes_the_marker_colour(playwright, tmp_path):
    env = {"CNRMAP_EDITING": "1", "CNRMAP_DATABASE_URL": f"sqlite:///{tmp_path / 'records.sqlite'}"}
    with serve_app(env=env) as url:
        browser = launch_chromium(playwright)
        outside: list[str] = []
        page = offline_page(browser, outside)
        page.set_extra_http_headers({"X-Forwarded-User": "alice@ars-paca"})
        page.base_url = url
        green = STATUS_COLOURS["realise"]
        before = symbol_colours(page, "departement:04")
        assert before and green not in before  # no status published for the 04 projects

        page.goto(f"{url}/projets")
        page.get_by_text("Historique des statuts").wait_for(timeout=30_000)
        choose(page, None, "Projet", "P-04-01")
        form = page.locator('[data-testid="stForm"]')
        form.get_by_text("Enregistrer un nouveau statut pour P-04-01").wait_for(timeout=30_000)
        choose(page, form, "Statut", "Réalisé")
        form.get_by_label("Source (document, réunion ou courrier qui l'établit)").fill("Comité de suivi CNR 04")
        page.get_by_text("Enregistré par : alice@ars-paca").wait_for(timeout=10_000)  # from the proxy's header
        form.get_by_role("button", name="Enregistrer ce statut").click()
        page.get_by_text("Statut n° 1 enregistré : P-04-01 réalisé").wait_for(timeout=30_000)
        # In the history at once (the grid keeps its cells in an accessible table behind its canvas).
        cell = page.locator("[role=gridcell]", has_text="Comité de suivi CNR 04").first
        cell.wait_for(state="attached", timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "projets-statut-enregistre.png"), full_page=True)

        after = symbol_colours(page, "departement:04")
        # One arc of the eight projects turns green: an eighth of the donut's circumference.
        assert green in after and abs(after[green] - sum(before.values()) / 8) <= 1
        page.screenshot(path=str(ARTIFACTS / "carte-04-statut-enregistre.png"))
        legend = page.locator(".cnrmap-page-legend").all_inner_texts()
        assert any("État au" in text and "Projet : réalisé" in text for text in legend)
        assert outside == []
        browser.close()
