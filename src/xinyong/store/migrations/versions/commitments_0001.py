"""commitments: signed credit commitments (信用承诺) and their append-only events

Revision ID: commitments_0001
Revises: core_0002
Create Date: 2026-12-01 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "commitments_0001"
down_revision = "core_0002"
branch_labels = ("commitments",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commitments",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("template_digest", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("pilot", sa.String(length=64), nullable=True),
        sa.Column("period_key", sa.String(length=100), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("signed_by", sa.String(length=100), nullable=False),
        sa.Column("signer_user_id", sa.Integer(), nullable=True),
        sa.Column("paper_ref", sa.String(length=200), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_commitments_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_commitments_idempotency_key")),
        sa.UniqueConstraint(
            "subject_id", "template_id", "period_key", name="uq_commitments_subject_template_period"
        ),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index("ix_commitments_pilot", ["pilot", "signed_on"], unique=False)
        batch_op.create_index("ix_commitments_district", ["district_code", "signed_on"], unique=False)
        batch_op.create_index("ix_commitments_subject", ["subject_id"], unique=False)
    op.create_table(
        "commitment_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("commitment_id", sa.String(length=24), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("breach_record_no", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["commitment_id"], ["commitments.id"], name=op.f("fk_commitment_events_commitment_id_commitments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_events")),
    )
    with op.batch_alter_table("commitment_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commitment_events_commitment", ["commitment_id", "effective_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("commitment_events", schema=None) as batch_op:
        batch_op.drop_index("ix_commitment_events_commitment")
    op.drop_table("commitment_events")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_index("ix_commitments_subject")
        batch_op.drop_index("ix_commitments_district")
        batch_op.drop_index("ix_commitments_pilot")
    op.drop_table("commitments")
