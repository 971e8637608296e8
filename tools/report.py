"""How the measuring tools give their report: printed, and written to ``--out`` when asked."""

from __future__ import annotations

from pathlib import Path


def emit(report: str, out: Path | None) -> None:
    """Print ``report``; also write it (Markdown) to ``out`` if given, creating its folder."""
    print(report)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report + "\n", encoding="utf-8")
