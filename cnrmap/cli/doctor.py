"""``cnrmap doctor``: what is installed, what is missing, and the command that fixes it.

Exits with 1 only if something the app needs is missing (see :func:`cnrmap.sources.doctor.diagnose`).
"""

from __future__ import annotations

import argparse


def _run(args: argparse.Namespace) -> int:
    from cnrmap.config import get_settings
    from cnrmap.sources.doctor import diagnose, render

    checks = diagnose(get_settings())
    print(render(checks))
    return 1 if any(c.required and not c.ok for c in checks) else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``doctor`` sub-command."""
    parser = subparsers.add_parser(
        "doctor",
        help="dire ce qui est installé, ce qui manque et comment l'obtenir",
        description="Liste les jeux de données installés (millésime, effectifs, emplacement) et ceux qui manquent.",
    )
    parser.set_defaults(func=_run)
