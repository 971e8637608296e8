"""``cnrmap export``: the map as a presentation-ready PNG, or its data as CSV / GeoJSON.

Takes the options of ``cnrmap render`` (same map) plus ``--out``, ``--size``, ``--title`` and ``--format``.
``--territory`` may be repeated: one file per territory, one browser for all of them.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from cnrmap.cli.options import add_view_arguments, state_from_args
from cnrmap.errors import DataError

FORMATS = ("png", "csv", "csv-fr", "geojson")
SUFFIX_FORMATS = {".png": "png", ".csv": "csv", ".geojson": "geojson", ".json": "geojson"}
PLACEHOLDER = "{territoire}"


def _render_options() -> argparse.ArgumentParser:
    """A parser holding ``cnrmap render``'s view options, to inherit them (``parents=``)."""
    parent = argparse.ArgumentParser(add_help=False)
    add_view_arguments(parent)
    return parent


def output_path(out: str, territory: str, several: bool) -> Path:
    """Where one territory's file goes: ``{territoire}`` in ``out`` is replaced by ``region-93`` etc.

    With several territories and no placeholder, ``-region-93`` is added before the suffix.
    """
    slug = re.sub(r"[^A-Za-z0-9]+", "-", territory).strip("-").lower() or "fr"
    if PLACEHOLDER in out:
        return Path(out.replace(PLACEHOLDER, slug))
    path = Path(out)
    return path.with_name(f"{path.stem}-{slug}{path.suffix}") if several else path


def data_paths(path: Path, fmt: str) -> dict[str, Path]:
    """File of each data table: ``X.csv`` → territories in ``X.csv``, ``X-projets.csv``, ``X-propositions.csv``."""
    suffix = ".geojson" if fmt == "geojson" else ".csv"
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    names = ["territoires", "projets"] if fmt == "geojson" else ["territoires", "projets", "propositions"]
    return {
        name: path.with_name(stem + suffix) if name == "territoires" else path.with_name(f"{stem}-{name}{suffix}")
        for name in names
    }


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    fmt = SUFFIX_FORMATS.get(Path(args.out).suffix.lower())
    if fmt is None:
        raise DataError(
            f"Format de sortie inconnu pour {args.out!r}.",
            hint="Donner --format png, csv, csv-fr ou geojson, ou un fichier en .png, .csv ou .geojson.",
        )
    return fmt


def _print_view_messages(result) -> None:
    for line in result.warnings:
        print(f"Attention : {line}")
    for line in result.notes:
        print(line)


def _run(args: argparse.Namespace) -> int:
    from contextlib import ExitStack

    from cnrmap.carte.compose import build_view
    from cnrmap.config import get_settings
    from cnrmap.export import data as export_data
    from cnrmap.export import png as export_png

    fmt = _format(args)
    territories = list(dict.fromkeys(args.territory or ["FR"]))
    states = [state_from_args(args, t) for t in territories]
    size = export_png.parse_size(args.size) if fmt == "png" else None
    settings = get_settings()
    from cnrmap.records.data import load_data

    data = load_data(settings)
    several = len(territories) > 1
    with ExitStack() as stack:
        browser = None
        if fmt == "png":
            from cnrmap.export.browser import launch

            browser = stack.enter_context(launch())
        for state in states:
            result = build_view(state, settings, data)
            out = output_path(args.out, state.territory, several)
            out.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "png":
                name = export_png.territory_name(state.territory, settings)
                title = args.title or export_png.default_title(result, name)
                image = export_png.render_png(result, size=size, title=title, browser=browser)
                out.write_bytes(image.data)
                for line in image.warnings:
                    print(f"Attention : {line}")
                if image.blocked_requests:
                    print(f"{len(image.blocked_requests)} requête(s) réseau bloquée(s) pendant l'export.")
                kb = len(image.data) / 1024
                print(f"Image écrite : {out} ({image.width}×{image.height}, {kb:.0f} Ko, « {image.title} »).")
                continue
            _print_view_messages(result)
            files = export_data.data_files(result, fmt)
            for name, path in data_paths(out, fmt).items():
                path.write_bytes(files[name])
                print(f"Données écrites : {path} ({name}).")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` sub-command."""
    parser = subparsers.add_parser(
        "export",
        parents=[_render_options()],
        conflict_handler="resolve",
        help="exporter la carte en image PNG (diapositive, A4) ou ses données (CSV, GeoJSON)",
        description=(
            "Exporte la carte, configurée comme avec « cnrmap render », en image PNG prête pour une présentation "
            "(titre, légendes, sources, date), ou ses données : territoires affichés avec leur valeur et leur "
            "classe, projets et propositions retenus (CSV ou GeoJSON). L'image est dessinée par Chromium, sans "
            "réseau ; le fond de carte est désactivé par défaut."
        ),
        epilog=(
            "Exemples :\n"
            "  cnrmap export --territory region:93 --out paca.png --size 16:9\n"
            "  cnrmap export --territory departement:04 --territory departement:05 --out carte-{territoire}.png\n"
            "  cnrmap export --territory departement:13 --format csv-fr --out bdr.csv\n"
            "Tailles : 16:9 = 1920×1080 (diapositive), a4 = 3508×2480 (A4 paysage, 300 dpi), ou LARGEURxHAUTEUR."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--territory",
        action="append",
        metavar="FR|region:CODE|departement:CODE",
        help="territoire (répétable : un fichier par territoire ; défaut : FR)",
    )
    parser.add_argument(
        "--out",
        required=True,
        metavar="FICHIER",
        help=f"fichier à écrire (.png, .csv, .geojson) ; « {PLACEHOLDER} » y est remplacé par le territoire",
    )
    parser.add_argument("--format", choices=FORMATS, default=None, help="format (défaut : d'après l'extension)")
    parser.add_argument(
        "--size", default="16:9", metavar="16:9|a4|LxH", help="taille de l'image (défaut : 16:9 = 1920×1080)"
    )
    parser.add_argument("--title", default=None, metavar="TEXTE", help="titre (défaut : indicateur — territoire)")
    parser.set_defaults(func=_run)
