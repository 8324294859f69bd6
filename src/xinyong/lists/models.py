"""Credit-list tables (信用名单). Nothing here is updated in place or deleted:

- `list_memberships`: one row per entry of a subject into a list — an interval (start, planned end)
  with its listing date, authority, legal basis, reason, how it entered (rule or officer) and the rule
  version that found it, and the ledger leaf of the entry. Written once.
- `list_exits`: at most one row per membership — the exit (term expired, criteria lapsed, officer
  decision), its date, who, why, rule version and ledger leaf. Written once. The membership's end is
  the earlier of its planned end and its exit; "current members" is a query, history is kept forever.
- `list_candidates`: the review queue — subjects a decision list's criteria found, with the facts and
  rule version; the officer's decision (accepted / rejected, by whom, why) is filled in once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType

_ID = BigInteger().with_variant(Integer, "sqlite")


class ListMembership(Base):
    __tablename__ = "list_memberships"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    list_id: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    listed_on: Mapped[dt.date] = mapped_column(Date)  # 列入决定日期 (listing date)
    start_on: Mapped[dt.date] = mapped_column(Date)  # 生效日期 (may differ from the listing date)
    planned_end_on: Mapped[dt.date | None] = mapped_column(Date)  # start + the list's duration; None = open
    authority: Mapped[str] = mapped_column(String(200))  # 认定机关
    basis: Mapped[str] = mapped_column(Text)  # legal basis: document and article, decision number
    reason: Mapped[str] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(16))  # rule | decision | manual
    rule_id: Mapped[str | None] = mapped_column(String(64))
    rule_version: Mapped[int | None] = mapped_column(Integer)
    facts: Mapped[dict] = mapped_column(JsonType)  # facts the rule read when it found the subject
    actor: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC
    leaf_index: Mapped[int] = mapped_column(BigInteger)  # the list.entered ledger leaf

    __table_args__ = (Index("ix_list_memberships_list", "list_id", "start_on"),)


class ListExit(Base):
    __tablename__ = "list_exits"

    membership_id: Mapped[int] = mapped_column(ForeignKey("list_memberships.id"), primary_key=True)
    exit_on: Mapped[dt.date] = mapped_column(Date)  # first day the subject is no longer listed
    kind: Mapped[str] = mapped_column(String(16))  # expired | lapsed | decision
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    rule_version: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    leaf_index: Mapped[int] = mapped_column(BigInteger)  # the list.exited ledger leaf


class ListCandidate(Base):
    __tablename__ = "list_candidates"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    list_id: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    found_on: Mapped[dt.date] = mapped_column(Date)  # as-of date of the sync that found it
    rule_id: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int] = mapped_column(Integer)
    facts: Mapped[dict] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(16))  # pending | accepted | rejected
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("list_memberships.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_list_candidates_list_status", "list_id", "status"),)
