"""``cnrmap deck``: a territory's CNR santé story in one PowerPoint file (maps, key figures, projects, sources).

Takes the view options of ``cnrmap render`` (territory, level of the departments' maps, indicator and year,
theme and status filters, ``--as-of``) plus ``--out``. The maps are the images of ``cnrmap export``, drawn by
one Chromium started once for the whole deck.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cnrmap.cli.options import add_view_arguments, state_from_args
from cnrmap.errors import DataError
from cnrmap.french import format_number


def _run(args: argparse.Namespace) -> int:
    from cnrmap.config import get_settings
    from cnrmap.deck.build import export_deck
    from cnrmap.records.data import load_data

    out = Path(args.out)
    if out.suffix.lower() != ".pptx":
        raise DataError(
            f"Fichier de sortie {args.out!r} : une présentation PowerPoint finit par .pptx.",
            hint="Exemple : --out paca.pptx",
        )
    state = state_from_args(args)
    settings = get_settings()
    deck = export_deck(state, out, settings, load_data(settings), progress=print)
    for line in deck.warnings:
        print(f"Attention : {line}")
    maps = sum(1 for slide in deck.slides if slide.kind == "map")
    size = format_number(len(deck.data) / 1_048_576, 1)
    seconds = format_number(deck.seconds["total"], 1)
    print(
        f"Présentation écrite : {out} ({len(deck.slides)} diapositives dont {maps} carte(s), {size} Mo, "
        f"« {deck.title} ») en {seconds} s."
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``deck`` sub-command."""
    parser = subparsers.add_parser(
        "deck",
        help="présentation PowerPoint d'un territoire (cartes, chiffres clés, projets, sources)",
        description=(
            "Écrit une présentation PowerPoint 16:9 d'un territoire : page de titre, carte d'ensemble par "
            "département, puis pour chaque département sa carte, ses chiffres clés (indicateurs officiels avec "
            "année et source, chiffres cités par les documents, projets par statut, propositions par thème, "
            "réunions) et ses projets en tableau ; enfin les sources et la méthode. Pour la France : une carte "
            "et des chiffres clés par région ayant des données du CNR santé. Filtres et choix d'indicateur "
            "s'appliquent à toutes les diapositives et y sont écrits ; textes et tableaux modifiables, sources "
            "dans les notes. Les cartes sont les images de « cnrmap export » (Chromium, sans réseau)."
        ),
        epilog=(
            "Exemples :\n"
            "  cnrmap deck --territory region:93 --level commune --out paca.pptx\n"
            "  cnrmap deck --territory departement:83 --theme prevention --as-of 2023-11-08 --out var.pptx\n"
            "  cnrmap deck --territory FR --indicator apl_mg --year 2019 --out france.pptx\n"
            "--level : maille des cartes des départements (la carte d'ensemble d'une région est par département)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_view_arguments(parser)
    parser.add_argument("--out", required=True, metavar="FICHIER.pptx", help="présentation à écrire (.pptx)")
    parser.set_defaults(func=_run)
