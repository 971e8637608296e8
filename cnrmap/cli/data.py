"""``cnrmap data``: record a project's status, import another region's files, export them, write the templates.

The command line is always allowed (``CNRMAP_EDITING`` only governs the pages): it runs with the rights of
whoever owns the database file, and records that person's login as the author unless ``--by`` says otherwise.
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from cnrmap import vocab
from cnrmap.errors import DataError


def _who(args: argparse.Namespace) -> str:
    if args.by:
        return args.by
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "ligne de commande"


def _status(args: argparse.Namespace) -> int:
    from cnrmap.config import get_settings
    from cnrmap.french import format_date
    from cnrmap.records.data import load_data
    from cnrmap.records.history import COMMAND_LINE, StatusUpdate, record_status

    settings = get_settings()
    known = set(load_data(settings).projects["id"])
    update = StatusUpdate(
        args.project, args.date, args.status, args.source, args.comment or "", _who(args), COMMAND_LINE
    )
    number = record_status(settings, update, known)
    label = vocab.STATUSES[args.status].lower()
    print(
        f"Statut enregistré (n° {number}) : {args.project} {label} à partir du {format_date(args.date)} "
        f"(source : {args.source})."
    )
    return 0


def _import(args: argparse.Namespace) -> int:
    from cnrmap.config import get_settings
    from cnrmap.records.columns import IMPORT_ORDER, kind_by_name
    from cnrmap.records.data import load_data
    from cnrmap.records.imports import import_file, read_upload

    try:
        kind = kind_by_name(args.type) if args.type else None
    except ValueError as exc:
        raise DataError(f"Option invalide : {exc}.") from exc
    settings = get_settings()
    paths = [Path(p) for p in args.files]
    for path in paths:
        if not path.is_file():
            raise DataError(f"Fichier introuvable : {str(path)!r}.")
    if kind is None and len(paths) > 1:
        # Projects before the status updates that name them: order the files by their kind.
        order = {}
        for path in paths:
            header = read_upload(path.read_bytes(), path.name).frame.columns
            order[path] = next((i for i, k in enumerate(IMPORT_ORDER) if _looks_like(k, header)), 0)
        paths.sort(key=order.get)
    failed = 0
    for path in paths:
        try:
            summary = import_file(settings, path.read_bytes(), path.name, _who(args), load_data(settings), kind)
        except DataError as exc:
            print(exc.render())
            failed += 1
            continue
        for note in summary.notes:
            print(f"Note : {note}")
        print(summary.sentence())
    return 1 if failed else 0


def _looks_like(kind_key: str, header) -> bool:
    from cnrmap.records.columns import KINDS, fold, header_map

    known = header_map(KINDS[kind_key])
    required = {c.name for c in KINDS[kind_key].schema.columns if c.required}
    return required <= {known[fold(c)] for c in header if fold(c) in known}


def _export(args: argparse.Namespace) -> int:
    from cnrmap.config import get_settings
    from cnrmap.records.data import export_all

    folder = Path(args.folder)
    for name, rows in export_all(get_settings(), folder).items():
        print(f"{folder / name} : {rows} ligne(s)")
    return 0


def _template(args: argparse.Namespace) -> int:
    from cnrmap.records.templates import write_templates

    for path in write_templates(Path(args.folder)):
        print(path)
    return 0


def _remove(args: argparse.Namespace) -> int:
    from cnrmap.config import get_settings
    from cnrmap.records.imports import remove_import

    removed = remove_import(get_settings(), args.number)
    print(f"Import n° {args.number} retiré ({removed} ligne(s)).")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``data`` sub-command and its own sub-commands."""
    parser = subparsers.add_parser(
        "data",
        help="enregistrer un statut, importer les données CNR d'une région, les exporter, écrire les modèles",
        description=(
            "Données enregistrées à côté des documents curés (data/, jamais modifiés) : statuts des projets "
            "dans le temps, données CNR d'autres régions. Base : CNRMAP_DATABASE_URL (par défaut un fichier "
            "SQLite dans le cache)."
        ),
    )
    commands = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    status = commands.add_parser("status", help="ajouter un statut daté à un projet")
    status.add_argument("project", metavar="PROJET", help="identifiant du projet (P-13-01)")
    status.add_argument("status", metavar="STATUT", choices=list(vocab.STATUSES), help=", ".join(vocab.STATUSES))
    status.add_argument("--date", required=True, metavar="AAAA-MM-JJ", help="jour à partir duquel le statut vaut")
    status.add_argument("--source", required=True, metavar="TEXTE", help="document ou réunion qui l'établit")
    status.add_argument("--comment", metavar="TEXTE", help="commentaire")
    status.add_argument("--by", metavar="NOM", help="qui enregistre (défaut : l'utilisateur du système)")
    status.set_defaults(func=_status)

    imp = commands.add_parser(
        "import",
        help="importer des fichiers de projets, propositions, réunions ou statuts (CSV ou XLSX)",
        description=(
            "Vérifie chaque fichier avec les règles des données curées et l'ajoute en entier, ou pas du tout "
            "(rapport en français : fichier, ligne, colonne). Plusieurs fichiers : projets d'abord, statuts ensuite."
        ),
    )
    imp.add_argument("files", nargs="+", metavar="FICHIER", help="fichier CSV ou XLSX (modèles : cnrmap data template)")
    imp.add_argument(
        "--type", metavar="TYPE", help="projets, propositions, reunions ou statuts (défaut : d'après l'en-tête)"
    )
    imp.add_argument("--by", metavar="NOM", help="qui importe (défaut : l'utilisateur du système)")
    imp.set_defaults(func=_import)

    export = commands.add_parser(
        "export", help="écrire toutes les données enregistrées en CSV (colonnes du dictionnaire)"
    )
    export.add_argument("folder", metavar="DOSSIER")
    export.set_defaults(func=_export)

    template = commands.add_parser(
        "template", help="écrire les modèles à remplir (CSV et XLSX) et la liste des colonnes"
    )
    template.add_argument("folder", metavar="DOSSIER")
    template.set_defaults(func=_template)

    remove = commands.add_parser("remove-import", help="retirer un import et toutes les lignes qu'il a ajoutées")
    remove.add_argument("number", type=int, metavar="N", help="numéro de l'import (page Données, ou imports.csv)")
    remove.set_defaults(func=_remove)
