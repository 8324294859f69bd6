"""status: append-only record status events (repaired, objections, revoked, erased)

Revision ID: status_0001
Revises: core_0001
Create Date: 2026-11-30 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "status_0001"
down_revision = "core_0001"
branch_labels = ("status",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_status_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_status_events_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_status_events")),
    )
    with op.batch_alter_table("record_status_events", schema=None) as batch_op:
        batch_op.create_index("ix_record_status_events_record", ["record_id", "effective_on"], unique=False)
        batch_op.create_index("ix_record_status_events_status", ["status", "effective_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("record_status_events", schema=None) as batch_op:
        batch_op.drop_index("ix_record_status_events_status")
        batch_op.drop_index("ix_record_status_events_record")
    op.drop_table("record_status_events")
