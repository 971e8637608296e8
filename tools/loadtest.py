"""``python -m tools.loadtest --sessions 4 8``: several users open different Carte views at the same moment.

For each N it starts the app afresh (``streamlit run serve.py`` on 127.0.0.1, :mod:`tools.local_server`), opens N
browser sessions in Debian's Chromium (one isolated context each, network cut), sends them all at once to N
different views (France by commune, regions and departments by commune and by department, a theme filter),
and reports for each view the time from navigation to the map drawn in the page, the failures, and the
server's resident memory: sampled every 0.1 s, and its peak (``VmHWM``). With ``--rounds K`` each session then
visits K more views (other indicators, themes, statuses) in K more simultaneous waves, so that the server
sees far more distinct views than its caches hold: its memory after each wave says whether it stays bounded.

``--url`` drives an already running deployment instead (e.g. nginx in front of several app processes,
``deploy/``), with ``--pid`` naming the app processes whose memory is summed.

Commune maps need the commune cache (``cnrmap fetch --all``): the server reads ``CNRMAP_CACHE_DIR`` from this
process' environment. Speed and memory are measured here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from cnrmap.export.browser import LAUNCH_ARGS
from tools.local_server import resident_memory_mb, running_app
from tools.report import emit


@dataclass(frozen=True)
class View:
    """One Carte view: its label, URL query parameters, and fewest Leaflet layers of the drawn map."""

    label: str
    params: dict[str, str]
    min_layers: int

    def path(self) -> str:
        return "/carte?" + urlencode({**self.params, "basemap": "0"})


# The first wave: national and regional views, commune level included, each session on a different one.
# ``min_layers``: territories drawn (one Leaflet layer each) — a map with fewer is not the asked one yet.
VIEWS: tuple[View, ...] = (
    View("France par commune", {"territory": "FR", "level": "commune"}, 30_000),
    View("Nouvelle-Aquitaine par commune", {"territory": "region:75", "level": "commune"}, 4_000),
    View("PACA par département", {"territory": "region:93", "level": "departement"}, 6),
    View("Hérault par commune", {"territory": "departement:34", "level": "commune"}, 300),
    View("France par département, thème prévention", {"territory": "FR", "theme": "prevention"}, 100),
    View("Bouches-du-Rhône par commune", {"territory": "departement:13", "level": "commune"}, 110),
    View("Gironde par commune", {"territory": "departement:33", "level": "commune"}, 500),
    View(
        "France par commune, APL 2023 depuis 2015",
        {"territory": "FR", "level": "commune", "indicator": "apl_mg", "year": "2023", "from_year": "2015"},
        30_000,
    ),
)

# Later waves (--rounds): the same territories with other indicators, themes and statuses — new views for the
# server, not new shapes.
VARIANTS: tuple[dict[str, str], ...] = (
    {"theme": "attractivite"},
    {"indicator": "population"},
    {"statuses": "realise", "theme": "acces_medecin"},
    {"method": "jenks", "classes": "7"},
    {"theme": "soins_non_programmes", "palette": "viridis"},
    {"need": "zip_sans_projet"},
    {"indicator": "apl_mg", "year": "2023"},
    {"indicator": "apl_mg", "year": "2019", "from_year": "2015"},
)

# Polled inside the page (no round trip to this process, which drives every session): the error the page shows
# instead of a map, else whether its map frame holds a Leaflet map with at least ``n`` layers.
_DRAWN_OR_FAILED_JS = """(n) => {
  const e = document.querySelector('[data-testid="stException"], [data-testid="stAlertContentError"]');
  if (e) { return e.innerText.slice(0, 300) || "erreur"; }
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const w = frame && frame.contentWindow;
  return !!(w && w.map && Object.keys(w.map._layers).length >= n);
}"""
# Then two frames painted in the map's frame.
_PAINTED_JS = """() => {
  const w = document.querySelector('iframe[title="streamlit_folium.st_folium"]').contentWindow;
  return new Promise(resolve => w.requestAnimationFrame(() => w.requestAnimationFrame(resolve)));
}"""
# The same check in one call (for drivers polling one page).
_MAP_DRAWN_JS = """async (n) => {
  const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const w = frame && frame.contentWindow;
  if (!w || !w.map || Object.keys(w.map._layers).length < n) { return false; }
  await new Promise(resolve => w.requestAnimationFrame(() => w.requestAnimationFrame(resolve)));
  return true;
}"""


@dataclass
class Outcome:
    """One session's visit of one view."""

    view: View
    seconds: float | None = None
    failure: str | None = None


@dataclass
class Wave:
    """Every session's visit, at the same moment, and the server's memory then."""

    outcomes: list[Outcome]
    rss_after_mb: float = 0.0
    peak_mb: float = 0.0
    server_cpu_s: float = 0.0


