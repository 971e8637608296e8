"""The real app timed phase by phase, next to the standalone page of the same view (``python -m tools.bench``).

Every figure comes from the browser's own clock (``performance.timeOrigin + performance.now()`` in the page and
in the map's frame, which share the wall clock), recorded by a script installed in every frame before any
page script runs (:data:`INSTRUMENT_JS`):

- the WebSocket messages Streamlit sends (time, size, ForwardMsg type read from the protobuf tag): the server's
  rerun is from ``new_session`` to ``script_finished``, the map's message is the delta that names the component;
- the JavaScript modules Streamlit loads on demand (resource timing of ``/static/js/``);
- in the streamlit-folium frame: its first render event (the map's arguments posted by the page), the scripts it
  loads (Leaflet, jQuery, linked layer data), the map script it appends (parse and execution are synchronous:
  the time ``appendChild`` takes), then two animation frames (Leaflet's canvas draws on the next frame).

The browser runs with the network cut (:data:`OFFLINE_ARGS`: nothing but 127.0.0.1 answers). Cold = a server started for
the case and a new browser profile (empty HTTP cache); warm = the same view opened again in a new tab (the
server's caches and the browser's cache of Streamlit's files are warm).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError

from cnrmap.config import Settings
from cnrmap.export.browser import LAUNCH_ARGS

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'

# ForwardMsg field numbers (streamlit/proto/ForwardMsg.proto): the ``type`` of each message.
MSG_TYPES = {4: "new_session", 5: "delta", 6: "script_finished", 9: "session_status", 11: "ref_hash"}

INSTRUMENT_JS = r"""
(() => {
  if (window.__bench) { return; }
  const now = () => performance.timeOrigin + performance.now();
  const bench = window.__bench = {marks: {}, ws: [], sent: 0, renders: []};
  const mark = (k) => { if (!(k in bench.marks)) { bench.marks[k] = now(); } };
  document.addEventListener("DOMContentLoaded", () => mark("dcl"));
  window.addEventListener("load", () => mark("load"));
  function varint(b, i) { let v = 0, s = 1, x; do { x = b[i++]; v += (x & 127) * s; s *= 128; } while (x & 128); return [v, i]; }
  function msgType(b) {  // the first field after hash (1) and metadata (2)
    let i = 0;
    while (i < b.length) {
      let tag; [tag, i] = varint(b, i);
      const f = Math.floor(tag / 8), w = tag & 7;
      if (f !== 1 && f !== 2) { return f; }
      if (w === 2) { let n; [n, i] = varint(b, i); i += n; } else if (w === 0) { [, i] = varint(b, i); } else { return -1; }
    }
    return -1;
  }
  const NAME = Array.from("streamlit_folium").map((c) => c.charCodeAt(0));
  function names(b) {
    outer: for (let i = 0; i + NAME.length <= b.length; i++) {
      for (let k = 0; k < NAME.length; k++) { if (b[i + k] !== NAME[k]) { continue outer; } }
      return true;
    }
    return false;
  }
  const WS = window.WebSocket;
  if (WS && window.top === window) {
    window.WebSocket = function (...args) {
      const ws = new WS(...args);
      mark("ws_created");
      ws.addEventListener("open", () => mark("ws_open"));
      ws.addEventListener("message", (e) => {
        const t = now();
        if (e.data instanceof ArrayBuffer) {
          const b = new Uint8Array(e.data), type = msgType(b);
          bench.ws.push({t, size: b.length, type, component: type === 5 && names(b)});
        } else {
          bench.ws.push({t, size: e.data.size || e.data.length || 0, type: -1, component: false});
        }
      });
      const send = ws.send.bind(ws);
      ws.send = (d) => { bench.sent += 1; return send(d); };
      return ws;
    };
    window.WebSocket.prototype = WS.prototype;
    Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  }
  window.addEventListener("message", (e) => {
    if (e.data && e.data.type === "streamlit:render") { mark("render"); bench.renders.push(now()); }
  }, true);
  const append = Node.prototype.appendChild;
  Node.prototype.appendChild = function (child) {
    if (child && child.tagName === "SCRIPT" && !child.src && (child.textContent || "").indexOf("initComponent") >= 0) {
      mark("script_start");
      bench.script_bytes = child.textContent.length;
      const out = append.call(this, child);
      mark("script_end");
      requestAnimationFrame(() => requestAnimationFrame(() => mark("painted")));
      return out;
    }
    return append.call(this, child);
  };
})();
"""

# In the map's frame: the Leaflet map exists with at least ``n`` layers and was painted after its script ran.
_FRAME_DRAWN_JS = """(n) => !!(window.map && window.__bench && window.__bench.marks.painted
    && Object.keys(window.map._layers).length >= n)"""

_TIMINGS_JS = """() => ({origin: performance.timeOrigin, marks: window.__bench.marks, ws: window.__bench.ws,
  sent: window.__bench.sent, script_bytes: window.__bench.script_bytes || 0,
  resources: performance.getEntriesByType("resource").map((r) => ({name: r.name, start: r.startTime,
    end: r.responseEnd, bytes: r.encodedBodySize}))})"""


@dataclass
class Navigation:
    """One navigation to a drawn map, split into phases (seconds from the navigation's start unless noted)."""

    total: float
    page: float  # Streamlit's page: HTML, its main bundle parsed and run (DOMContentLoaded)
    connect: float  # page ready → first message of the server (WebSocket open, session created)
    server: float  # server rerun: new_session → script_finished
    map_message: float  # new_session → the map's message received (part of the rerun before the map is sent)
    chunks: int  # Streamlit's JavaScript modules loaded on demand after the page
    chunks_end: float  # when the last of them arrived
    frame: float  # map message → the streamlit-folium frame got its arguments (frame created, bundle loaded)
    assets: float  # arguments → map script appended (Leaflet, jQuery and linked data loaded)
    script: float  # map script parsed and run (synchronous)
    draw: float  # script end → two animation frames
    ws_bytes: int  # bytes received on the WebSocket
    map_bytes: int  # size of the map's message
    script_bytes: int  # size of the map script run in the frame
    linked_bytes: int  # layer data fetched by the frame (linked payloads)


@dataclass
class Standalone:
    """The standalone page (``cnrmap render``) of the same view."""

    total: float
    parse: float  # response end → DOM interactive (the inline scripts parsed and run)
    draw: float  # → two animation frames


@dataclass
class Redraw:
    """A status filter changed in the sidebar, up to the redrawn markers (seconds from the click on the option)."""

    seconds: float | None
    ws_bytes: int
    reloaded: bool  # the map's frame was rebuilt (choropleth sent and drawn again)
    polygons_kept: bool  # every polygon drawn before is still the same Leaflet layer
    markers_before: int = 0
    markers_after: int = 0
    server: float | None = None  # the rerun: its first message → script_finished
    map_message: float | None = None  # click → the map's message (or its cached reference) received
    frame: float | None = None  # click → the frame got the new arguments


@dataclass
class CaseResult:
    """Cold, warm and standalone timings of one view, with the filter redraw."""

    label: str
    path: str
    cold: Navigation | None
    warm: list[Navigation] = field(default_factory=list)
    standalone: list[Standalone] = field(default_factory=list)
    redraw: list[Redraw] = field(default_factory=list)
    pan_zoom_reruns: int | None = None

    def warm_median(self, attribute: str = "total") -> float | None:
        values = [getattr(n, attribute) for n in self.warm]
        return statistics.median(values) if values else None

    def standalone_median(self, attribute: str = "total") -> float | None:
        values = [getattr(s, attribute) for s in self.standalone]
        return statistics.median(values) if values else None


def _phases(top: dict, frame: dict, start_ms: float) -> Navigation:
    def at(t: float | None) -> float:
        return 0.0 if t is None else (t - start_ms) / 1000

    marks, fmarks = top["marks"], frame["marks"]
    ws = top["ws"]
    session = next((m["t"] for m in ws if m["type"] == 4), None)
    finished = next((m["t"] for m in ws if m["type"] == 6), None)
    map_msg = next((m for m in ws if m["component"]), None)
    first = ws[0]["t"] if ws else None
    dcl = marks.get("dcl")
    chunks = [
        r
        for r in top["resources"]
        if "/static/js/" in r["name"] and dcl is not None and top["origin"] + r["start"] > dcl
    ]
    chunks_end = max((top["origin"] + r["end"] for r in chunks), default=dcl)
    linked = [r for r in frame["resources"] if "/component/cnrmap.cached.layers/" in r["name"]]
    map_t = map_msg["t"] if map_msg else finished
    return Navigation(
        total=at(fmarks.get("painted")),
        page=at(dcl),
        connect=at(first) - at(dcl),
        server=at(finished) - at(session),
        map_message=at(map_t) - at(session),
        chunks=len(chunks),
        chunks_end=at(chunks_end),
        frame=at(fmarks.get("render")) - at(map_t),
        assets=at(fmarks.get("script_start")) - at(fmarks.get("render")),
        script=at(fmarks.get("script_end")) - at(fmarks.get("script_start")),
        draw=at(fmarks.get("painted")) - at(fmarks.get("script_end")),
        ws_bytes=sum(m["size"] for m in ws),
        map_bytes=map_msg["size"] if map_msg else 0,
        script_bytes=int(frame.get("script_bytes") or 0),
        linked_bytes=sum(int(r["bytes"] or 0) for r in linked),
    )


def map_frame(page: Any) -> Any:
    """The streamlit-folium frame of ``page`` (``None`` before it exists)."""
    for frame in page.frames:
        if "st_folium" in frame.url or "streamlit_folium" in frame.url:
            return frame
    return None


def navigate(page: Any, url: str, min_layers: int, timeout_s: float = 120) -> Navigation | None:
    """Open ``url`` in ``page`` and time it up to the drawn map; ``None`` if it is not drawn in time."""
    start_ms = time.time() * 1000
    page.goto(url, timeout=timeout_s * 1000)
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        frame = map_frame(page)
        try:
            if frame is not None and frame.evaluate(_FRAME_DRAWN_JS, min_layers):
                return _phases(page.evaluate(_TIMINGS_JS), frame.evaluate(_TIMINGS_JS), start_ms)
        except PlaywrightError:  # the frame may be replaced while polled
            pass
        page.wait_for_timeout(20)
    return None


def standalone_times(browser: Any, html: str, repeat: int) -> list[Standalone]:
    """Load the standalone page ``repeat`` times (new tab each time, network cut) up to two painted frames."""
    out = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "carte.html"
        path.write_text(html, encoding="utf-8")
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            start = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load", timeout=120_000)
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            total = time.perf_counter() - start
            nav = page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " return [n.responseEnd, n.domInteractive, n.loadEventEnd]; }"
            )
            out.append(Standalone(total, (nav[1] - nav[0]) / 1000, total - nav[1] / 1000))
            page.close()
    return out


