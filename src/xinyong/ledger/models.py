"""Transparency-log tables (透明日志): pages of leaves, perfect-subtree nodes and signed tree heads.

Integer keys are plain INTEGER on SQLite so they alias the rowid (no second B-tree to maintain
on bulk append) and BIGINT on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base

BigInt = BigInteger().with_variant(Integer(), "sqlite")


class LedgerPage(Base):
    """A page of PAGE_SIZE (service.PAGE_SIZE) consecutive leaves: page ``p`` holds leaves
    ``[p * PAGE_SIZE, p * PAGE_SIZE + leaf_count)``. One row per page instead of one per leaf: a row
    insert costs several SHA-256 computations, a page of leaves one row.

    ``hashes``: the leaf hashes, SHA-256(0x00||data), concatenated (32 bytes each);
    ``ends``: the end offset of each leaf's data inside ``data``, big-endian uint32 (4 bytes each);
    ``data``: the canonical leaf data, concatenated. Only the last page may be partial."""

    __tablename__ = "ledger_pages"

    page_no: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=False)
    leaf_count: Mapped[int] = mapped_column(Integer)
    hashes: Mapped[bytes] = mapped_column(LargeBinary)
    ends: Mapped[bytes] = mapped_column(LargeBinary)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerRecordKey(Base):
    """The record index, bucketed: record id -> leaf indexes without one row per leaf.

    Each append writes one row per bucket (the top service.KEY_BUCKET_BITS bits of the 56-bit
    record key) that its records fall in, keyed by (bucket, the append's first leaf index);
    ``entries`` is that append's sorted 12-byte entries: 7-byte record key, 5-byte leaf index
    (big-endian). A lookup reads one bucket's rows and binary-searches each."""

    __tablename__ = "ledger_record_keys"
    __table_args__ = {"sqlite_with_rowid": False}

    bucket: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    first_leaf: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entries: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerNode(Base):
    """The hash of a perfect subtree at level >= service.PAGE_LEVEL (page roots and above), keyed by
    merkle.NodeKey.node_id."""

    __tablename__ = "ledger_nodes"

    node_id: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerHead(Base):
    """A signed tree head (STH, 签名树头): Ed25519 over the bytes documented in docs/ledger.md."""

    __tablename__ = "ledger_heads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime)
