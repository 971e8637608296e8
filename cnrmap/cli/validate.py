"""``cnrmap validate``: check the curated CNR datasets against every rule of ``data/README.md``.

Exits with 1 on any problem (one line each), with 0 and a one-line summary otherwise.
"""

from __future__ import annotations

import argparse


def _run(args: argparse.Namespace) -> int:
    from cnrmap.config import get_settings
    from cnrmap.curated.load import validate

    problems, counts = validate(get_settings())
    if problems:
        print(f"{len(problems)} erreur(s) dans les données :")
        for problem in problems:
            print(f"- {problem}")
        return 1
    checked = (
        f" (citations vérifiées dans les documents : {counts['quotes_checked']})"
        if "quotes_checked" in counts
        else " (citations non vérifiées : documents sources absents du miroir)"
    )
    print(
        f"Données valides : {counts['projects']} projets, {counts['proposals']} propositions, "
        f"{counts['meetings']} réunions, {counts['document_figures']} chiffres des documents{checked}."
    )
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command."""
    parser = subparsers.add_parser("validate", help="vérifier les jeux de données du CNR santé (data/)")
    parser.set_defaults(func=_run)
