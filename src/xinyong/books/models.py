"""The double-entry books (账簿): accounts, transactions, postings and checkpointed balances.

Append-only: postings are never updated or deleted (database triggers refuse it, migration
`books_0001`); a correction is a reversal, i.e. a new transaction with the opposite postings.
Amounts are signed integers in the account's unit (`points` 积分, `fen` 分 = 0.01 CNY, `items` 件 for
stock counts); the postings of a transaction sum to zero per unit. An account's balance is the sum of
its postings; `book_balances` holds that sum as a checkpoint updated in the same transaction as the
postings, so a balance read is one primary-key lookup and `xinyong books check` can re-derive and
compare it. Design after postledger / pg_ledger (docs/books.md).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType

UNITS: dict[str, tuple[str, str]] = {
    "points": ("积分", "points"),
    "fen": ("分（0.01 元）", "fen (0.01 CNY)"),
    "items": ("件", "items (stock count)"),
}


class BookAccount(Base):
    """An account. `floor` is the lowest balance a debit may leave (None: unbounded, e.g. an issuing
    or funding account); `code` is unique and readable (`points:villager:<subject>`)."""

    __tablename__ = "book_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(200), unique=True)
    unit: Mapped[str] = mapped_column(String(16))
    floor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    domain: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    district_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class BookTransaction(Base):
    """One balanced write. `idempotency_key` is unique; `content_hash` is the SHA-256 of the request's
    canonical content, so a replay with the same key is recognised as the same or a conflicting one."""

    __tablename__ = "book_transactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    memo: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(100))
    effective_on: Mapped[dt.datetime] = mapped_column(DateTime)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("book_transactions.id"), nullable=True, unique=True
    )
    meta: Mapped[dict] = mapped_column(JsonType, default=dict)


class BookPosting(Base):
    """One line of a transaction: `amount` (signed, non-zero) on one account."""

    __tablename__ = "book_postings"
    __table_args__ = (Index("ix_book_postings_account", "account_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("book_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("book_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)


class BookBalance(Base):
    """Checkpoint: the sum and count of an account's postings, updated with every posting."""

    __tablename__ = "book_balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("book_accounts.id"), primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    postings: Mapped[int] = mapped_column(BigInteger, default=0)
