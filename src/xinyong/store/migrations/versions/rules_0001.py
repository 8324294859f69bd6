"""rules: append-only rule versions (CEL source, facts read, who and why)

Revision ID: rules_0001
Revises: core_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "rules_0001"
down_revision = "core_0001"
branch_labels = ("rules",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_versions",
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("vocabulary", sa.String(length=32), nullable=False),
        sa.Column(
            "facts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("rule_id", "version", name=op.f("pk_rule_versions")),
    )


def downgrade() -> None:
    op.drop_table("rule_versions")
