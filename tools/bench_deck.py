"""``python -m tools.bench_deck``: how long a region's PowerPoint deck takes (PACA, 6 departments by default).

Each run builds the whole deck as ``cnrmap deck`` does (:func:`cnrmap.deck.build.build_deck`): the views of the 7
maps, their images with one Chromium started once for the deck, the key figures and the .pptx. The first run of the
process pays the loading of boundaries and tables; the next ones show the cost of a deck in a warm process (the
Carte page). Prints a Markdown table: views, images, assembly and total per run, and the median of the warm runs.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from cnrmap.carte.state import MapState
from cnrmap.config import get_settings
from cnrmap.deck.build import build_deck
from cnrmap.records.data import load_data
from tools.report import emit


def run(territory: str, level: str, repeat: int) -> str:
    """Build the deck ``repeat`` times; the Markdown report."""
    settings = get_settings()
    data = load_data(settings)
    state = MapState(territory=territory, level=level)
    lines = [
        f"Deck `cnrmap deck --territory {territory} --level {level}` ({repeat} exécutions, Chromium démarré une fois "
        "par deck)",
        "",
        "| Exécution | Diapositives | Cartes | Taille | Vues | Images | Assemblage | Total |",
        "|---|---|---|---|---|---|---|---|",
    ]
    totals = []
    for i in range(1, repeat + 1):
        deck = build_deck(state, settings, data)
        s = deck.seconds
        maps = sum(1 for slide in deck.slides if slide.kind == "map")
        totals.append(s["total"])
        label = "1 (processus froid)" if i == 1 else str(i)
        lines.append(
            f"| {label} | {len(deck.slides)} | {maps} | {len(deck.data) / 1e6:.1f} Mo | {s['vues']:.1f} s "
            f"| {s['images']:.1f} s | {s['assemblage']:.1f} s | {s['total']:.1f} s |"
        )
    warm = totals[1:] or totals
    lines += ["", f"Médiane des exécutions à chaud : {statistics.median(warm):.1f} s (cible : ≤ 20 s)."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench_deck", description=__doc__.splitlines()[0])
    parser.add_argument("--territory", default="region:93", help="territoire (défaut : region:93, PACA)")
    parser.add_argument("--level", default="departement", choices=["departement", "commune"], help="maille des cartes")
    parser.add_argument("--repeat", type=int, default=3, help="nombre de decks construits (défaut : 3)")
    parser.add_argument("--out", type=Path, default=None, help="écrire aussi le tableau dans ce fichier Markdown")
    args = parser.parse_args(argv)
    report = run(args.territory, args.level, args.repeat)
    emit(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
