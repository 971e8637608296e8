"""``python -m cnrmap.bench``: how fast the map is at every scale, next to a naive folium baseline.

For each case (one department, one region, France by commune, France by department) it measures, in the
same run, the map cnrmap builds (:func:`cnrmap.view.build_view` then the HTML render, as the Carte page does)
and a naive ``folium.Choropleth`` of the unsimplified GeoJSON: payload sent to the browser, server-side
build time (median of ``--repeat`` runs, caches warm), and the time headless Chromium takes to load and draw
the page with the network cut. It also measures loading every commune boundary from the local cache and the
process' peak resident memory, and prints a Markdown table.

Needs the commune boundaries of every department in the cache (``cnrmap fetch --all``).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import folium
import geopandas as gpd

from cnrmap.config import Settings, get_settings

CASES: tuple[tuple[str, str, str, str], ...] = (
    ("Un département (Gironde), communes", "departement:33", "commune", "≤ 150 Ko, ≤ 0,15 s"),
    ("Une région (Nouvelle-Aquitaine), communes", "region:75", "commune", "≤ 1 Mo, ≤ 0,5 s"),
    ("France, communes", "FR", "commune", "≤ 6 Mo, ≤ 2 s"),
    ("France, départements", "FR", "departement", "≤ 300 Ko, ≤ 0,1 s"),
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Measure:
    """One side of one case."""

    payload: int
    build_s: float
    runs: int
    draw_s: float | None = None
    pan_ms: float | None = None


def _median_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _baseline_html(gdf: gpd.GeoDataFrame) -> str:
    """The naive map: a folium.Choropleth of the full-resolution GeoJSON, every property sent."""
    m = folium.Map(location=[46.5, 2.5], zoom_start=6, tiles=None)
    data = gdf[["code", "name", "geometry"]].assign(value=range(len(gdf)))
    folium.Choropleth(
        geo_data=data.to_json(),
        data=data,
        columns=["code", "value"],
        key_on="feature.properties.code",
        fill_color="YlOrRd",
        nan_fill_color="#cccccc",
    ).add_to(m)
    return m.get_root().render()


def _shapes(settings: Settings, territory: str, level: str) -> gpd.GeoDataFrame:
    from cnrmap import boundaries

    deps = boundaries.load_departments(settings).gdf
    scope, _, code = territory.partition(":")
    if scope == "region":
        deps = deps[deps["region_code"] == code]
    elif scope == "departement":
        deps = deps[deps["code"] == code]
    if level == "departement":
        return deps
    return boundaries.load_communes(settings, list(deps["code"])).gdf


def _browser_times(html: str, browser) -> tuple[float | None, float | None]:
    """Seconds from navigation to the map drawn (load event: Leaflet draws synchronously), and a pan (ms).

    ``(None, None)`` when nothing is drawn within a minute.
    """
    from playwright.sync_api import Error as PlaywrightError

    try:
        return _browser_times_or_raise(html, browser)
    except PlaywrightError:
        return None, None


def _browser_times_or_raise(html: str, browser) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "map.html"
        path.write_text(html, encoding="utf-8")
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.route("http*://**", lambda route: route.abort())  # no network
        start = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load", timeout=60_000)
        page.wait_for_selector(
            ".leaflet-overlay-pane canvas, .leaflet-overlay-pane path", state="attached", timeout=60_000
        )
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        draw = time.perf_counter() - start
        pan = page.evaluate(
            """() => new Promise(resolve => {
                const map = Object.values(window).find(v => v && v instanceof L.Map);
                const t0 = performance.now();
                map.once('moveend', () => requestAnimationFrame(() => resolve(performance.now() - t0)));
                map.panBy([200, 120], {animate: false});
            })"""
        )
        page.close()
    return draw, float(pan)


def run(settings: Settings, repeat: int = 5, browser: bool = True, baseline_repeat: int = 1) -> str:
    """Measure every case and return the Markdown report.

    Parameters
    ----------
    settings : Settings
        Caches to read (commune boundaries of every department must be installed).
    repeat : int
        Runs per measure of cnrmap's build (the median is reported).
    browser : bool
        Also time the page in headless Chromium.
    baseline_repeat : int
        Runs of the naive baseline (slow at national scale).

    Returns
    -------
    str
        Markdown table and notes.
    """
    from cnrmap import assets, boundaries, datasets, view

    data = datasets.load_cnr_data(settings)
    installed = boundaries.installed_commune_departments(settings)
    boundaries.load_communes(settings, installed)  # builds the national cache if needed
    load_s, _ = _median_time(lambda: boundaries.load_communes(settings, installed), repeat)

    rows: list[tuple[str, str, Measure, Measure]] = []
    pages: list[tuple[str, str]] = []
    for label, territory, level, target in CASES:
        state = view.MapState(territory=territory, level=level)

        def build(state: view.MapState = state) -> str:
            result = view.build_view(state, settings, data.projects, data.proposals, data.meetings)
            return result.map.get_root().render()

        build()  # warm the caches
        ours_s, html = _median_time(build, repeat)
        ours = Measure(len(html.encode()), ours_s, repeat)
        shapes = _shapes(settings, territory, level)
        base_s, base_html = _median_time(lambda shapes=shapes: _baseline_html(shapes), baseline_repeat)
        base = Measure(len(base_html.encode()), base_s, baseline_repeat)
        rows.append((label, target, ours, base))
        if browser:
            result = view.build_view(state, settings, data.projects, data.proposals, data.meetings)
            pages.append((assets.inline_html(result.map), _inline_baseline(base_html)))

    if browser:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
            for (_, _, ours, base), (ours_page, base_page) in zip(rows, pages, strict=True):
                ours.draw_s, ours.pan_ms = _browser_times(ours_page, chromium)
                base.draw_s, base.pan_ms = _browser_times(base_page, chromium)
            chromium.close()

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return _report(rows, load_s, rss_mb, repeat)


def _inline_baseline(html: str) -> str:
    """The baseline page with Leaflet inlined (its CDN links would not load offline)."""
    from cnrmap import assets

    found = assets.locate_assets()
    js = found.leaflet_js.read_text(encoding="utf-8")
    css = found.leaflet_css.read_text(encoding="utf-8")
    head = f"<style>{css}</style><script>{js}</script>"
    return html.replace("<head>", "<head>" + head, 1)


def _size(n: int) -> str:
    return f"{n / 1e6:.2f} Mo" if n >= 1e6 else f"{n / 1e3:.0f} Ko"


def _secs(s: float | None) -> str:
    return "—" if s is None else f"{s:.2f} s"


def _report(rows: list[tuple[str, str, Measure, Measure]], load_s: float, rss_mb: float, repeat: int) -> str:
    lines = [
        "| Cas | Cible | Charge utile (cnrmap / naïf) | Construction serveur, médiane (cnrmap / naïf) "
        "| Dessin navigateur (cnrmap / naïf) | Déplacement (cnrmap) | Rapport charge / temps |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, target, ours, base in rows:
        ratio = f"÷{base.payload / ours.payload:.0f} / ÷{base.build_s / ours.build_s:.0f}"
        pan = "—" if ours.pan_ms is None else f"{ours.pan_ms:.0f} ms"
        lines.append(
            f"| {label} | {target} | {_size(ours.payload)} / {_size(base.payload)} "
            f"| {_secs(ours.build_s)} / {_secs(base.build_s)} | {_secs(ours.draw_s)} / {_secs(base.draw_s)} "
            f"| {pan} | {ratio} |"
        )
    lines += [
        "",
        f"- Chargement de tous les contours communaux depuis le cache local : {load_s:.2f} s (médiane de {repeat}).",
        f"- Mémoire résidente maximale du processus (tout compris, navigateur exclu) : {rss_mb:.0f} Mo.",
        f"- Construction cnrmap = build_view + rendu HTML, médiane de {repeat} exécutions, caches chauds ; "
        "naïf = folium.Choropleth du GeoJSON non simplifié (une exécution).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m cnrmap.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="exécutions par mesure (médiane)")
    parser.add_argument("--no-browser", action="store_true", help="sans mesure dans Chromium")
    parser.add_argument("--out", type=Path, default=None, help="écrire aussi le tableau dans ce fichier Markdown")
    args = parser.parse_args(argv)
    report = run(get_settings(), repeat=args.repeat, browser=not args.no_browser)
    print(report)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
