"""``cnrmap fetch``: download the catalog's files into the local cache (see :mod:`cnrmap.sources.fetch`).

Exits with 1 if a file failed, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys


def _run(args: argparse.Namespace) -> int:
    from cnrmap.config import get_settings
    from cnrmap.errors import DataError
    from cnrmap.geo.codes import parse_department_list
    from cnrmap.sources.fetch import fetch

    settings = get_settings(mirror=args.mirror)
    try:
        departments = parse_department_list(args.departments) if args.departments else None
    except ValueError as exc:
        raise DataError(f"Liste de départements invalide : {exc}.", hint="Exemple : --departments 13,83,2A") from exc
    if not args.quiet:
        origin = settings.mirror or "adresses officielles"
        print(
            f"Source : {origin}. Cache : {settings.boundary_cache} et {settings.data_cache}.",
            file=sys.stderr,
            flush=True,
        )
    report = fetch(
        settings,
        only=args.only,
        departments=departments,
        all_departments=args.all_departments,
        progress=not args.quiet,
    )
    print(report.summary())
    return 0 if report.ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` sub-command."""
    parser = subparsers.add_parser(
        "fetch",
        help="télécharger les données externes (contours, zonage, populations…) dans le cache local",
        description=(
            "Télécharge les fichiers du catalogue dans le cache local, vérifie leur empreinte SHA-256 "
            "et convertit les contours en GeoParquet. Une seconde exécution ne télécharge rien."
        ),
    )
    parser.add_argument("--only", nargs="+", metavar="ID", help="seulement ces jeux de données")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--departments", metavar="CODES", help="contours communaux de ces départements : 13,83")
    group.add_argument("--all", dest="all_departments", action="store_true", help="contours de toutes les communes")
    parser.add_argument(
        "--from",
        dest="mirror",
        metavar="DOSSIER_OU_URL",
        help="miroir organisé comme shared/ (remplace les hôtes officiels ; défaut : CNRMAP_MIRROR)",
    )
    parser.add_argument("--quiet", action="store_true", help="ne pas afficher la progression")
    parser.set_defaults(func=_run)
