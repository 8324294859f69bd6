"""lists: credit-list memberships (intervals), exits and the review queue

Revision ID: lists_0001
Revises: rules_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "lists_0001"
down_revision = "rules_0001"
branch_labels = ("lists",)
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "list_memberships",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("list_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("planned_end_on", sa.Date(), nullable=True),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=True),
        sa.Column("rule_version", sa.Integer(), nullable=True),
        sa.Column("facts", _JSON, nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_list_memberships_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_memberships")),
    )
    with op.batch_alter_table("list_memberships", schema=None) as batch_op:
        batch_op.create_index("ix_list_memberships_list", ["list_id", "start_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_list_memberships_subject_id"), ["subject_id"], unique=False)
    op.create_table(
        "list_exits",
        sa.Column("membership_id", _ID, nullable=False),
        sa.Column("exit_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["list_memberships.id"],
            name=op.f("fk_list_exits_membership_id_list_memberships"),
        ),
        sa.PrimaryKeyConstraint("membership_id", name=op.f("pk_list_exits")),
    )
    op.create_table(
        "list_candidates",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("list_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("facts", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("membership_id", _ID, nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["membership_id"],
            ["list_memberships.id"],
            name=op.f("fk_list_candidates_membership_id_list_memberships"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_list_candidates_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_candidates")),
    )
    with op.batch_alter_table("list_candidates", schema=None) as batch_op:
        batch_op.create_index("ix_list_candidates_list_status", ["list_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_list_candidates_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:
    op.drop_table("list_candidates")
    op.drop_table("list_exits")
    op.drop_table("list_memberships")
