"""subjects: import header row and warnings on batches

Revision ID: subjects_0001
Revises: core_0001
Create Date: 2026-11-30 21:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "subjects_0001"
down_revision = "core_0001"
branch_labels = ("subjects",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_batches") as batch:
        batch.add_column(sa.Column("header_row", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "warnings",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("ingest_batches") as batch:
        batch.drop_column("warnings")
        batch.drop_column("header_row")
