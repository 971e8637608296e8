"""``python -m tools.bench``: how fast the map is at every scale, next to a naive folium baseline.

For each case (one department, one region, France by commune, France by department) it measures, in the
same run, the map cnrmap builds (:func:`cnrmap.carte.compose.build_view` then the HTML render, as the Carte page does)
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
from cnrmap.export.browser import LAUNCH_ARGS
from tools.report import emit

CASES: tuple[tuple[str, str, str, str], ...] = (
    ("Un département (Gironde), communes", "departement:33", "commune", "≤ 150 Ko, ≤ 0,15 s"),
    ("Une région (Nouvelle-Aquitaine), communes", "region:75", "commune", "≤ 1 Mo, ≤ 0,5 s"),
    ("France, communes", "FR", "commune", "≤ 6 Mo, ≤ 2 s"),
    ("France, départements", "FR", "departement", "≤ 300 Ko, ≤ 0,1 s"),
)


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
    from cnrmap.geo import boundaries

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
    from cnrmap.carte import compose
    from cnrmap.carte.state import MapState
    from cnrmap.curated import load as datasets
    from cnrmap.geo import boundaries
    from cnrmap.leaflet import assets

    data = datasets.load_cnr_data(settings)
    installed = boundaries.installed_commune_departments(settings)
    boundaries.load_communes(settings, installed)  # builds the national cache if needed
    load_s, _ = _median_time(lambda: boundaries.load_communes(settings, installed), repeat)

    rows: list[tuple[str, str, Measure, Measure]] = []
    pages: list[tuple[str, str]] = []
    for label, territory, level, target in CASES:
        state = MapState(territory=territory, level=level, basemap="aucun")

        def build(state: MapState = state) -> str:
            result = compose.build_view(state, settings, data)
            return result.map.get_root().render()

        build()  # warm the caches
        ours_s, html = _median_time(build, repeat)
        ours = Measure(len(html.encode()), ours_s, repeat)
        shapes = _shapes(settings, territory, level)
        base_s, base_html = _median_time(lambda shapes=shapes: _baseline_html(shapes), baseline_repeat)
        base = Measure(len(base_html.encode()), base_s, baseline_repeat)
        rows.append((label, target, ours, base))
        if browser:
            result = compose.build_view(state, settings, data)
            pages.append((assets.inline_html(result.map), _inline_baseline(base_html)))

    if browser:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            chromium = p.chromium.launch(
                executable_path=shutil.which("chromium"), headless=True, args=list(LAUNCH_ARGS)
            )
            for (_, _, ours, base), (ours_page, base_page) in zip(rows, pages, strict=True):
                ours.draw_s, ours.pan_ms = _browser_times(ours_page, chromium)
                base.draw_s, base.pan_ms = _browser_times(base_page, chromium)
            chromium.close()

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rerun_s = _rerun_time(settings, data, repeat)
    app = _app_process(settings, repeat)
    report = _report(rows, load_s, rss_mb, repeat) + "\n" + _app_report(rerun_s, app, repeat)
    return report


def _rerun_time(settings: Settings, data, repeat: int) -> float:
    """Median time of a Carte filter rerun on France by commune: a new theme / statuses = a new MapState.

    The page caches the view per state, so a filter change runs :func:`cnrmap.carte.compose.build_view` and the render
    again with every file-level cache warm; each run uses a state not seen before.
    """
    from cnrmap import vocab
    from cnrmap.carte import compose
    from cnrmap.carte.state import MapState

    themes = [None, *vocab.THEMES]
    statuses = list(vocab.STATUSES)
    states = [
        MapState(territory="FR", level="commune", theme=themes[i % len(themes)], statuses=tuple(statuses[: 1 + i]))
        for i in range(repeat + 1)
    ]

    def run_one(state: MapState) -> None:
        result = compose.build_view(state, settings, data)
        result.map.get_root().render()

    run_one(states[0])  # warm
    times = []
    for state in states[1:]:
        start = time.perf_counter()
        run_one(state)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# What a fresh Carte page process does: import the app's libraries, read the installed caches, build and render
# the default view (France by department), then France by commune; prints timings and resident memory.
_APP_SCRIPT = """
import json, os, time
t0 = time.perf_counter()
import streamlit, streamlit_folium  # noqa: F401  (the app's own libraries count in its memory)
from cnrmap.curated import load as datasets
from cnrmap.carte import compose
from cnrmap.carte.state import MapState
from cnrmap.config import get_settings
settings = get_settings()
data = datasets.load_cnr_data(settings)
def show(state):
    result = compose.build_view(state, settings, data)
    return len(result.map.get_root().render())
