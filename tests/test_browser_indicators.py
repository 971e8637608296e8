"""Real-browser tests of the indicators that answer the mission: APL by commune (a year, an evolution), the
documents' figures layer with its labelled outlines, and the panel of a clicked commune — offline, screenshots kept
in ``tests/artifacts/``."""

from __future__ import annotations

import re

import pytest
from app_server import MAP_FRAME, offline_page, serve_app
from playwright.sync_api import Error as PlaywrightError

from cnrmap.config import get_settings
from cnrmap.sources.fetch import fetch

pytestmark = pytest.mark.browser
ARTIFACTS = get_settings().root / "tests" / "artifacts"
NOUVELLE_AQUITAINE = ["16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory, mirror_dir):
    """Commune boundaries of Nouvelle-Aquitaine and the commune data, fetched from the mirror once."""
    folder = tmp_path_factory.mktemp("browser-indicators")
    settings = get_settings(cache_dir=folder, mirror=str(mirror_dir))
    report = fetch(settings, departments=NOUVELLE_AQUITAINE, progress=False)
    assert report.ok, report.summary()
    return folder


@pytest.fixture(scope="module")
def app_url(cache):
    with serve_app(env={"CNRMAP_CACHE_DIR": str(cache)}, timeout=90) as url:
        yield url


LEGEND = ".cnrmap-page-legend"  # the legends the page shows beside the map


def open_map(page, url: str, legend_text: str):
    """Open ``url``; wait for the legend beside the map that holds ``legend_text``, and for the drawn map."""
    page.goto(url)
    frame = page.frame_locator(MAP_FRAME)
    page.locator(LEGEND, has_text=legend_text).first.wait_for(timeout=120_000)
    frame.locator(".leaflet-overlay-pane canvas, .leaflet-overlay-pane path").first.wait_for(
        state="attached", timeout=120_000
    )
    page.wait_for_timeout(1500)  # let Leaflet paint the canvas
    return frame


def test_nouvelle_aquitaine_by_commune_apl_2023(browser, app_url):
    outside: list[str] = []
    page = offline_page(browser, outside, height=1100)
    open_map(page, f"{app_url}/carte?territory=region:75&level=commune&indicator=apl_mg&year=2023&basemap=0",
                     "Seuil usuel de sous-densité")  # fmt: skip
    legend = page.locator(LEGEND, has_text="Seuil usuel").first.inner_text()
    assert "Accessibilité potentielle localisée (APL) aux médecins généralistes, 2023" in legend
    assert page.get_by_role("heading", name=re.compile("APL.*2023.* — Nouvelle-Aquitaine, par commune")).count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "na-apl-communes-2023.png"))
    assert outside == []
    page.close()


def test_evolution_2015_2023_has_its_sign_convention_in_the_legend(browser, app_url):
    outside: list[str] = []
    page = offline_page(browser, outside, height=1100)
    url = f"{app_url}/carte?territory=region:75&level=commune&indicator=apl_mg&year=2023&from_year=2015&basemap=0"
    open_map(page, url, "hausse = meilleur accès")
    legend = page.locator(LEGEND, has_text="hausse").first.inner_text()
    assert "Évolution de l'APL aux médecins généralistes, 2015 → 2023" in legend
    assert "symétriques autour de 0" in legend and "−" in legend
    page.screenshot(path=str(ARTIFACTS / "na-apl-evolution-2015-2023.png"))
    assert outside == []
    page.close()


def test_documents_layer_for_patients_without_a_medecin_traitant(browser, app_url):
    outside: list[str] = []
    page = offline_page(browser, outside, height=1100)
    url = f"{app_url}/carte?territory=region:75&indicator=patients_sans_mt&basemap=0&layers=limites"
    frame = open_map(page, url, "pas de source nationale installée")
    label = frame.get_by_text("Arrondissement de Bergerac : 7,49 %")
    label.wait_for(timeout=30_000)
    assert frame.get_by_text("Arrondissement de Nontron : 6,3 % / 7,5 %").count() == 1
    assert page.locator(LEGEND, has_text="Territoires plus petits nommés par les documents").count() == 1
    layers = frame.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any("Territoires plus petits nommés par les documents" in t for t in layers)
    page.screenshot(path=str(ARTIFACTS / "patients-sans-mt-documents.png"))
    label.click()
    popup = frame.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    assert "Synthèse des ateliers CNR santé" in popup.inner_text()
    assert outside == []
    page.close()


def test_panel_of_a_dordogne_commune(browser, app_url):
    outside: list[str] = []
    page = offline_page(browser, outside, height=1100)
    open_map(page, f"{app_url}/carte?territory=departement:24&level=commune&indicator=apl_mg&basemap=0&layers=limites",
             "2023")  # fmt: skip
    box = page.locator(MAP_FRAME).bounding_box()
    heading = page.get_by_role("heading", name=re.compile(r"\(24\d{3}\)"))
    for dx, dy in ((0.45, 0.5), (0.5, 0.55), (0.4, 0.45)):  # a commune near the middle of the department
        page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
        try:
            heading.wait_for(timeout=15_000)
            break
        except PlaywrightError:
            continue
    heading.wait_for(timeout=5_000)
    page.get_by_text("Ce que disent les documents").wait_for(timeout=10_000)
    assert page.get_by_text(re.compile(r"^Son arrondissement : ")).count() >= 1
    assert page.get_by_text("France (comparaison citée)").count() == 1
    page.screenshot(path=str(ARTIFACTS / "panel-commune-dordogne.png"), full_page=True)
    assert outside == []
    page.close()


# The circles and the communes' renderers, and what a click at the centre of some communes would reach.
RENDERERS_JS = """() => {
  let circle = null;
  const polygons = [];
  window.map.eachLayer((l) => {
    if (!circle && l instanceof L.CircleMarker) { circle = l; }
    if (l instanceof L.Polygon && l._renderer instanceof L.Canvas && polygons.length < 40) { polygons.push(l); }
  });
  if (!circle || !polygons.length) { return null; }
  const hits = polygons.map((p) => {
    const at = window.map.latLngToContainerPoint(p.getCenter());
    const box = window.map.getContainer().getBoundingClientRect();
    const el = document.elementFromPoint(box.left + at.x, box.top + at.y);
    return el ? el.tagName.toLowerCase() : "";
  });
  return {own: circle._renderer instanceof L.SVG && circle._renderer !== polygons[0]._renderer, hits};
}"""


def test_points_have_a_renderer_of_their_own_above_a_canvas_choropleth(browser, app_url):
    """Dordogne by commune (503 communes, drawn in a canvas) and its meetings: the circles are drawn apart from the
    communes (a filter change redraws them without repainting every commune), and clicks beside them reach the
    communes under their layer."""
    outside: list[str] = []
    page = offline_page(browser, outside, height=1100)
    open_map(page, f"{app_url}/carte?territory=departement:24&level=commune&indicator=apl_mg&basemap=0", "2023")
    frame = next(f for f in page.frames if "st_folium" in f.url)
    found = frame.evaluate(RENDERERS_JS)
    assert found is not None and found["own"]
    assert "svg" not in found["hits"] and "canvas" in found["hits"], found["hits"]
    assert outside == []
    page.close()
