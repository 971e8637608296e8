"""The one place where paths, cache locations and the mirror are decided.

Everything that needs a path asks :func:`get_settings`; environment variables are read here only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The default database of what users record: a SQLite file in the data cache (nothing to install).
DATABASE_FILE = "cnrmap-records.sqlite"


@dataclass(frozen=True)
class Settings:
    """Locations used by the library.

    Attributes
    ----------
    root:
        Project root (holds ``data/`` and ``geo/``).
    data_dir:
        Curated CNR datasets and embedded reference tables (tracked).
    geo_dir:
        Boundaries: ``embedded/`` (tracked fallback) and ``cache/`` (fetched, git-ignored).
    boundary_cache:
        Where fetched boundary files and their GeoParquet conversions go.
    data_cache:
        Where fetched open-data files go.
    mirror:
        A folder or base URL laid out like ``shared/`` (``france-geojson/…``, ``opendata/<dataset>/<file>``)
        that replaces the official hosts, or ``None``.
    database_url:
        SQLAlchemy URL of the database holding what users record (status updates, imported regions):
        ``CNRMAP_DATABASE_URL``, by default a SQLite file in the data cache.
    editing:
        Whether the pages may record anything (``CNRMAP_EDITING=1``); off by default, so that a public
        deployment stays read-only. The command line is always allowed.
    user_header:
        HTTP header naming the signed-in user, set by the reverse proxy in front of a shared deployment
        (``CNRMAP_USER_HEADER``, default ``X-Forwarded-User``; empty: never read).
    """

    root: Path
    data_dir: Path
    geo_dir: Path
    boundary_cache: Path
    data_cache: Path
    mirror: str | None
    database_url: str = ""
    editing: bool = False
    user_header: str = "X-Forwarded-User"

    @property
    def embedded_geo_dir(self) -> Path:
        return self.geo_dir / "embedded"


def get_settings(
    root: Path | None = None,
    mirror: str | None = None,
    cache_dir: Path | None = None,
) -> Settings:
    """Build the settings from arguments, then ``CNRMAP_*`` environment variables, then defaults.

    ``mirror=""`` means "no mirror", even when ``CNRMAP_MIRROR`` is set.

    ``CNRMAP_MIRROR`` sets the mirror, ``CNRMAP_DATA_DIR`` replaces the curated data folder (to check
    a copy being edited), ``CNRMAP_CACHE_DIR`` moves both caches under one folder
    (``<dir>/geo`` and ``<dir>/data``), which tests use to start from an empty cache.
    ``CNRMAP_DATABASE_URL``, ``CNRMAP_EDITING`` and ``CNRMAP_USER_HEADER``: see :class:`Settings`.
    """
    root = Path(root) if root is not None else PROJECT_ROOT
    env_cache = os.environ.get("CNRMAP_CACHE_DIR")
    cache_root = Path(cache_dir) if cache_dir is not None else (Path(env_cache) if env_cache else None)
    if cache_root is not None:
        boundary_cache, data_cache = cache_root / "geo", cache_root / "data"
    else:
        boundary_cache, data_cache = root / "geo" / "cache", root / "data" / "cache"
    mirror = (mirror if mirror is not None else os.environ.get("CNRMAP_MIRROR")) or None
    if mirror and "://" not in mirror:
        mirror = str(Path(mirror).expanduser().resolve())
    env_data = os.environ.get("CNRMAP_DATA_DIR")
    database_url = os.environ.get("CNRMAP_DATABASE_URL") or f"sqlite:///{data_cache / DATABASE_FILE}"
    return Settings(
        root=root,
        data_dir=Path(env_data) if env_data else root / "data",
        geo_dir=root / "geo",
        boundary_cache=boundary_cache,
        data_cache=data_cache,
        mirror=mirror,
        database_url=database_url,
        editing=os.environ.get("CNRMAP_EDITING", "").strip().lower() in ("1", "true", "oui", "yes", "on"),
        user_header=os.environ.get("CNRMAP_USER_HEADER", "X-Forwarded-User").strip(),
    )
