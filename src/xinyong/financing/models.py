"""Tables of financing (信易贷, migration financing_0001). Money is integer fen (分); rates are integer
basis points (1 bp = 0.01 %). Decisions are appended: a review, a push, an outcome and an authorisation
are rows; nothing is updated except `withdrawn_at` / `revoked_at`, stamped once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base


class Bank(Base):
    """A named bank (金融机构) that whitelists are pushed to; its users are `bank` logins."""

    __tablename__ = "fin_banks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # e.g. bocom, psbc
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class BankUser(Base):
    __tablename__ = "fin_bank_users"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    bank_id: Mapped[str] = mapped_column(ForeignKey("fin_banks.id"), index=True)


class Need(Base):
    """A financing need (融资需求) declared by a subject (or a village for its homestays: collective)."""

    __tablename__ = "fin_needs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    pilot: Mapped[str | None] = mapped_column(String(64), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    term_months: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(500))
    collective: Mapped[bool] = mapped_column(Boolean, default=False)  # 信用村 collective credit
    declared_by: Mapped[str] = mapped_column(String(100))
    declared_at: Mapped[dt.datetime] = mapped_column(DateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)


class Whitelist(Base):
    """融资白名单: a rule (CEL over the incentives facts) proposes candidates; officers review them."""

    __tablename__ = "fin_whitelists"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    pilot: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[str | None] = mapped_column(String(24))  # 信用村: only the village's members
    rule: Mapped[str] = mapped_column(String(2000))
    as_of: Mapped[dt.date] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class WhitelistEntry(Base):
    """A candidate the rule proposed (rule_passed) and the officer's review decision (appended rows:
    the latest review wins)."""

    __tablename__ = "fin_whitelist_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    whitelist_id: Mapped[str] = mapped_column(ForeignKey("fin_whitelists.id"), index=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))  # proposed | approved | rejected
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class Push(Base):
    """A whitelisted subject pushed to a bank (推送): the bank may now see it."""

    __tablename__ = "fin_pushes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    whitelist_id: Mapped[str] = mapped_column(ForeignKey("fin_whitelists.id"))
    bank_id: Mapped[str] = mapped_column(ForeignKey("fin_banks.id"), index=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    pushed_by: Mapped[str] = mapped_column(String(100))
    pushed_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("whitelist_id", "bank_id", "subject_id", name="uq_fin_pushes_wl_bank_subject"),
    )


class DataAuthorisation(Base):
    """The subject's authorisation (授权) letting one bank see its non-public (authorised-level) records."""

    __tablename__ = "fin_authorisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    bank_id: Mapped[str] = mapped_column(ForeignKey("fin_banks.id"))
    purpose: Mapped[str] = mapped_column(String(200))
    granted_by: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Outcome(Base):
    """What a bank did about a need: contacted, approved (amount, rate) or rejected (reason)."""

    __tablename__ = "fin_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("fin_needs.id"), index=True)
    bank_id: Mapped[str] = mapped_column(ForeignKey("fin_banks.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))  # contacted | approved | rejected
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    rate_bp: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)

    __table_args__ = (Index("ix_fin_outcomes_bank_event", "bank_id", "event"),)
