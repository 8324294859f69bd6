"""Points schemes: 宝坻 village points (党建引领信用积分) and 红桥 enterprise points.

Points themselves live in the books (xinyong.books, unit `points`; the 积分超市 stock in unit
`items`). These tables hold what is not a balance: which villages run a scheme, who sits on each
village committee, the claims villagers make with their evidence, the committee's decisions
(appended, one per claim, never overwritten) and the benefits 红桥's half-year ranking grants.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType


class PointsVillage(Base):
    """A village on a points scheme (counted against 宝坻's target of 100; 3 exemplary)."""

    __tablename__ = "points_villages"

    village_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    scheme_id: Mapped[str] = mapped_column(String(64))
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    joined_on: Mapped[dt.date] = mapped_column(Date)
    exemplary_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # 先进典型 since


class PointsCommitteeMember(Base):
    """A login (username) that sits on a village committee and may approve claims and redeem."""

    __tablename__ = "points_committee"
    __table_args__ = (UniqueConstraint("village_id", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    village_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    username: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    added_on: Mapped[dt.date] = mapped_column(Date)


class PointsClaim(Base):
    """A villager's claim for a scheme item, with its evidence; pending until a decision exists."""

    __tablename__ = "points_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    village_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    villager_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[dict] = mapped_column(JsonType)
    claimed_on: Mapped[dt.date] = mapped_column(Date)
    submitted_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PointsDecision(Base):
    """The committee's decision on a claim (one per claim). `transaction_id`: the books transaction
    that moved the points (approved claims only)."""

    __tablename__ = "points_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("points_claims.id"), unique=True)
    decision: Mapped[str] = mapped_column(String(16))  # approved | rejected
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500), default="")
    decided_on: Mapped[dt.date] = mapped_column(Date)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("book_transactions.id"), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class PointsBenefit(Base):
    """A benefit granted by a ranking (红桥: utility / parking subsidy for the top 20%)."""

    __tablename__ = "points_benefits"
    __table_args__ = (UniqueConstraint("subject_id", "period", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scheme_id: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    period: Mapped[str] = mapped_column(String(8))  # e.g. 2026-H1
    kind: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JsonType, default=dict)
    granted_on: Mapped[dt.date] = mapped_column(Date)
