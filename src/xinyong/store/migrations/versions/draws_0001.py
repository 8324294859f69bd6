"""draws: inspectors, inspection plans, committed draws, reveals, targets and results (双随机、一公开)

Revision ID: draws_0001
Revises: core_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = "draws_0001"
down_revision = "core_0002"
branch_labels = ("draws",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_plans",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("items", sa.String(length=2000), nullable=False),
        sa.Column("scheme_id", sa.String(length=64), nullable=False),
        sa.Column("population", sa.Text(), nullable=True),
        sa.Column(
            "ratios_bp",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("inspectors_per_target", sa.Integer(), nullable=False),
        sa.Column("avoid_own_unit", sa.Boolean(), nullable=False),
        sa.Column("avoid_last_inspector", sa.Boolean(), nullable=False),
        sa.Column("max_targets_per_inspector", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plans")),
    )
    op.create_index(
        op.f("ix_inspection_plans_district_code"), "inspection_plans", ["district_code"], unique=False
    )
    op.create_table(
        "inspectors",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column(
            "affiliations",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspectors")),
    )
    op.create_index(op.f("ix_inspectors_district_code"), "inspectors", ["district_code"], unique=False)
    op.create_table(
        "draws",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("algorithm", sa.String(length=40), nullable=False),
        sa.Column(
            "plan_doc",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("plan_digest", sa.String(length=64), nullable=False),
        sa.Column("pool_text", sa.Text(), nullable=False),
        sa.Column("pool_digest", sa.String(length=64), nullable=False),
        sa.Column("pool_targets", sa.Integer(), nullable=False),
        sa.Column("pool_inspectors", sa.Integer(), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("committed_by", sa.String(length=100), nullable=False),
        sa.Column("committed_at", sa.DateTime(), nullable=False),
        sa.Column("committed_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["inspection_plans.id"], name=op.f("fk_draws_plan_id_inspection_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draws")),
    )
    op.create_index(op.f("ix_draws_district_code"), "draws", ["district_code"], unique=False)
    op.create_index(op.f("ix_draws_plan_id"), "draws", ["plan_id"], unique=False)
    op.create_table(
        "draw_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("draw_id", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("findings", sa.String(length=2000), nullable=True),
        sa.Column("inspection_date", sa.Date(), nullable=False),
        sa.Column("inspection_no", sa.String(length=200), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=True),
        sa.Column("entered_by", sa.String(length=100), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["draws.id"], name=op.f("fk_draw_results_draw_id_draws")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw_results")),
        sa.UniqueConstraint("draw_id", "subject_id", name="uq_draw_results_draw_subject"),
    )
    op.create_index("ix_draw_results_draw", "draw_results", ["draw_id"], unique=False)
    op.create_table(
        "draw_reveals",
        sa.Column("draw_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outside_value", sa.String(length=200), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("result_digest", sa.String(length=64), nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("revealed_by", sa.String(length=100), nullable=False),
        sa.Column("revealed_at", sa.DateTime(), nullable=False),
        sa.Column("revealed_leaf", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["draw_id"], ["draws.id"], name=op.f("fk_draw_reveals_draw_id_draws")),
        sa.PrimaryKeyConstraint("draw_id", name=op.f("pk_draw_reveals")),
    )
    op.create_table(
        "draw_targets",
        sa.Column("draw_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column(
            "inspector_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["draw_id"], ["draws.id"], name=op.f("fk_draw_targets_draw_id_draws")),
        sa.PrimaryKeyConstraint("draw_id", "position", name=op.f("pk_draw_targets")),
    )
    op.create_index(op.f("ix_draw_targets_subject_id"), "draw_targets", ["subject_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_draw_targets_subject_id"), table_name="draw_targets")
    op.drop_table("draw_targets")
    op.drop_table("draw_reveals")
    op.drop_index("ix_draw_results_draw", table_name="draw_results")
    op.drop_table("draw_results")
    op.drop_index(op.f("ix_draws_plan_id"), table_name="draws")
    op.drop_index(op.f("ix_draws_district_code"), table_name="draws")
    op.drop_table("draws")
    op.drop_index(op.f("ix_inspectors_district_code"), table_name="inspectors")
    op.drop_table("inspectors")
    op.drop_index(op.f("ix_inspection_plans_district_code"), table_name="inspection_plans")
    op.drop_table("inspection_plans")
