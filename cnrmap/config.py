"""The one place where paths, cache locations, the mirror and the browser are decided.

Everything that needs a path or a setting asks :func:`get_settings`; the environment is read here only:

============================  =========================================================================
``CNRMAP_ROOT``               project root (the checkout holding ``data/`` and ``geo/``)
``CNRMAP_DATA_DIR``           replaces the curated data folder (to check a copy being edited)
``CNRMAP_CACHE_DIR``          the cache folder (``<dir>/geo``, ``<dir>/data``); default: the user cache folder
                              (``~/.cache/cnrmap`` on Linux), never inside the checkout
``CNRMAP_MIRROR``             folder or base URL of a mirror of the official sources
``CNRMAP_CHROMIUM``           Chromium executable for the image export
``CNRMAP_DATABASE_URL``       SQLAlchemy URL of the records database (default: SQLite in the data cache)
``CNRMAP_EDITING``            ``1`` lets the pages record status updates and imports (off by default)
``CNRMAP_USER_HEADER``        header naming the signed-in user behind a reverse proxy (``X-Forwarded-User``)
============================  =========================================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from cnrmap.errors import DataError

ROOT_ENV = "CNRMAP_ROOT"
DATA_DIR_ENV = "CNRMAP_DATA_DIR"
CACHE_DIR_ENV = "CNRMAP_CACHE_DIR"
MIRROR_ENV = "CNRMAP_MIRROR"
CHROMIUM_ENV = "CNRMAP_CHROMIUM"
DATABASE_ENV = "CNRMAP_DATABASE_URL"
EDITING_ENV = "CNRMAP_EDITING"
USER_HEADER_ENV = "CNRMAP_USER_HEADER"
# The default database of what users record: a SQLite file in the data cache (nothing to install).
DATABASE_FILE = "cnrmap-records.sqlite"

# A checkout is recognised by these files (the data the app shows, and the app itself).
ROOT_MARKERS = ("data/projects.csv", "app.py")

# Where the package sits: the checkout itself for an editable install or a run from the checkout,
# site-packages after a plain ``pip install .`` (then it holds no data and is not a project root).
_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


def _is_project_root(folder: Path) -> bool:
    return all((folder / marker).is_file() for marker in ROOT_MARKERS)


def find_root(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The project root: ``$CNRMAP_ROOT``, else the current folder or a parent, else the package's parent.

    A folder is a project root when it holds ``data/projects.csv`` and ``app.py``.

    Parameters
    ----------
    environ : Mapping[str, str], optional
        Environment to read (default: ``os.environ``).
    cwd : Path, optional
        Folder to start the search from (default: the current directory).

    Returns
    -------
    Path
        Absolute path of the project root.

    Raises
    ------
    DataError
        If ``CNRMAP_ROOT`` names a folder without the project's data, or if no project root is found
        (typically after ``pip install .`` run from outside the checkout).
    """
    environ = os.environ if environ is None else environ
    named = environ.get(ROOT_ENV)
    if named:
        root = Path(named).expanduser().resolve()
        if not _is_project_root(root):
            raise DataError(
                f"{ROOT_ENV}={named!r} ne désigne pas le dossier du projet cnrmap : "
                f"{' et '.join(ROOT_MARKERS)} y sont introuvables.",
                hint=f"Donner à {ROOT_ENV} le chemin de la copie du dépôt (le dossier qui contient app.py et data/).",
            )
        return root
    start = (Path(cwd) if cwd is not None else Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if _is_project_root(folder):
            return folder
    if _is_project_root(_PACKAGE_PARENT):
        return _PACKAGE_PARENT
    raise DataError(
        f"Dossier de données de cnrmap introuvable : ni {start} ni ses dossiers parents ne contiennent "
        f"{' et '.join(ROOT_MARKERS)}, et le paquet installé ({_PACKAGE_PARENT}) n'en contient pas.",
        hint=(
            "Lancer l'application ou la commande depuis la copie du dépôt cnrmap (le dossier qui contient "
            f"app.py et data/), ou définir {ROOT_ENV} : export {ROOT_ENV}=/chemin/vers/la/copie/du/depot."
        ),
    )


@dataclass(frozen=True)
class Settings:
    """Locations and external programs used by the library.

    Attributes
    ----------
    root:
        Project root (holds ``app.py``, ``data/`` and ``geo/``).
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
    cache_dir:
        The folder holding both caches: ``CNRMAP_CACHE_DIR``, else the user cache folder (``~/.cache/cnrmap``);
        nothing is written into the checkout at run time.
    chromium:
        Chromium executable (path or command name) named by ``CNRMAP_CHROMIUM``, else ``None``
        (the first Chromium found on the ``PATH``).
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
    cache_dir: Path | None = None
    chromium: str | None = None
    database_url: str = ""
    editing: bool = False
    user_header: str = "X-Forwarded-User"

    @property
    def embedded_geo_dir(self) -> Path:
        """Tracked fallback boundaries."""
        return self.geo_dir / "embedded"

    @property
    def payload_cache(self) -> Path:
        """Where the app writes the map data it serves to the browser by URL (:mod:`cnrmap.leaflet.page`)."""
        return (self.cache_dir if self.cache_dir is not None else self.data_cache.parent) / "web"

    @property
    def app_path(self) -> Path:
        """The app's main script (the pages' tests run it; ``streamlit run serve.py`` serves it)."""
        return self.root / "app.py"


def child_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process (a server, a command): this process' own, plus ``extra``.

    Parameters
    ----------
    extra : Mapping[str, str], optional
        Variables to add or replace (``CNRMAP_*`` names among them are read by the child's settings).

    Returns
    -------
    dict[str, str]
        A new dictionary; this process' environment is left unchanged.
    """
    return {**os.environ, **(extra or {})}