# Tag every layer of the drawn map, to tell afterwards what was redrawn and what stayed; and note, from inside the
# frame, when the first new marker is added and the two animation frames after it (Leaflet adds a group's markers
# in one go). Polling a timestamp, not walking the 35,000 layers of France: a walk every 10 ms kept the page busy
# and slowed the redraw it measured.
_TAG_JS = """() => {
  window.__benchToken = 1;
  window.__benchPainted = 0;
  let markers = 0;
  window.map.eachLayer((l) => { l.__bench = 1; if (l instanceof L.Marker || l instanceof L.CircleMarker) markers++; });
  if (!window.__benchWatch) {
    window.__benchWatch = true;
    window.map.on("layeradd", (e) => {
      const l = e.layer;
      if (window.__benchPainted === 0 && !l.__bench && (l instanceof L.Marker || l instanceof L.CircleMarker)) {
        window.__benchPainted = -1;
        requestAnimationFrame(() => requestAnimationFrame(() => {
          window.__benchPainted = performance.timeOrigin + performance.now();
        }));
      }
    });
  }
  return markers;
}"""

# 0 while nothing new is drawn, the time of the painted frames once it is; ``null`` in a rebuilt frame.
_PAINTED_JS = "() => window.__benchToken ? (window.__benchPainted > 0 ? window.__benchPainted : 0) : null"

