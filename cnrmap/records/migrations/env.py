"""Alembic environment: run on the connection :func:`cnrmap.records.db.upgrade` hands over (never from a file)."""

from alembic import context

from cnrmap.records.db import VERSION_TABLE
from cnrmap.records.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,  # SQLite cannot ALTER most things: later migrations rebuild tables in batch mode
)
with context.begin_transaction():
    context.run_migrations()
