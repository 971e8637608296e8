"""Shared fixtures. The mirror of the official sources is ``$CNRMAP_MIRROR`` or ``../shared``."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnrmap.config import Settings, get_settings


def _mirror_dir() -> Path | None:
    settings = get_settings()
    path = Path(settings.mirror or settings.root.parent / "shared")
    return path if (path / "france-geojson").is_dir() else None


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    path = _mirror_dir()
    if path is None:
        pytest.fail("Miroir introuvable : définir CNRMAP_MIRROR (dossier organisé comme ../shared).")
    return path


@pytest.fixture()
def empty_settings(tmp_path: Path) -> Settings:
    """Settings with an empty cache and no mirror."""
    return get_settings(cache_dir=tmp_path / "cache", mirror="")


@pytest.fixture()
def mirror_settings(tmp_path: Path, mirror_dir: Path) -> Settings:
    """Settings with an empty cache and the folder mirror."""
    return get_settings(cache_dir=tmp_path / "cache", mirror=str(mirror_dir))
