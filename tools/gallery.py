"""Write the reference views as PNG images (the PNG export of the app), to look at before a release.

``python -m tools.gallery --out DIR`` draws, with one headless Chromium and the local data (commune
boundaries fetched: ``cnrmap fetch --all``):

- ``france-departements-densite.png``: France by department, GP density, with the overseas and Paris insets;
- ``france-communes-zonage.png``: France by commune, GP zoning;
- ``paca-departements-projets.png``: Provence-Alpes-Côte d'Azur by department, with the CNR projects;
- ``nouvelle-aquitaine-communes.png``: Nouvelle-Aquitaine by commune (GP zoning);
- ``herault-communes.png``: Hérault by commune, Béziers searched for;
- ``guadeloupe-communes.png``: Guadeloupe alone, by commune.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from cnrmap.carte.compose import build_view
from cnrmap.carte.state import MapState
from cnrmap.config import get_settings
from cnrmap.curated.load import load_cnr_data
from cnrmap.errors import DataError
from cnrmap.export.browser import launch
from cnrmap.export.png import export_png

VIEWS: dict[str, MapState] = {
    "france-departements-densite": MapState(territory="FR", level="departement", indicator="densite_mg"),
    "france-communes-zonage": MapState(territory="FR", level="commune", indicator="zonage_mg"),
    "paca-departements-projets": MapState(territory="region:93", level="departement"),
    "nouvelle-aquitaine-communes": MapState(territory="region:75", level="commune"),
    "herault-communes": MapState(territory="departement:34", level="commune", place="34032"),
    "guadeloupe-communes": MapState(territory="departement:971", level="commune"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m tools.gallery", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="dossier des images")
    parser.add_argument("--size", default="16:9", help="taille des images (défaut : 16:9 = 1920×1080)")
    parser.add_argument("--only", nargs="*", choices=list(VIEWS), help="seulement ces vues")
    args = parser.parse_args(argv)
    settings = get_settings()
    data = load_cnr_data(settings)
    failed = 0
    with launch() as browser:
        for name, state in VIEWS.items():
            if args.only and name not in args.only:
                continue
            start = time.perf_counter()
            try:
                view = build_view(state, settings, data)
                image = export_png(view, args.out / f"{name}.png", size=args.size, browser=browser, timeout_s=90)
            except DataError as exc:
                print(f"{name} : échec — {exc.render()}", file=sys.stderr)
                failed += 1
                continue
            print(f"{name}.png : {image.width}×{image.height}, {time.perf_counter() - start:.1f} s")
            for warning in image.warnings:
                print(f"  attention : {warning}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
