"""The command line: one module of ``cnrmap/cli/`` per command; domain modules hold no argparse code."""

from __future__ import annotations

from pathlib import Path

import cnrmap
from cnrmap.cli import COMMAND_MODULES, build_parser


def test_help_lists_every_command():
    text = build_parser().format_help()
    for command in ("validate", "fetch", "doctor", "render", "import", "export"):
        assert f"    {command} " in text


def test_commands_live_in_the_cli_package():
    assert [m for m in COMMAND_MODULES if not m.startswith("cnrmap.cli.")] == []
    package = Path(cnrmap.__file__).parent
    outside = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if path.parent.name != "cli" and "import argparse" in path.read_text(encoding="utf-8")
    ]
    assert outside == []
