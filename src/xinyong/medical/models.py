"""Credit medical payment (信用就医): signed-up lines, participating hospitals and line events.

Money is in the books (xinyong.books): each line is the account `medical:line:<subject id>` (unit
fen, floor −line), each hospital `medical:hospital:<subject id>`, repayments come from
`medical:repayments`. These tables hold what is not money: who signed up with which score and band,
which hospital subjects may post charges, and the append-only events of a line (reminded,
suspended, reinstated, reported), one per line, event and statement month.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType

LINE_STATUSES = {"active": ("正常", "active"), "suspended": ("已暂停", "suspended")}
LINE_EVENTS = {
    "signed_up": ("签约开通", "signed up"),
    "reminded": ("逾期提醒", "reminded"),
    "suspended": ("暂停额度", "line suspended"),
    "reinstated": ("恢复额度", "line reinstated"),
    "reported": ("记入失信记录", "negative record made"),
}


class MedicalLine(Base):
    """One resident's revolving credit line (one per subject)."""

    __tablename__ = "medical_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), unique=True)
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    account_code: Mapped[str] = mapped_column(String(200), unique=True)
    score: Mapped[int] = mapped_column(Integer)
    line_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    signed_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class MedicalHospital(Base):
    """A hospital or health centre allowed to post charges; its API key belongs to a `subject` user
    of this subject (docs/medical.md)."""

    __tablename__ = "medical_hospitals"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    district_code: Mapped[str | None] = mapped_column(String(6))
    joined_on: Mapped[dt.date] = mapped_column(Date)


class MedicalLineEvent(Base):
    """What happened to a line; never updated. `statement` is the month (YYYY-MM) it concerns."""

    __tablename__ = "medical_line_events"
    __table_args__ = (UniqueConstraint("line_id", "event", "statement", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("medical_lines.id"), index=True)
    event: Mapped[str] = mapped_column(String(16))
    statement: Mapped[str] = mapped_column(String(7), default="")
    step: Mapped[int] = mapped_column(Integer, default=0)
    on_date: Mapped[dt.date] = mapped_column(Date)
    detail: Mapped[dict] = mapped_column(JsonType, default=dict)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
