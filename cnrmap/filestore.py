"""Files the app keeps in its cache folder for other processes: written atomically, the most recent kept."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file: a reader never sees half a file.

    Raises
    ------
    OSError
        If the folder cannot be created or written (a read-only cache).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False) as f:
        f.write(text)
    os.replace(f.name, path)


def keep_most_recent(folder: Path, suffixes: Sequence[str], count: int) -> None:
    """Remove the files of ``folder`` with these suffixes beyond the ``count`` most recently modified (or touched)."""
    files = sorted((p for p in folder.iterdir() if p.suffix in suffixes), key=_mtime)
    for old in files[: max(0, len(files) - count)]:
        old.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile by another process
        return 0.0