# Once redrawn: markers, new markers, polygons and polygons kept from before.
_REDRAWN_JS = """() => {
  let fresh = 0, markers = 0, polygons = 0, kept = 0;
  window.map.eachLayer((l) => {
    if (l instanceof L.Marker || l instanceof L.CircleMarker) { markers++; if (!l.__bench) fresh++; }
    else if (l instanceof L.Polygon) { polygons++; if (l.__bench) kept++; }
  });
  return {fresh, markers, polygons, kept};
}"""


def _choose_status(page: Any, label: str) -> None:
    """Add ``label`` to the sidebar's « Statut des projets » filter (retried: a rerun may redraw the list)."""
    import re

    box = page.get_by_label("Statut des projets", exact=True)
    option = page.get_by_role("option", name=re.compile(re.escape(label))).first
    for attempt in range(4):
        try:
            box.click(timeout=10_000)
            option.click(timeout=5_000)
            return
        except PlaywrightError:
            if attempt == 3:
                raise
            page.keyboard.press("Escape")


def filter_redraw(page: Any, status_label: str, min_layers: int, timeout_s: float = 60) -> Redraw:
    """Choose a status in the sidebar and time the click up to the redrawn markers."""
    frame = map_frame(page)
    before = frame.evaluate(_TAG_JS)
    ws_before = page.evaluate("() => window.__bench.ws.length")
    _choose_status(page, status_label)
    clicked = time.time() * 1000
    deadline = time.perf_counter() + timeout_s
    painted, reloaded = None, False
    while time.perf_counter() < deadline:
        frame = map_frame(page)
        try:
            painted = frame.evaluate(_PAINTED_JS) if frame is not None else 0
        except PlaywrightError:
            painted = 0
        if painted is None:  # a new frame: the whole map was sent and drawn again
            reloaded = True
            if frame.evaluate(_FRAME_DRAWN_JS, min_layers):
                painted = frame.evaluate("() => window.__bench.marks.painted")
                break
        elif painted:
            break
        page.wait_for_timeout(10)
    else:
        return Redraw(None, 0, reloaded, False, before)
    state = {} if reloaded else frame.evaluate(_REDRAWN_JS)
    # The rest of the page may still be sent after the points are redrawn: wait for the end of the rerun (not
    # counted), so that the rerun's time is known and its end is not taken for a rerun of the next measure.
    page.wait_for_function("(n) => window.__bench.ws.slice(n).some((m) => m.type === 6)", arg=ws_before,
                           timeout=timeout_s * 1000)  # fmt: skip
    ws = page.evaluate("(n) => window.__bench.ws.slice(n)", ws_before)
    renders = [] if reloaded else [t for t in frame.evaluate("() => window.__bench.renders") if t > clicked]
    finished = next((m["t"] for m in ws if m["type"] == 6), None)
    map_msg = next((m["t"] for m in ws if m["component"] or m["type"] == 11), None)
    return Redraw(
        # Counted from the click on the option (opening the list is the user's time, not the app's).
        seconds=(painted - clicked) / 1000,
        ws_bytes=sum(m["size"] for m in ws),
        reloaded=reloaded,
        polygons_kept=not reloaded and state.get("kept") == state.get("polygons") and state.get("polygons", 0) > 0,
        markers_before=before,
        markers_after=int(state.get("markers", 0)),
        server=(finished - ws[0]["t"]) / 1000 if ws and finished else None,
        map_message=(map_msg - clicked) / 1000 if map_msg else None,
        frame=(renders[0] - clicked) / 1000 if renders else None,
    )


