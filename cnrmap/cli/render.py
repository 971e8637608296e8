"""``cnrmap render``: write the map as one standalone HTML file that opens offline."""

from __future__ import annotations

import argparse
from pathlib import Path

from cnrmap import vocab
from cnrmap.carte import classify
from cnrmap.carte.state import BASEMAPS
from cnrmap.errors import DataError


def _indicator_help() -> str:
    from cnrmap.config import get_settings
    from cnrmap.indicators import cnr as cnr_indicators
    from cnrmap.indicators import official as indicators

    try:
        listed = indicators.list_indicators(get_settings()) + cnr_indicators.catalogue()
    except DataError:
        return "Indicateurs : voir « cnrmap doctor »."
    lines = []
    for ind in listed:
        levels = ", ".join(ind.levels)
        state = "" if ind.installed else " — non installé"
        lines.append(f"  {ind.id} : {ind.label} ({levels}){state}")
    return "Indicateurs disponibles :\n" + "\n".join(lines)


def state_from_args(args: argparse.Namespace, territory: str | None = None):
    """The :class:`cnrmap.carte.state.MapState` of ``cnrmap render``'s options.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options of ``cnrmap render`` or ``cnrmap export``.
    territory : str, optional
        Territory to use instead of ``args.territory``.

    Raises
    ------
    DataError
        If an option value is invalid (French message quoting it).
    """
    from cnrmap.carte.state import MapState, parse_territory

    try:
        return MapState(
            territory=parse_territory(territory if territory is not None else args.territory),
            level=args.level,
            indicator=args.indicator,
            method=args.method,
            classes=args.classes,
            palette=args.palette,
            overlay=args.overlay,
            theme=args.theme,
            statuses=tuple(args.status or ()),
            fixed_breaks=not args.local_breaks,
            basemap=args.basemap,
            need=args.need,
            threshold=args.threshold,
            layers=_layers(args),
            place=args.place,
        )
    except ValueError as exc:
        raise DataError(f"Option invalide : {exc}.", hint="Voir : cnrmap render --help") from exc


def _layers(args: argparse.Namespace) -> tuple[str, ...]:
    from cnrmap.carte.state import DEFAULT_LAYERS

    layers = [layer for layer in DEFAULT_LAYERS if layer != "noms" or getattr(args, "names", True)]
    return (*layers, "codes") if getattr(args, "codes", False) else tuple(layers)


def _run(args: argparse.Namespace) -> int:
    from cnrmap.carte.compose import build_view
    from cnrmap.config import get_settings
    from cnrmap.curated import load as datasets
    from cnrmap.export.layout import default_title, view_layout_html

    state = state_from_args(args)
    settings = get_settings()
    data = datasets.load_cnr_data(settings)
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


def add_view_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that describe a map view, shared by ``render`` and ``export``."""
    parser.add_argument(
        "--territory", default="FR", metavar="FR|region:CODE|departement:CODE", help="territoire (défaut : FR)"
    )
    parser.add_argument(
        "--level", default="departement", choices=["departement", "commune"], help="maille (défaut : departement)"
    )
    parser.add_argument(
        "--indicator",
        default=None,
        metavar="NOM",
        help="indicateur (défaut : densité de médecins généralistes par département, zonage par commune)",
    )
    parser.add_argument("--overlay", default=None, metavar="NOM", help="indicateur dessiné en contours par-dessus")
    parser.add_argument("--method", default="quantiles", choices=list(classify.METHODS), help="classification")
    parser.add_argument("--classes", type=int, default=5, metavar="N", help="nombre de classes (2 à 9, défaut : 5)")
    parser.add_argument(
        "--palette", default=classify.DEFAULT_PALETTE, choices=list(classify.PALETTES), help="palette de couleurs"
    )
    parser.add_argument("--theme", default=None, choices=list(vocab.THEMES), help="thème des projets affichés")
    parser.add_argument(
        "--status",
        action="append",
        choices=list(vocab.STATUSES),
        help="statut des projets affichés (répétable ; défaut : tous)",
    )
    parser.add_argument(
        "--need",
        default=None,
        choices=["zip_sans_projet", "seuil_sans_projet", "projet_hors_besoin"],
        help="lecture croisée besoins / projets",
    )
    parser.add_argument("--threshold", type=float, default=None, metavar="SEUIL", help="seuil de la lecture croisée")
    parser.add_argument(
        "--local-breaks",
        action="store_true",
        help="classes calculées sur le territoire affiché (par défaut : sur toute la France, cartes comparables)",
    )
    parser.add_argument(
        "--basemap",
        default="clair",
        choices=list(BASEMAPS),
        help="fond de carte : clair (Natural Earth, hors ligne, défaut), osm (OpenStreetMap, demande internet), "
        "aucun (blanc)",
    )
    parser.add_argument("--no-basemap", dest="basemap", action="store_const", const="aucun", help="= --basemap aucun")
    parser.add_argument(
        "--codes", action="store_true", help="écrire les codes des départements sur la carte (en plus des noms)"
    )
    parser.add_argument("--no-names", dest="names", action="store_false", help="sans noms de lieux sur la carte")
    parser.add_argument("--place", default=None, metavar="CODE_INSEE", help="commune à entourer et nommer")


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
