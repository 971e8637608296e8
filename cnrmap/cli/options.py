"""The options that describe a map view, shared by ``cnrmap render`` and ``cnrmap export``."""

from __future__ import annotations

import argparse

from cnrmap import vocab
from cnrmap.carte import classify
from cnrmap.carte.state import BASEMAPS
from cnrmap.errors import DataError


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
        choices=["sous_seuil", "zip_sans_projet", "seuil_sans_projet", "projet_hors_besoin"],
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
    add_indicator_options(parser)
    add_as_of_argument(parser)


def add_indicator_options(parser: argparse.ArgumentParser) -> None:
    """Year, evolution and documents' figure of the indicator (``--year``, ``--from-year``, ``--figure``)."""
    parser.add_argument(
        "--year", default=None, metavar="AAAA", help="année d'un indicateur à plusieurs années (APL : 2015 à 2023)"
    )
    parser.add_argument(
        "--from-year",
        default=None,
        metavar="AAAA",
        help="évolution depuis cette année jusqu'à --year (écart : hausse = meilleur accès pour l'APL)",
    )
    parser.add_argument(
        "--figure",
        default=None,
        choices=list(vocab.FIGURE_INDICATORS),
        metavar="CHIFFRE",
        help="avec --indicator documents : quel chiffre des documents (défaut : patients_sans_mt_part)",
    )


def add_as_of_argument(parser: argparse.ArgumentParser) -> None:
    """``--as-of YYYY-MM-DD``: the day the projects' statuses are read at (render, export, deck)."""
    parser.add_argument(
        "--as-of",
        dest="as_of",
        default=None,
        metavar="AAAA-MM-JJ",
        help="état des projets à cette date (défaut : aujourd'hui), écrit dans le titre et la légende",
    )


def _layers(args: argparse.Namespace) -> tuple[str, ...]:
    """The map's layers from ``--no-names`` and ``--codes`` (the other layers are always drawn by the CLI)."""
    from cnrmap.carte.state import DEFAULT_LAYERS

    layers = [layer for layer in DEFAULT_LAYERS if layer != "noms" or getattr(args, "names", True)]
    return (*layers, "codes") if getattr(args, "codes", False) else tuple(layers)


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
    from cnrmap.carte.state import MapState, parse_as_of, parse_territory

    try:
        return MapState(
            as_of=parse_as_of(getattr(args, "as_of", None)),
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
            place=getattr(args, "place", None),
            year=getattr(args, "year", None),
            from_year=getattr(args, "from_year", None),
            figure=getattr(args, "figure", None),
        )
    except ValueError as exc:
        raise DataError(f"Option invalide : {exc}.", hint="Voir : cnrmap render --help") from exc