def pan_zoom_reruns(page: Any) -> int:
    """Pan and zoom the map (as a user would, with the mouse wheel and a drag); how many reruns followed."""
    finished = "() => window.__bench.ws.filter((m) => m.type === 6).length"
    before = page.evaluate(finished)
    box = page.locator(MAP_FRAME).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 150, y + 80, steps=8)
    page.mouse.up()
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(800)
    page.mouse.wheel(0, 300)
    page.wait_for_timeout(1500)  # streamlit-folium reports moves after 250 ms
    return page.evaluate(finished) - before


def export_times(page: Any, count: int = 2, timeout_s: float = 120) -> list[float | None]:
    """Click « Préparer l'image » ``count`` times on the Carte page; seconds up to the end of each rerun."""
    finished = "() => window.__bench.ws.filter((m) => m.type === 6).length"
    page.get_by_text("Exporter la carte et ses données").click()
    button = page.get_by_role("button", name="Préparer l'image")
    button.wait_for(timeout=30_000)
    out: list[float | None] = []
    for _ in range(count):
        page.wait_for_timeout(500)
        before = page.evaluate(finished)
        start = time.perf_counter()
        button.click()
        deadline = start + timeout_s
        while page.evaluate(finished) == before and time.perf_counter() < deadline:
            page.wait_for_timeout(20)
        ok = page.get_by_role("button", name="Télécharger l'image (PNG)").count() > 0
        out.append(time.perf_counter() - start if ok and time.perf_counter() < deadline else None)
    return out