def default_cache() -> Path:
    """The user cache folder of cnrmap (``~/.cache/cnrmap`` on Linux): outside the checkout, which may be read only."""
    return platformdirs.user_cache_path("cnrmap")


def get_settings(
    root: Path | None = None,
    mirror: str | None = None,
    cache_dir: Path | None = None,
) -> Settings:
    """Build the settings from arguments, then ``CNRMAP_*`` environment variables, then defaults.

    ``mirror=""`` means "no mirror", even when ``CNRMAP_MIRROR`` is set.

    Parameters
    ----------
    root : Path, optional
        Project root; default: :func:`find_root`.
    mirror : str, optional
        Mirror folder or URL; default: ``CNRMAP_MIRROR``.
    cache_dir : Path, optional
        Folder of both caches; default: ``CNRMAP_CACHE_DIR``, else the user cache folder (``~/.cache/cnrmap``
        on Linux; tests pass an empty folder to start from an empty cache).

    Raises
    ------
    DataError
        If no project root is given or found (see :func:`find_root`).
    """
    environ = os.environ
    root = Path(root) if root is not None else find_root(environ)
    env_cache = environ.get(CACHE_DIR_ENV)
    cache_root = Path(cache_dir) if cache_dir is not None else (Path(env_cache) if env_cache else default_cache())
    boundary_cache, data_cache = cache_root / "geo", cache_root / "data"
    mirror = (mirror if mirror is not None else environ.get(MIRROR_ENV)) or None
    if mirror and "://" not in mirror:
        mirror = str(Path(mirror).expanduser().resolve())
    env_data = environ.get(DATA_DIR_ENV)
    database_url = environ.get(DATABASE_ENV) or f"sqlite:///{data_cache / DATABASE_FILE}"
    return Settings(
        root=root,
        data_dir=Path(env_data) if env_data else root / "data",
        geo_dir=root / "geo",
        boundary_cache=boundary_cache,
        data_cache=data_cache,
        mirror=mirror,
        cache_dir=cache_root,
        chromium=environ.get(CHROMIUM_ENV) or None,
        database_url=database_url,
        editing=environ.get(EDITING_ENV, "").strip().lower() in ("1", "true", "oui", "yes", "on"),
        user_header=environ.get(USER_HEADER_ENV, "X-Forwarded-User").strip(),
    )