show(MapState())
first = time.perf_counter() - t0
t1 = time.perf_counter()
show(MapState(territory="FR", level="commune"))
national = time.perf_counter() - t1
from tools.local_server import resident_memory_mb
rss, peak = resident_memory_mb(os.getpid())  # VmHWM, not ru_maxrss: the latter is inherited from the parent
print(json.dumps({"first_s": first, "national_s": national, "rss_mb": rss, "peak_mb": peak}))
"""


def _app_process(settings: Settings, repeat: int) -> dict[str, float] | None:
    """Run :data:`_APP_SCRIPT` in ``repeat`` new Python processes (cold: no in-memory cache), medians."""
    import json
    import os
    import subprocess
    import sys

    from cnrmap.config import child_environment

    env = child_environment({"CNRMAP_ROOT": str(settings.root)})
    env["CNRMAP_CACHE_DIR"] = str(settings.cache_dir)
    env["PYTHONPATH"] = str(settings.root) + os.pathsep + env.get("PYTHONPATH", "")  # cnrmap and tools
    runs = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", _APP_SCRIPT], env=env, capture_output=True, text=True, timeout=600, check=False
        )
        if done.returncode != 0:
            return None
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def _app_report(rerun_s: float, app: dict[str, float] | None, repeat: int) -> str:
    lines = [
        f"- Relance de la page Carte après un changement de filtre (thème, statuts ; France par commune, "
        f"médiane de {repeat}) : {rerun_s:.2f} s (cible ≤ 0,3 s).",
    ]
    if app is None:
        lines.append("- Processus de l'application : mesure impossible (voir python -m tools.bench).")
        return "\n".join(lines)
    lines += [
        f"- Premier rendu de la page Carte dans un nouveau processus, cache installé (imports compris ; médiane de "
        f"{repeat} processus) : "
        f"{app['first_s']:.2f} s (cible ≤ 3 s) ; puis France par commune : {app['national_s']:.2f} s.",
        f"- Mémoire résidente de ce processus avec les communes de France chargées : {app['rss_mb']:.0f} Mo "
        f"(maximum {app['peak_mb']:.0f} Mo ; cible < 600 Mo ; serveur Streamlit lui-même non compté).",
    ]
    return "\n".join(lines)


def _inline_baseline(html: str) -> str:
    """The baseline page with Leaflet inlined (its CDN links would not load offline)."""
    from cnrmap.leaflet import assets

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
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="exécutions par mesure (médiane)")
    parser.add_argument("--no-browser", action="store_true", help="sans mesure dans Chromium")
    parser.add_argument("--out", type=Path, default=None, help="écrire aussi le tableau dans ce fichier Markdown")
    parser.add_argument("--app-only", action="store_true", help="seulement l'application réelle (serveur + Chromium)")
    parser.add_argument("--no-app", action="store_true", help="sans l'application réelle")
    args = parser.parse_args(argv)
    settings = get_settings()
    parts = []
    if not args.app_only:
        parts.append(run(settings, repeat=args.repeat, browser=not args.no_browser))
    if not args.no_app and not args.no_browser:
        from tools import bench_app

        measured = bench_app.run_app(settings, repeat=min(args.repeat, 3))
        parts.append("Application réelle :\n\n" + bench_app.app_report(measured))
    report = "\n\n".join(parts)
    emit(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