def first_page_seconds(browser: Any, url: str) -> float | None:
    """A new browser profile opens the home page of a just-started server: seconds up to the end of its run."""
    context = offline_context(browser)
    page = context.new_page()
    start_ms = time.time() * 1000
    page.goto(url + "/", timeout=60_000)
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        done = page.evaluate("() => (window.__bench.ws.find((m) => m.type === 6) || {}).t")
        if done and page.get_by_role("heading", name="Le CNR santé sur la carte").count():
            context.close()
            return (done - start_ms) / 1000
        page.wait_for_timeout(20)
    context.close()
    return None


def offline_context(browser: Any) -> Any:
    """A new browser profile (empty HTTP cache), instrumented."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(INSTRUMENT_JS)
    return context


# The network cut by the browser itself: any host name fails to resolve and any other address goes to a closed
# proxy port (loopback addresses bypass proxies). Playwright's request routing would do it too, but it turns the
# HTTP cache off, and a warm visit is one with Streamlit's files in the cache.
OFFLINE_ARGS = ("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=http://127.0.0.1:9")


def launch_browser(playwright: Any) -> Any:
    """Debian's Chromium, headless, with the export's options and no network but 127.0.0.1."""
    return playwright.chromium.launch(
        executable_path=shutil.which("chromium"), headless=True, args=[*LAUNCH_ARGS, *OFFLINE_ARGS]
    )


def server_env(settings: Settings) -> dict[str, str]:
    """The environment of the servers the benchmark starts: the benchmark's cache."""
    return {"CNRMAP_CACHE_DIR": str(settings.cache_dir)}


# (label, URL path of the Carte page, territory, level, layers at least drawn)
CASES: tuple[tuple[str, str, str, str, int], ...] = (
    ("France, communes", "/carte?territory=FR&level=commune&basemap=aucun", "FR", "commune", 30_000),
    # A region with projects, so that a status filter has points to redraw (Nouvelle-Aquitaine has none).
    ("PACA, communes", "/carte?territory=region:93&level=commune&basemap=aucun", "region:93", "commune", 900),
)
# Eight national views one after the other, then the server's memory.
NATIONAL_VIEWS = (
    "/carte?territory=FR&level=commune",
    "/carte?territory=FR&level=commune&indicator=apl_mg&year=2023",
    "/carte?territory=FR&level=commune&indicator=population",
    "/carte?territory=FR&level=commune&theme=prevention",
    "/carte?territory=FR&level=commune&theme=attractivite&statuses=realise",
    "/carte?territory=FR&level=commune&indicator=apl_mg&year=2015",
    "/carte?territory=FR&level=commune&indicator=apl_mg&year=2023&from_year=2015",
    "/carte?territory=FR&level=commune&indicator=population&theme=acces_medecin",
)
STATUS_CHOICES = ("Réalisé", "En cours")


