"""evaluation: runs, results (append-only) and officers' manual scores

Revision ID: evaluation_0001
Revises: core_0001
Create Date: 2026-11-24 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "evaluation_0001"
down_revision = "core_0001"
branch_labels = ("evaluation",)
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "evaluation_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("model_sha256", sa.String(length=64), nullable=False),
        sa.Column("spec", JSON, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("subjects", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_runs")),
    )
    op.create_index(op.f("ix_evaluation_runs_as_of"), "evaluation_runs", ["as_of"], unique=False)
    op.create_index(op.f("ix_evaluation_runs_model_id"), "evaluation_runs", ["model_id"], unique=False)
    op.create_table(
        "evaluation_results",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("veto", sa.String(length=64), nullable=True),
        sa.Column("points", JSON, nullable=False),
        sa.Column("values", JSON, nullable=False),
        sa.Column("dimensions", JSON, nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["evaluation_runs.id"], name=op.f("fk_evaluation_results_run_id_evaluation_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "subject_id", name=op.f("pk_evaluation_results")),
    )
    op.create_index(
        "ix_evaluation_results_model_district",
        "evaluation_results",
        ["model_id", "district_code", "as_of"],
        unique=False,
    )
    op.create_index(
        "ix_evaluation_results_subject",
        "evaluation_results",
        ["subject_id", "model_id", "as_of"],
        unique=False,
    )
    op.create_table(
        "evaluation_manual_scores",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.Column("indicator_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("value_milli", sa.BigInteger(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("entered_by", sa.String(length=100), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_evaluation_manual_scores_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_manual_scores")),
    )
    op.create_index(
        op.f("ix_evaluation_manual_scores_subject_id"),
        "evaluation_manual_scores",
        ["subject_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_evaluation_manual_scores_subject_id"), table_name="evaluation_manual_scores")
    op.drop_table("evaluation_manual_scores")
    op.drop_index("ix_evaluation_results_subject", table_name="evaluation_results")
    op.drop_index("ix_evaluation_results_model_district", table_name="evaluation_results")
    op.drop_table("evaluation_results")
    op.drop_index(op.f("ix_evaluation_runs_model_id"), table_name="evaluation_runs")
    op.drop_index(op.f("ix_evaluation_runs_as_of"), table_name="evaluation_runs")
    op.drop_table("evaluation_runs")
