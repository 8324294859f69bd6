"""The status vocabulary and its append-only event table (docs/status.md).

A record's status as of a date is derived from its events effective on or before that date, folded
in order through `TRANSITIONS`. Rows are never updated or deleted: a later decision is a new event.

Vocabulary (the only one in the code base; archive, reports, evaluation and the disclosure policy
import it from here):

| status | 中文 | reached by |
|---|---|---|
| `active` | 有效 | no event yet, or an objection rejected |
| `objection` | 异议中 | `objection_opened` |
| `repaired` | 已修复 | `repaired` (negative records only) |
| `upheld` | 异议成立 | `objection_upheld` |
| `revoked` | 已撤销 | `revoked` (by the authority that decided the record) |
| `erased` | 已删除 | `erased` (by a legal decision) |
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base

ACTIVE, OBJECTION, REPAIRED, UPHELD, REVOKED, ERASED = (
    "active",
    "objection",
    "repaired",
    "upheld",
    "revoked",
    "erased",
)
STATUSES: dict[str, tuple[str, str]] = {
    ACTIVE: ("有效", "active"),
    OBJECTION: ("异议中", "under objection"),
    REPAIRED: ("已修复", "repaired"),
    UPHELD: ("异议成立", "objection upheld"),
    REVOKED: ("已撤销", "revoked"),
    ERASED: ("已删除", "erased"),
}

EVENTS: dict[str, tuple[str, str]] = {
    "repaired": ("信用修复", "repaired"),
    "objection_opened": ("提出异议", "objection opened"),
    "objection_upheld": ("异议成立", "objection upheld"),
    "objection_rejected": ("异议不成立", "objection rejected"),
    "revoked": ("撤销", "revoked by the deciding authority"),
    "erased": ("依法删除", "erased by a legal decision"),
}

# (status before, event) → status after. Anything not listed is refused (StatusTransitionError).
# `repaired` applies only to negative records (checked in the service, it depends on the record).
TRANSITIONS: dict[tuple[str, str], str] = {
    (ACTIVE, "repaired"): REPAIRED,
    (ACTIVE, "objection_opened"): OBJECTION,
    (OBJECTION, "objection_upheld"): UPHELD,
    (OBJECTION, "objection_rejected"): ACTIVE,
    (ACTIVE, "revoked"): REVOKED,
    (OBJECTION, "revoked"): REVOKED,
    (REPAIRED, "revoked"): REVOKED,
    (UPHELD, "revoked"): REVOKED,
    (ACTIVE, "erased"): ERASED,
    (OBJECTION, "erased"): ERASED,
    (REPAIRED, "erased"): ERASED,
    (UPHELD, "erased"): ERASED,
    (REVOKED, "erased"): ERASED,
}


class StatusEvent(Base):
    """One status decision about one record (append-only)."""

    __tablename__ = "record_status_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # order of appends
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"))
    event: Mapped[str] = mapped_column(String(32))  # one of EVENTS
    status: Mapped[str] = mapped_column(String(16))  # the status this event leads to (STATUSES)
    effective_on: Mapped[dt.date] = mapped_column(Date)  # from this day on (inclusive)
    actor: Mapped[str] = mapped_column(String(100))  # who decided (authority / officer)
    reason: Mapped[str] = mapped_column(String(2000))  # why (decision number, grounds)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)  # when the platform recorded it (UTC)
    leaf_index: Mapped[int] = mapped_column(BigInteger)  # its `record.status` leaf in the ledger

    __table_args__ = (
        Index("ix_record_status_events_record", "record_id", "effective_on"),
        Index("ix_record_status_events_status", "status", "effective_on"),
    )
