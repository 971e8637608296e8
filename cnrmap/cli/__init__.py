"""The ``cnrmap`` command line: one module of this package per sub-command, each with ``register(subparsers)``.

Domain modules hold the library functions only; a command module parses its options, calls them and
prints the result. A :class:`~cnrmap.errors.DataError` is printed in French on stderr with exit code 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cnrmap.errors import DataError

# Modules exposing ``register(subparsers)``; each sub-parser sets ``func(args) -> int``.
COMMAND_MODULES: tuple[str, ...] = (
    "cnrmap.cli.validate",
    "cnrmap.cli.fetch",
    "cnrmap.cli.doctor",
    "cnrmap.cli.render",
    "cnrmap.cli.import_indicator",
    "cnrmap.cli.export",
    "cnrmap.cli.deck",
    "cnrmap.cli.data",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cnrmap",
        description="Carte des travaux du CNR santé et des indicateurs d'accès aux soins.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMANDE")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except DataError as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
