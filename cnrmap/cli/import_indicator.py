"""``cnrmap import``: read an indicator file, match it to the COG and print the French import report."""

from __future__ import annotations

import argparse
from pathlib import Path

from cnrmap.errors import DataError
from cnrmap.importer import MAX_BYTES, import_indicator, reference_for_settings
from cnrmap.importer.limits import check_size


def _run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"Fichier {str(path)!r} introuvable ou illisible ({exc.strerror}).") from exc
    check_size(size, path.name, MAX_BYTES)  # before reading the file into memory
    from cnrmap.config import get_settings

    reference = reference_for_settings(get_settings())
    result = import_indicator(
        path.read_bytes(),
        path.name,
        reference=reference,
        code_column=args.code_column,
        value_column=args.value_column,
        name=args.name,
        unit=args.unit,
    )
    print(result.report.to_french())
    if args.export and result.usable:
        from cnrmap.export.csv import to_csv_bytes

        Path(args.export).write_bytes(to_csv_bytes(result.table(), variant=args.export_format))
        print(f"Export écrit : {args.export}")
    return 0 if result.usable else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import`` sub-command."""
    parser = subparsers.add_parser(
        "import",
        help="Lire un indicateur (CSV ou XLSX) par commune ou département et afficher le rapport d'import.",
        description="Lit un fichier de valeurs par territoire, le rapproche du COG et affiche le rapport. "
        "Code de sortie 0 si le fichier est utilisable, 1 sinon.",
    )
    parser.add_argument("file", metavar="FICHIER", help="fichier CSV ou XLSX (20 Mo au plus)")
    parser.add_argument("--code-column", metavar="C", help="colonne des codes INSEE (devinée sinon)")
    parser.add_argument("--value-column", metavar="V", help="colonne des valeurs (devinée sinon)")
    parser.add_argument("--name", metavar="N", help="nom de l'indicateur")
    parser.add_argument("--unit", metavar="U", help="unité de l'indicateur")
    parser.add_argument("--export", metavar="CSV", help="écrire les valeurs retenues, avec les noms, dans ce CSV")
    parser.add_argument(
        "--export-format",
        choices=("utf8-bom", "semicolon"),
        default="semicolon",
        help="« semicolon » (; et virgule décimale, tableurs français) ou « utf8-bom » (,)",
    )
    parser.set_defaults(func=_run)