@dataclass
class AppBench:
    """Everything ``python -m tools.bench`` measures in the real app."""

    cases: list[CaseResult]
    first_page: list[float]
    exports: list[float | None]
    memory_mb: float | None
    peak_mb: float | None
    repeat: int
    undrawn: list[str] = field(default_factory=list)  # national views whose map never drew (data not installed…)


def _standalone_html(settings: Settings, territory: str, level: str) -> str:
    from cnrmap.carte.compose import build_view
    from cnrmap.carte.state import MapState
    from cnrmap.curated.load import load_cnr_data
    from cnrmap.leaflet.assets import inline_html

    view = build_view(MapState(territory=territory, level=level, basemap="aucun"), settings, load_cnr_data(settings))
    return inline_html(view.map)


def _case(playwright: Any, settings: Settings, case: tuple, repeat: int, extras: bool, out: AppBench) -> CaseResult:
    from tools.local_server import resident_memory_mb, running_app

    label, path, territory, level, layers = case
    browser = launch_browser(playwright)
    result = CaseResult(label, path, None)
    result.standalone = standalone_times(browser, _standalone_html(settings, territory, level), repeat)
    with running_app(server_env(settings), timeout=120, root=settings.root) as (url, process):
        context = offline_context(browser)
        page = context.new_page()
        result.cold = navigate(page, url + path, layers)
        for _ in range(repeat):
            page.close()
            page = context.new_page()
            found = navigate(page, url + path, layers)
            if found is not None:
                result.warm.append(found)
        for status in STATUS_CHOICES:
            result.redraw.append(filter_redraw(page, status, layers))
        result.pan_zoom_reruns = pan_zoom_reruns(page)
        if extras:
            out.exports = export_times(page, count=3)
            for view in NATIONAL_VIEWS:
                if navigate(page, url + view, 30_000) is None:
                    out.undrawn.append(view)
            out.memory_mb, out.peak_mb = resident_memory_mb(process.pid)
        context.close()
    browser.close()
    return result


def run_app(settings: Settings, repeat: int = 3) -> AppBench:
    """Measure the real app: each case cold and warm, the standalone page, filter redraw, export, memory."""
    from playwright.sync_api import sync_playwright

    from tools.local_server import running_app

    out = AppBench([], [], [], None, None, repeat)
    with sync_playwright() as playwright:
        for index, case in enumerate(CASES):
            out.cases.append(_case(playwright, settings, case, repeat, index == 0, out))
        browser = launch_browser(playwright)
        for _ in range(repeat):
            with running_app(server_env(settings), timeout=120, root=settings.root) as (url, _process):
                seconds = first_page_seconds(browser, url)
                if seconds is not None:
                    out.first_page.append(seconds)
        browser.close()
    return out


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def _ratio(value: float | None, base: float | None) -> str:
    return "—" if value is None or not base else f"{value / base:.1f}×"


def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} Mo" if n >= 1e5 else f"{n / 1e3:.0f} Ko"


_PHASES = (
    ("page", "Page Streamlit (HTML, module principal)"),
    ("connect", "Connexion (WebSocket, session)"),
    ("map_message", "Relance serveur jusqu'au message de la carte"),
    ("server", "Relance serveur complète"),
    ("frame", "Cadre streamlit-folium (création, module, arguments)"),
    ("assets", "Leaflet, jQuery et données liées"),
    ("script", "Script de la carte (analyse et exécution)"),
    ("draw", "Dessin Leaflet (deux images)"),
)


