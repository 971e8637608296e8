"""Initial schema: imports, imported projects / proposals / meetings, status entries.

Revision ID: 0001
Revises:
Create Date: 2026-05-12
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _origin() -> list[sa.Column]:
    return [
        sa.Column("import_id", sa.Integer, sa.ForeignKey("cnr_imports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
    ]


def _text(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Text, nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "cnr_imports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.Column("imported_by", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
    )
    op.create_table(
        "cnr_projects",
        sa.Column("id", sa.Text, primary_key=True),
        *_text("department_code", "title", "summary", "theme", "commune_codes"),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        *_text("location_precision", "status", "status_date", "status_source", "source", "notes"),
        *_origin(),
    )
    op.create_table(
        "cnr_proposals",
        sa.Column("id", sa.Text, primary_key=True),
        *_text("region_code", "scope_level", "territory_code", "theme", "axis", "number", "level", "parent_id", "text"),
        sa.Column("verbatim_count", sa.Integer, nullable=True),
        *_text("source", "notes"),
        *_origin(),
    )
    op.create_table(
        "cnr_meetings",
        sa.Column("id", sa.Text, primary_key=True),
        *_text("region_code", "department_code", "place", "commune_code"),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        *_text("location_precision", "date", "kind", "source", "notes"),
        *_origin(),
    )
    for table in ("cnr_projects", "cnr_proposals", "cnr_meetings"):
        op.create_index(f"ix_{table}_import_id", table, ["import_id"])
    op.create_table(
        "cnr_status_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.Text, nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        *_text("source", "comment", "recorded_by"),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("cnr_imports.id", ondelete="CASCADE"), nullable=True),
    )
    op.create_index("ix_cnr_status_entries_project_id", "cnr_status_entries", ["project_id"])
    op.create_index("ix_cnr_status_entries_import_id", "cnr_status_entries", ["import_id"])


def downgrade() -> None:
    for table in ("cnr_status_entries", "cnr_meetings", "cnr_proposals", "cnr_projects", "cnr_imports"):
        op.drop_table(table)
