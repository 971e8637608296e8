"""The records database: one engine per URL, its schema brought up to date by Alembic, safe concurrent writes.

- **Where.** ``Settings.database_url`` (``CNRMAP_DATABASE_URL``): a SQLite file in the data cache by default,
  nothing to install; any SQLAlchemy URL (``postgresql+psycopg://…``) for a team sharing one database.
- **Schema.** Versioned by Alembic migrations (``migrations/versions/``), applied when the engine is first
  opened; :data:`HEAD` names the latest, so that an up-to-date database costs one query and no Alembic import.
- **Concurrent writes.** Each write is one transaction (:func:`writing`). On SQLite: write-ahead log (readers
  never block the writer), ``BEGIN IMMEDIATE`` for writes (a writer waits for the lock up front instead of
  failing half-way) and a busy timeout, so that two sessions writing at once are both kept, one after the other.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cnrmap.config import Settings
from cnrmap.errors import DataError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

HEAD = "0001"  # latest migration (tests check it against migrations/versions/)
VERSION_TABLE = "cnr_schema_version"
MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 30_000
_WRITE = "cnrmap_write"


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///…`` URL (``None`` for another database or an in-memory SQLite)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url in (prefix, "sqlite:///:memory:"):
        return None
    return Path(url[len(prefix) :].split("?", 1)[0])


def exists(settings: Settings) -> bool:
    """Whether anything can have been recorded: the SQLite file exists, or another database is configured.

    Lets a read-only deployment that never recorded anything skip SQLAlchemy entirely.
    """
    path = sqlite_path(settings.database_url)
    if path is None:
        return not settings.database_url.startswith("sqlite")
    return path.is_file()


def _sqlite_events(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN (the driver's own would be a deferred one).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@functools.lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    """The engine of ``url``, created once per process, its schema at :data:`HEAD`.

    Raises
    ------
    DataError
        If the database cannot be opened or migrated (the URL is quoted without its password).
    """
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    path = sqlite_path(url)
    try:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            _sqlite_events(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        upgrade(engine)
    except (SQLAlchemyError, OSError, ImportError) as exc:
        shown = url.split("@")[-1] if "@" in url else url
        raise DataError(
            f"Base des données enregistrées inaccessible : {shown!r} ({type(exc).__name__} : {exc}).",
            hint="Vérifiez CNRMAP_DATABASE_URL (ou les droits sur le fichier SQLite du cache).",
        ) from exc
    return engine


def engine(settings: Settings) -> Engine:
    """:func:`engine_for` the settings' database."""
    return engine_for(settings.database_url)


def current_version(connection: Connection) -> str | None:
    """The schema version of the database (``None``: empty database)."""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def upgrade(engine: Engine) -> None:
    """Bring the schema to :data:`HEAD` with Alembic, in one write transaction (two processes: one migrates)."""
    with engine.connect() as connection:
        version = current_version(connection)
    if version == HEAD:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with writing(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed whole at the end of the block, rolled back whole on any error."""
    with engine.connect() as connection:
        connection.execution_options(**{_WRITE: True})
        with connection.begin():
            yield connection


def revision(settings: Settings) -> str:
    """A text that changes whenever something is recorded or removed (keys the pages' caches)."""
    if not exists(settings):
        return "vide"
    from sqlalchemy import func, select

    from cnrmap.records import tables

    with engine(settings).connect() as connection:
        parts = [
            connection.execute(select(func.count(), func.max(table.c.id))).one()
            for table in (tables.status_entries, tables.imports)
        ]
    return ";".join(f"{n}:{last}" for n, last in parts)