def app_report(bench: AppBench) -> str:
    """Markdown: the summary table (cold, warm, standalone, ratios, filter redraw) then the phases and the rest."""
    lines = [
        "| Vue | Page autonome | Appli, serveur neuf | Appli, à chaud | Froid / autonome (cible ≤ 3×) "
        "| Chaud / autonome (cible ≤ 1,5×) | Filtre de statut → points redessinés (cible ≤ 0,5 s) | Choroplèthe gardée |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case in bench.cases:
        alone = case.standalone_median()
        cold = case.cold.total if case.cold else None
        warm = case.warm_median()
        redraws = [r.seconds for r in case.redraw if r.seconds is not None]
        redraw = statistics.median(redraws) if redraws else None
        kept = "oui" if case.redraw and all(r.polygons_kept for r in case.redraw) else "non (carte renvoyée)"
        sent = statistics.median([r.ws_bytes for r in case.redraw]) if case.redraw else 0
        lines.append(
            f"| {case.label} | {_s(alone)} | {_s(cold)} | {_s(warm)} | {_ratio(cold, alone)} | {_ratio(warm, alone)} "
            f"| {_s(redraw)} ({_mb(int(sent))} reçus) | {kept} |"
        )
    lines += ["", "Détail (secondes ; froid / chaud, médiane à chaud) :", ""]
    header = "| Étape | " + " | ".join(case.label for case in bench.cases) + " |"
    lines += [header, "|---|" + "---|" * len(bench.cases)]
    for attribute, label in _PHASES:
        cells = []
        for case in bench.cases:
            cold = getattr(case.cold, attribute) if case.cold else None
            cells.append(f"{_s(cold)} / {_s(case.warm_median(attribute))}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cells = []
    for case in bench.cases:
        n = case.warm[0] if case.warm else case.cold
        cells.append(
            "—"
            if n is None
            else f"WebSocket {_mb(n.ws_bytes)}, message de la carte {_mb(n.map_bytes)}, "
            f"script {_mb(n.script_bytes)}, données liées {_mb(n.linked_bytes)}"
        )
    lines.append("| Octets (à chaud) | " + " | ".join(cells) + " |")
    cells = [
        f"{case.cold.chunks if case.cold else '—'} / {case.warm[0].chunks if case.warm else '—'} modules, "
        f"derniers à {_s(case.cold.chunks_end if case.cold else None)} / {_s(case.warm_median('chunks_end'))}"
        for case in bench.cases
    ]
    lines.append("| Modules JavaScript chargés à la demande | " + " | ".join(cells) + " |")
    cells = [f"{_s(case.standalone_median('parse'))} + {_s(case.standalone_median('draw'))}" for case in bench.cases]
    lines.append("| Page autonome : analyse + dessin | " + " | ".join(cells) + " |")
    lines.append("")
    for case in bench.cases:
        for r in case.redraw:
            lines.append(
                f"- {case.label}, filtre de statut : {_s(r.seconds)} (relance serveur {_s(r.server)}, message de "
                f"la carte à {_s(r.map_message)}, cadre servi à {_s(r.frame)}), {_mb(r.ws_bytes)} reçus, points "
                f"{r.markers_before} → {r.markers_after}, "
                + ("cadre de la carte reconstruit" if r.reloaded else "mêmes polygones" if r.polygons_kept else "?")
                + "."
            )
        lines.append(f"- {case.label}, déplacement et zoom à la souris : {case.pan_zoom_reruns} relance(s) de la page.")
    exports = ", ".join(_s(s) for s in bench.exports) or "—"
    lines.append(f"- Export PNG depuis la page Carte (France par commune, 1920×1080), exports successifs : {exports} "
                 "(cible ≤ 3 s).")  # fmt: skip
    if bench.memory_mb is not None:
        lines.append(
            f"- Mémoire résidente du serveur après huit vues nationales différentes : {bench.memory_mb:.0f} Mo "
            f"(maximum {bench.peak_mb:.0f} Mo ; cible ≤ 450 Mo)."
            + (
                f" Attention : {len(bench.undrawn)} de ces vues ne se sont pas dessinées ({', '.join(bench.undrawn)}) :"
                " données non installées dans le cache ?"
                if bench.undrawn
                else ""
            )
        )
    first = statistics.median(bench.first_page) if bench.first_page else None
    lines.append(
        f"- Première page d'un serveur neuf (accueil, profil de navigateur neuf, jusqu'à la fin de son exécution ; "
        f"médiane de {len(bench.first_page)}) : {_s(first)} (cible ≤ 2 s)."
    )
    return "\n".join(lines)
