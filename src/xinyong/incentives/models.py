"""Tables of the incentives domain (migration incentives_0001).

* `score_grants` — a person's authorisation (授权) letting one user read their individual credit
  score for a stated purpose until an expiry. Revocation stamps `revoked_at` once; a grant is never
  deleted or extended (a new grant is a new row).
* `benefit_uses` — a department granted a benefit to a subject under a scenario (an approval under
  容缺受理, a waived inspection, a discount, a subsidy). Append-only; `idempotency_key` makes a
  retried call return the first row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType


class ScoreGrant(Base):
    __tablename__ = "score_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)  # the person
    grantee_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    granted_by: Mapped[str] = mapped_column(
        String(100)
    )  # who recorded it (the person's login, or an officer)
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class BenefitUse(Base):
    __tablename__ = "benefit_uses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scenario_id: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    district_code: Mapped[str | None] = mapped_column(String(6))  # the scenario's district (None: city)
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict] = mapped_column(JsonType, default=dict)
    used_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)

    __table_args__ = (Index("ix_benefit_uses_scenario", "scenario_id", "used_on"),)
