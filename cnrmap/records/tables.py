"""The tables of the records database (SQLAlchemy Core), as the latest migration leaves them.

Imported rows keep the data dictionary's columns (``data/README.md``, :mod:`cnrmap.curated.schema`) plus the
import they came from and their row in that file. Every name starts with ``cnr_`` so that a shared database
can hold other applications' tables. A test checks that the migrations build exactly these tables.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, MetaData, String, Table, Text

from cnrmap.curated.schema import MEETINGS, PROJECTS, PROPOSALS, DatasetSchema

metadata = MetaData()

imports = Table(
    "cnr_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("filename", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("imported_at", String(32), nullable=False),
    Column("imported_by", Text, nullable=False),
    Column("rows", Integer, nullable=False),
)


def _kind(kind: str):
    return {"float": Float, "int": Integer}.get(kind, Text)


def _dataset_table(name: str, schema: DatasetSchema) -> Table:
    # Text is stored as written ("" when empty); numbers are NULL when empty.
    columns = [
        Column(c.name, _kind(c.kind), primary_key=c.name == "id", nullable=c.kind != "text") for c in schema.columns
    ]
    return Table(
        name,
        metadata,
        *columns,
        Column("import_id", Integer, ForeignKey("cnr_imports.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("line", Integer, nullable=False),
    )


projects = _dataset_table("cnr_projects", PROJECTS)
proposals = _dataset_table("cnr_proposals", PROPOSALS)
meetings = _dataset_table("cnr_meetings", MEETINGS)
DATASET_TABLES: dict[str, Table] = {"projects": projects, "proposals": proposals, "meetings": meetings}

status_entries = Table(
    "cnr_status_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", Text, nullable=False, index=True),
    Column("date", String(10), nullable=False),
    Column("status", String(32), nullable=False),
    Column("source", Text, nullable=False),
    Column("comment", Text, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("origin", Text, nullable=False),
    Column("import_id", Integer, ForeignKey("cnr_imports.id", ondelete="CASCADE"), nullable=True, index=True),
)
