"""supervision: console-saved versions of supervision schemes (分级分类监管方案)

Revision ID: supervision_0001
Revises: core_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "supervision_0001"
down_revision = "core_0002"
branch_labels = ("supervision",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_scheme_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scheme_id", sa.String(length=64), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_scheme_versions")),
    )
    op.create_index(
        "ix_supervision_scheme_versions_scheme",
        "supervision_scheme_versions",
        ["scheme_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_supervision_scheme_versions_scheme", table_name="supervision_scheme_versions")
    op.drop_table("supervision_scheme_versions")
