"""core: subjects, records, ingest batches and quarantine

Revision ID: core_0001
Revises:
Create Date: 2026-11-24 20:13:21.842640
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "core_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "ingest_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=True),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("layout", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column(
            "unknown_columns",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_batches")),
    )
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_batches_file_sha256"), ["file_sha256"], unique=False)

    op.create_table(
        "subjects",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("local_code", sa.String(length=64), nullable=True),
        sa.Column("division_code", sa.String(length=6), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("legal_rep", sa.String(length=100), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("pilot", sa.String(length=64), nullable=True),
        sa.Column("parent_id", sa.String(length=24), nullable=True),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["subjects.id"], name=op.f("fk_subjects_parent_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
        sa.UniqueConstraint("id_number", name=op.f("uq_subjects_id_number")),
        sa.UniqueConstraint("local_code", name=op.f("uq_subjects_local_code")),
        sa.UniqueConstraint("uscc", name=op.f("uq_subjects_uscc")),
    )
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subjects_district_code"), ["district_code"], unique=False)
        batch_op.create_index("ix_subjects_district_kind", ["district_code", "kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_subjects_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_subjects_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_subjects_pilot"), ["pilot"], unique=False)

    op.create_table(
        "ingest_quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("raw_sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["ingest_batches.id"], name=op.f("fk_ingest_quarantine_batch_id_ingest_batches")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_batch_id"],
            ["ingest_batches.id"],
            name=op.f("fk_ingest_quarantine_resolved_batch_id_ingest_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_quarantine")),
    )
    with op.batch_alter_table("ingest_quarantine", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_quarantine_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ingest_quarantine_raw_sha256"), ["raw_sha256"], unique=False)

    op.create_table(
        "records",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=24), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_record_id", sa.String(length=200), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("publicity_until", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("polarity", sa.String(length=16), nullable=False),
        sa.Column("disclosure", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Double(), nullable=True),
        sa.Column(
            "fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "original",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["ingest_batches.id"], name=op.f("fk_records_batch_id_ingest_batches")
        ),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_records_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
        sa.UniqueConstraint("source", "source_record_id", name="uq_records_source_record"),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_records_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_records_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_records_occurred_on"), ["occurred_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_records_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index("ix_records_subject_kind", ["subject_id", "kind"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_subject_kind")
        batch_op.drop_index(batch_op.f("ix_records_subject_id"))
        batch_op.drop_index(batch_op.f("ix_records_occurred_on"))
        batch_op.drop_index(batch_op.f("ix_records_kind"))
        batch_op.drop_index(batch_op.f("ix_records_batch_id"))

    op.drop_table("records")
    with op.batch_alter_table("ingest_quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_quarantine_raw_sha256"))
        batch_op.drop_index(batch_op.f("ix_ingest_quarantine_batch_id"))

    op.drop_table("ingest_quarantine")
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subjects_pilot"))
        batch_op.drop_index(batch_op.f("ix_subjects_name"))
        batch_op.drop_index(batch_op.f("ix_subjects_kind"))
        batch_op.drop_index("ix_subjects_district_kind")
        batch_op.drop_index(batch_op.f("ix_subjects_district_code"))

    op.drop_table("subjects")
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_batches_file_sha256"))

    op.drop_table("ingest_batches")
