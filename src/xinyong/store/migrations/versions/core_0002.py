"""core: record identity (source + kind + source record id), versions (更正) and commit sequence

Revision ID: core_0002
Revises: core_0001

Existing records keep their id (the content hash of what was collected, which the transparency
log's leaves name); their `content_id` is that same hash, `version` 1, and `seq` numbers them in
the order they were first seen. No version rows are written for them: a record's versions are
copied into `record_versions` when its first correction arrives.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
    op.execute("UPDATE records SET content_id = id")
    op.execute(
        "UPDATE records SET seq = numbered.n FROM (SELECT id AS rid, row_number() OVER "
        "(ORDER BY first_seen, id) AS n FROM records) AS numbered WHERE records.id = numbered.rid"
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.alter_column("content_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("version", existing_type=sa.Integer(), server_default=None)
        batch_op.drop_constraint("uq_records_source_record", type_="unique")
        batch_op.create_unique_constraint(
            "uq_records_source_kind_record", ["source", "kind", "source_record_id"]
        )
        batch_op.create_index(batch_op.f("ix_records_seq"), ["seq"], unique=False)

    op.create_table(
        "record_sequence",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_sequence")),
    )
    op.execute("INSERT INTO record_sequence (id, last) SELECT 1, coalesce(max(seq), 0) FROM records")

    op.create_table(
        "record_versions",
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("publicity_until", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("amount", sa.Double(), nullable=True),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("original", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["ingest_batches.id"], name=op.f("fk_record_versions_batch_id_ingest_batches")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_versions_record_id_records")
        ),
        sa.PrimaryKeyConstraint("record_id", "version", name=op.f("pk_record_versions")),
    )

    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrected", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("ingest_batches", schema=None) as batch_op:
        batch_op.drop_column("corrected")
    op.drop_table("record_versions")
    op.drop_table("record_sequence")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_records_seq"))
        batch_op.drop_constraint("uq_records_source_kind_record", type_="unique")
        batch_op.create_unique_constraint("uq_records_source_record", ["source", "source_record_id"])
        batch_op.drop_column("seq")
        batch_op.drop_column("version")
        batch_op.drop_column("content_id")
