"""incentives: person-score authorisation grants and recorded benefit uses

Revision ID: incentives_0001
Revises: accounts_0002
Create Date: 2026-12-01 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "incentives_0001"
down_revision = "accounts_0002"
branch_labels = ("incentives",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_grants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("grantee_user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("granted_by", sa.String(length=100), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_score_grants_subject_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["grantee_user_id"], ["users.id"], name=op.f("fk_score_grants_grantee_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_grants")),
    )
    with op.batch_alter_table("score_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_grants_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_score_grants_grantee_user_id"), ["grantee_user_id"], unique=False
        )
    op.create_table(
        "benefit_uses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scenario_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("used_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_benefit_uses_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benefit_uses")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_benefit_uses_idempotency_key")),
    )
    with op.batch_alter_table("benefit_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_benefit_uses_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index("ix_benefit_uses_scenario", ["scenario_id", "used_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("benefit_uses", schema=None) as batch_op:
        batch_op.drop_index("ix_benefit_uses_scenario")
        batch_op.drop_index(batch_op.f("ix_benefit_uses_subject_id"))
    op.drop_table("benefit_uses")
    with op.batch_alter_table("score_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_grants_grantee_user_id"))
        batch_op.drop_index(batch_op.f("ix_score_grants_subject_id"))
    op.drop_table("score_grants")
