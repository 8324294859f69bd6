"""ledger: transparency-log pages of leaves, record-key index, perfect-subtree nodes, signed tree heads

Revision ID: ledger_0001
Revises: core_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ledger_0001"
down_revision = "core_0001"
branch_labels = ("ledger",)
depends_on = None

# INTEGER on SQLite so the key aliases the rowid (fast bulk append), BIGINT elsewhere.
BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_pages",
        sa.Column("page_no", BigInt, autoincrement=False, nullable=False),
        sa.Column("leaf_count", sa.Integer(), nullable=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.Column("ends", sa.LargeBinary(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("page_no", name=op.f("pk_ledger_pages")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Page blobs are 8-60 kB: stored out of line but NOT compressed. pglz compression of every
        # page made COPY ~4x slower than everything else in an append; leaf hashes do not compress.
        for column in ("hashes", "ends", "data"):
            op.execute(f"ALTER TABLE ledger_pages ALTER COLUMN {column} SET STORAGE EXTERNAL")
    op.create_table(
        "ledger_record_keys",
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_leaf", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entries", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "first_leaf", name=op.f("pk_ledger_record_keys")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("node_id", BigInt, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_ledger_nodes")),
    )

    op.create_table(
        "ledger_heads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_heads")),
    )
    with op.batch_alter_table("ledger_heads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_heads_tree_size"), ["tree_size"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_heads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_heads_tree_size"))
    op.drop_table("ledger_heads")
    op.drop_table("ledger_nodes")
    op.drop_table("ledger_record_keys")
    op.drop_table("ledger_pages")
