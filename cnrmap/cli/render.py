"""``cnrmap render``: write the map as one standalone HTML file that opens offline."""

from __future__ import annotations

import argparse
from pathlib import Path

from cnrmap import vocab
from cnrmap.cli.options import add_view_arguments, state_from_args
from cnrmap.errors import DataError


def _indicator_help() -> str:
    """The registry of indicators (levels, years, installed), as ``render --help`` shows it."""
    from cnrmap.config import get_settings
    from cnrmap.indicators import registry

    try:
        text = registry.describe(list(registry.catalogue(get_settings()).values()))
    except DataError:
        return "Indicateurs : voir « cnrmap doctor »."
    figures = "\n".join(f"  {key} : {label}" for key, label in vocab.FIGURE_INDICATORS.items() if key != "autre")
    return f"{text}\n\nChiffres des documents (--indicator documents --figure CHIFFRE) :\n{figures}"


def _run(args: argparse.Namespace) -> int:
    from cnrmap.carte.compose import build_view
    from cnrmap.config import get_settings
    from cnrmap.export.layout import default_title, view_layout_html
    from cnrmap.records.data import load_data

    state = state_from_args(args)
    settings = get_settings()
    data = load_data(settings)
    result = build_view(state, settings, data)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(view_layout_html(result, default_title(result), interactive=True), encoding="utf-8")
    for line in result.warnings:
        print(f"Attention : {line}")
    for line in result.notes:
        print(line)
    size = out.stat().st_size / 1024
    print(f"Carte écrite : {out} ({size:.0f} Ko, {len(result.table)} territoires, « {result.indicator.label} »).")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``render`` sub-command."""
    parser = subparsers.add_parser(
        "render",
        help="écrire la carte dans un fichier HTML autonome (lisible hors ligne)",
        description=(
            "Écrit la carte (indicateur, projets, réunions) dans un fichier HTML autonome : Leaflet est inclus "
            "dans le fichier, qui s'ouvre sans connexion (le fond de carte, optionnel, demande internet)."
        ),
        epilog=_indicator_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_view_arguments(parser)
    parser.add_argument("--out", required=True, metavar="carte.html", help="fichier HTML à écrire")
    parser.set_defaults(func=_run)