@dataclass
class Run:
    """A load test of ``sessions`` concurrent sessions on one server."""

    sessions: int
    waves: list[Wave] = field(default_factory=list)
    peak_mb: float = 0.0
    start_mb: float = 0.0
    samples: list[tuple[float, float]] = field(default_factory=list)
    load: float = 0.0  # the machine's load average (1 min) when the run started


def views_for(sessions: int, wave: int) -> list[View]:
    """The view of each session in a wave: wave 0 = :data:`VIEWS`; later waves add one of :data:`VARIANTS`."""
    out = []
    for i in range(sessions):
        base = VIEWS[i % len(VIEWS)]
        if wave == 0 and i < len(VIEWS):
            out.append(base)
            continue
        variant = VARIANTS[(i + wave) % len(VARIANTS)]
        label = f"{base.label} + {', '.join(f'{k}={v}' for k, v in variant.items())}"
        params = {**base.params, **variant}
        # Cross-reading keeps only the communes in ZIP: the fewest layers are not known in advance.
        out.append(View(label, params, 1 if "need" in variant else base.min_layers))
    return out


class MemorySampler:
    """Resident memory of some processes (summed), sampled in a thread every ``period`` seconds."""

    def __init__(self, pids: Sequence[int], period: float = 0.1):
        self.pids, self.period = list(pids), period
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._start = time.monotonic()

    def now_mb(self) -> float:
        return sum(resident_memory_mb(pid)[0] for pid in self.pids)

    def cpu_seconds(self) -> float:
        """Processor time the processes have used so far (user + system, ``/proc/<pid>/stat``)."""
        total = 0.0
        for pid in self.pids:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def peak_mb(self) -> float:
        """Highest sampled sum; for one process, its own peak (``VmHWM``) which no sampling can miss."""
        if len(self.pids) == 1:
            return resident_memory_mb(self.pids[0])[1]
        return max((mb for _, mb in self.samples), default=0.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append((time.monotonic() - self._start, self.now_mb()))
            except (OSError, KeyError):
                return
            self._stop.wait(self.period)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def _visit(context, base_url: str, view: View, timeout: float) -> Outcome:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    page = context.pages[0] if context.pages else await context.new_page()
    start = time.perf_counter()
    try:
        await page.goto(base_url + view.path(), timeout=timeout * 1000)
        left = max(1.0, timeout - (time.perf_counter() - start))
        handle = await page.wait_for_function(_DRAWN_OR_FAILED_JS, arg=view.min_layers, polling=50, timeout=left * 1000)
        found = await handle.json_value()
        if found is not True:
            return Outcome(view, failure=str(found))
        await page.evaluate(_PAINTED_JS)
        return Outcome(view, time.perf_counter() - start)
    except PlaywrightTimeout:
        return Outcome(view, failure=f"pas de carte après {timeout:.0f} s")
    except PlaywrightError as exc:
        return Outcome(view, failure=str(exc).splitlines()[0])


async def _waves(base_url: str, sessions: int, rounds: int, sampler: MemorySampler, timeout: float) -> list[Wave]:
    from playwright.async_api import async_playwright

    waves = []
    async with async_playwright() as p:
        # No network but the app's: host resolution fails for every other name (the page loads nothing from a
        # CDN). Done by Chromium itself: routing each request through Playwright would make this process, which
        # drives every session, the bottleneck (measured with 16 sessions: slowest map after 122 s, 66 s without).
        browser = await p.chromium.launch(
            executable_path=shutil.which("chromium"),
            headless=True,
            args=[*LAUNCH_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        contexts = []
        for _ in range(sessions):
            context = await browser.new_context(viewport={"width": 1400, "height": 900})
            await context.new_page()
            contexts.append(context)
        for wave in range(1 + rounds):
            views = views_for(sessions, wave)
            cpu = sampler.cpu_seconds()
            outcomes = await asyncio.gather(
                *(_visit(c, base_url, v, timeout) for c, v in zip(contexts, views, strict=True))
            )
            await asyncio.sleep(1)  # let the last reruns finish before reading the memory
            waves.append(Wave(list(outcomes), sampler.now_mb(), sampler.peak_mb(), sampler.cpu_seconds() - cpu))
        await browser.close()
    return waves


@contextmanager
def _server(url: str | None, pids: Sequence[int], root: Path | None) -> Iterator[tuple[str, list[int]]]:
    if url is not None:
        yield url.rstrip("/"), list(pids)
        return
    with running_app(timeout=120, root=root) as (served, process):
        yield served, [process.pid]


def run(
    sessions: int,
    rounds: int = 0,
    url: str | None = None,
    pids: Sequence[int] = (),
    timeout: float = 180,
    root: Path | None = None,
) -> Run:
    """One load test: ``sessions`` concurrent sessions, ``1 + rounds`` waves, on a just-started server.

    Parameters
    ----------
    sessions : int
        Concurrent browser sessions, each on a different view (:data:`VIEWS`, then variants).
    rounds : int
        Further waves of new views (:data:`VARIANTS`) after the first.
    url : str, optional
        An already running deployment; default: a new ``streamlit run serve.py`` on 127.0.0.1.
    pids : sequence of int
        With ``url``: the app processes whose resident memory is summed.
    timeout : float
        Seconds a view may take to draw before it counts as a failure.
    root : Path, optional
        Another checkout to serve (e.g. an older commit, to compare), instead of this one.
    """
    load = os.getloadavg()[0]
    with _server(url, pids, root) as (base_url, server_pids):
        with MemorySampler(server_pids) as sampler:
            start_mb = sampler.now_mb()
            waves = asyncio.run(_waves(base_url, sessions, rounds, sampler, timeout))
        return Run(sessions, waves, sampler.peak_mb(), start_mb, sampler.samples, load)


def report(runs: Sequence[Run]) -> str:
    """Markdown: one table per run (view, time to drawn map or failure), then memory figures."""
    lines: list[str] = []
    for r in runs:
        first = r.waves[0]
        done = [o.seconds for o in first.outcomes if o.seconds is not None]
        failed = [o for w in r.waves for o in w.outcomes if o.failure]
        lines += [
            f"### {r.sessions} sessions simultanées",
            "",
            f"{os.cpu_count()} processeurs, charge moyenne de la machine au départ : {r.load:.1f} ; le navigateur "
            "et le serveur se partagent la machine.",
            "",
            "| Vue | Carte dessinée après |",
            "|---|---|",
        ]
        lines += [
            f"| {o.view.label} | {f'{o.seconds:.1f} s' if o.seconds is not None else 'échec : ' + str(o.failure)} |"
            for o in first.outcomes
        ]
        lines += [
            "",
            f"- Vague simultanée : {len(done)}/{len(first.outcomes)} cartes dessinées, la plus lente après "
            + (f"{max(done):.1f} s (médiane {statistics.median(done):.1f} s)." if done else "—."),
            f"- Temps de processeur du serveur pendant la vague : {first.server_cpu_s:.1f} s (le reste de l'attente "
            "est surtout celui du navigateur : chargement de la page Streamlit et dessin des cartes).",
            f"- Mémoire résidente du serveur : {r.start_mb:.0f} Mo au démarrage, maximum {first.peak_mb:.0f} Mo "
            f"pendant la vague, {first.rss_after_mb:.0f} Mo après.",
        ]
        for i, wave in enumerate(r.waves[1:], start=1):
            drawn = [o.seconds for o in wave.outcomes if o.seconds is not None]
            lines.append(
                f"- Vague {i + 1} ({len(wave.outcomes)} nouvelles vues) : {len(drawn)}/{len(wave.outcomes)} "
                f"dessinées (la plus lente : {max(drawn, default=0):.1f} s, serveur {wave.server_cpu_s:.1f} s de "
                f"processeur) ; mémoire {wave.rss_after_mb:.0f} Mo "
                f"après, maximum depuis le démarrage {wave.peak_mb:.0f} Mo."
            )
        if len(r.waves) > 1:
            lines.append(f"- Vues distinctes demandées : {sum(len(w.outcomes) for w in r.waves)}.")
        lines += [f"- Échec : {o.view.label} — {o.failure}" for o in failed]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m tools.loadtest", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sessions", type=int, nargs="+", default=[4, 8], help="sessions simultanées (une mesure par valeur)"
    )
    parser.add_argument("--rounds", type=int, default=0, help="vagues supplémentaires de nouvelles vues")
    parser.add_argument("--url", default=None, help="adresse d'un déploiement déjà lancé (sinon : un serveur neuf)")
    parser.add_argument("--pid", type=int, action="append", default=[], help="avec --url : processus à mesurer")
    parser.add_argument("--root", type=Path, default=None, help="servir une autre copie du dépôt (comparaison)")
    parser.add_argument("--timeout", type=float, default=180, help="secondes avant qu'une vue compte comme échec")
    parser.add_argument("--out", type=Path, default=None, help="écrire aussi le rapport dans ce fichier Markdown")
    args = parser.parse_args(argv)
    if args.url is None and args.pid:
        parser.error("--pid ne sert qu'avec --url")
    runs = [run(n, args.rounds, args.url, args.pid, args.timeout, args.root) for n in args.sessions]
    text = report(runs)
    emit(text, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
