"""Tables of risk early warning (docs/alerts.md).

- `watchlists`: who is watched and who is told (owner user ids). `pilot` adds the pilot's roster.
- `watchlist_members`: explicit members (added, never rewritten).
- `watchlist_snapshots`: the last good scan of each member (the baseline for differences); a failed
  read never overwrites it.
- `alerts`: one per watchlist, subject and local day (grouping); `alert_findings`: what was found,
  unique per (watchlist, subject, finding key) so duplicates are suppressed for good.
- `watchlist_suspensions`: a whitelisted subject suspended by a serious alert, pending review
  (appended; the review fills `resolved_*` once).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType

WATCHLIST_KINDS: dict[str, tuple[str, str]] = {
    "roster": ("试点名单", "pilot roster"),
    "whitelist": ("白名单", "whitelist"),
    "borrowers": ("银行借款人", "bank borrowers"),
}
SEVERITIES: dict[str, tuple[str, str]] = {
    "serious": ("严重", "serious"),
    "general": ("一般", "general"),
    "info": ("提示", "info"),
}


class Watchlist(Base):
    __tablename__ = "watchlists"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # roster | whitelist | borrowers
    district_code: Mapped[str | None] = mapped_column(String(6))  # None: city-wide (a bank's list)
    pilot: Mapped[str | None] = mapped_column(String(64))  # the pilot's roster joins the list
    owner_user_ids: Mapped[list] = mapped_column(JsonType, default=list)
    push_days: Mapped[int] = mapped_column(Integer, default=0)  # 定期查询推送 every N days (0: none)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class WatchlistMember(Base):
    __tablename__ = "watchlist_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    watchlist_id: Mapped[str] = mapped_column(ForeignKey("watchlists.id"))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("watchlist_id", "subject_id", name="uq_watchlist_members_pair"),)


class WatchlistSnapshot(Base):
    __tablename__ = "watchlist_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    watchlist_id: Mapped[str] = mapped_column(ForeignKey("watchlists.id"))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    facts: Mapped[dict] = mapped_column(JsonType)
    as_of: Mapped[dt.date] = mapped_column(Date)
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("watchlist_id", "subject_id", name="uq_watchlist_snapshots_pair"),)


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    watchlist_id: Mapped[str] = mapped_column(ForeignKey("watchlists.id"))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    day: Mapped[dt.date] = mapped_column(Date)  # local day (XINYONG_TIMEZONE) of the first finding
    district_code: Mapped[str | None] = mapped_column(String(6))  # the subject's district
    severity: Mapped[str] = mapped_column(String(16))  # the most serious finding
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("watchlist_id", "subject_id", "day", name="uq_alerts_group"),
        Index("ix_alerts_district_day", "district_code", "day"),
    )


class AlertFinding(Base):
    __tablename__ = "alert_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    watchlist_id: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(24))
    rule_id: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    finding_key: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(JsonType)
    found_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("watchlist_id", "subject_id", "finding_key", name="uq_alert_findings_key"),
        Index("ix_alert_findings_alert", "alert_id"),
    )


class WatchlistSuspension(Base):
    __tablename__ = "watchlist_suspensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    watchlist_id: Mapped[str] = mapped_column(ForeignKey("watchlists.id"))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    reason: Mapped[str] = mapped_column(String(500))
    suspended_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(16))  # reinstated | removed
    outcome_reason: Mapped[str | None] = mapped_column(String(500))
