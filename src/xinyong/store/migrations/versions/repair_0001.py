"""repair: credit repair and objection cases, their append-only steps and evidence uploads

Revision ID: repair_0001
Revises: status_0001
Create Date: 2026-12-01 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "repair_0001"
down_revision = "status_0001"
branch_labels = ("repair",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "repair_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("applicant", sa.String(length=100), nullable=False),
        sa.Column("statement", sa.String(length=4000), nullable=False),
        sa.Column("commitment_ref", sa.String(length=100), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_repair_cases_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_repair_cases_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_cases")),
    )
    with op.batch_alter_table("repair_cases", schema=None) as batch_op:
        batch_op.create_index("ix_repair_cases_district", ["district_code", "kind"], unique=False)
        batch_op.create_index("ix_repair_cases_record", ["record_id", "kind"], unique=False)
        batch_op.create_index("ix_repair_cases_subject", ["subject_id"], unique=False)
    op.create_table(
        "repair_case_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("state_after", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["repair_cases.id"], name=op.f("fk_repair_case_steps_case_id_repair_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_case_steps")),
    )
    with op.batch_alter_table("repair_case_steps", schema=None) as batch_op:
        batch_op.create_index("ix_repair_case_steps_case", ["case_id", "id"], unique=False)
    op.create_table(
        "repair_evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["repair_cases.id"], name=op.f("fk_repair_evidence_case_id_repair_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_evidence")),
    )
    with op.batch_alter_table("repair_evidence", schema=None) as batch_op:
        batch_op.create_index("ix_repair_evidence_case", ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("repair_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_evidence_case")
    op.drop_table("repair_evidence")
    with op.batch_alter_table("repair_case_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_case_steps_case")
    op.drop_table("repair_case_steps")
    with op.batch_alter_table("repair_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_cases_subject")
        batch_op.drop_index("ix_repair_cases_record")
        batch_op.drop_index("ix_repair_cases_district")
    op.drop_table("repair_cases")
