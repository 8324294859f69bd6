"""subjects: officer merges of two subjects found to be one (append-only decisions, moved records)

Revision ID: subjects_0002
Revises: subjects_0001
Create Date: 2026-12-01 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "subjects_0002"
down_revision = "subjects_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subjects") as batch:
        batch.add_column(sa.Column("merged_into", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("merge_id", sa.Integer(), nullable=True))
        batch.create_index("ix_subjects_merged_into", ["merged_into"], unique=False)
    op.create_table(
        "subject_merges",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("kept_id", sa.String(length=24), nullable=False),
        sa.Column("merged_id", sa.String(length=24), nullable=False),
        sa.Column("undoes", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("officer", sa.String(length=100), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("leaf_index", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kept_id"], ["subjects.id"], name=op.f("fk_subject_merges_kept_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["merged_id"], ["subjects.id"], name=op.f("fk_subject_merges_merged_id_subjects")
        ),
        sa.ForeignKeyConstraint(
            ["undoes"], ["subject_merges.id"], name=op.f("fk_subject_merges_undoes_subject_merges")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_merges")),
        sa.UniqueConstraint("undoes", name=op.f("uq_subject_merges_undoes")),
    )
    with op.batch_alter_table("subject_merges") as batch:
        batch.create_index("ix_subject_merges_kept_id", ["kept_id"], unique=False)
        batch.create_index("ix_subject_merges_merged_id", ["merged_id"], unique=False)
    op.create_table(
        "subject_merge_moves",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("merge_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("from_subject_id", sa.String(length=24), nullable=False),
        sa.Column("to_subject_id", sa.String(length=24), nullable=False),
        sa.Column("moved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merge_id"], ["subject_merges.id"], name=op.f("fk_subject_merge_moves_merge_id_subject_merges")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_merge_moves")),
    )
    with op.batch_alter_table("subject_merge_moves") as batch:
        batch.create_index("ix_subject_merge_moves_merge_id", ["merge_id"], unique=False)
        batch.create_index("ix_subject_merge_moves_record_id", ["record_id"], unique=False)


def downgrade() -> None:
    op.drop_table("subject_merge_moves")
    op.drop_table("subject_merges")
    with op.batch_alter_table("subjects") as batch:
        batch.drop_index("ix_subjects_merged_into")
        batch.drop_column("merge_id")
        batch.drop_column("merged_into")
