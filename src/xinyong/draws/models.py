"""Tables of random inspections (双随机、一公开): inspectors, plans, draws, targets, results.

Nothing is updated in place: a draw's inputs are fixed when it is committed (`draws`), its outcome
is one `draw_reveals` row (drawn or failed), its targets are `draw_targets` rows, and each entered
inspection result is a `draw_results` row linked to the inspection record it created.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType


class Inspector(Base):
    """An enforcement officer in a department's inspector roster (执法检查人员名录库)."""

    __tablename__ = "inspectors"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # 执法证号 or roster code
    name: Mapped[str] = mapped_column(String(100))  # personal: masked on public pages
    department: Mapped[str] = mapped_column(String(100))
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    unit: Mapped[str] = mapped_column(String(200))  # the office the officer works in
    affiliations: Mapped[list] = mapped_column(JsonType, default=list)  # subject ids of own unit / ties
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class InspectionPlan(Base):
    """An inspection plan (抽查计划): who is drawn, how many per tier, by whom."""

    __tablename__ = "inspection_plans"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    department: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    items: Mapped[str] = mapped_column(String(2000))  # 抽查事项
    scheme_id: Mapped[str] = mapped_column(String(64))
    population: Mapped[str | None] = mapped_column(Text)  # CEL rule (xinyong.rules); None: the scheme's
    ratios_bp: Mapped[dict] = mapped_column(JsonType, default=dict)  # tier id → ratio override
    inspectors_per_target: Mapped[int] = mapped_column(Integer)
    avoid_own_unit: Mapped[bool] = mapped_column(Boolean, default=True)
    avoid_last_inspector: Mapped[bool] = mapped_column(Boolean, default=True)
    max_targets_per_inspector: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Draw(Base):
    """A committed draw: the published inputs fixed before the draw (pool, plan, commitment)."""

    __tablename__ = "draws"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("inspection_plans.id"), index=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    department: Mapped[str] = mapped_column(String(100))
    as_of: Mapped[dt.date] = mapped_column(Date)  # grades and population as of this day
    algorithm: Mapped[str] = mapped_column(String(40))
    plan_doc: Mapped[dict] = mapped_column(JsonType)
    plan_digest: Mapped[str] = mapped_column(String(64))
    pool_text: Mapped[str] = mapped_column(Text)  # the numbered pool snapshot (compute.pool_text)
    pool_digest: Mapped[str] = mapped_column(String(64))
    pool_targets: Mapped[int] = mapped_column(Integer)
    pool_inspectors: Mapped[int] = mapped_column(Integer)
    commitment: Mapped[str] = mapped_column(String(64))  # SHA-256 of the secret
    secret: Mapped[str] = mapped_column(String(64))  # never shown before the reveal row exists
    committed_by: Mapped[str] = mapped_column(String(100))
    committed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    committed_leaf: Mapped[int] = mapped_column(BigInteger)


class DrawReveal(Base):
    """The outcome of a draw: drawn (targets follow) or failed (shortfall named), with the seed."""

    __tablename__ = "draw_reveals"

    draw_id: Mapped[str] = mapped_column(ForeignKey("draws.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # drawn / failed
    outside_value: Mapped[str] = mapped_column(String(200))  # '' when none
    seed: Mapped[str] = mapped_column(String(64))
    result_digest: Mapped[str | None] = mapped_column(String(64))
    failure: Mapped[str | None] = mapped_column(Text)
    revealed_by: Mapped[str] = mapped_column(String(100))
    revealed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revealed_leaf: Mapped[int] = mapped_column(BigInteger)


class DrawTarget(Base):
    """One drawn target and its inspectors, in draw order."""

    __tablename__ = "draw_targets"

    draw_id: Mapped[str] = mapped_column(ForeignKey("draws.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(24), index=True)
    tier: Mapped[str] = mapped_column(String(40))
    inspector_ids: Mapped[list] = mapped_column(JsonType)


class DrawResult(Base):
    """An inspection result entered for a target (一公开), and the record it became."""

    __tablename__ = "draw_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draw_id: Mapped[str] = mapped_column(ForeignKey("draws.id"))
    subject_id: Mapped[str] = mapped_column(String(24))
    result: Mapped[str] = mapped_column(String(16))  # catalogue inspection.result value
    findings: Mapped[str | None] = mapped_column(String(2000))
    inspection_date: Mapped[dt.date] = mapped_column(Date)
    inspection_no: Mapped[str] = mapped_column(String(200))
    record_id: Mapped[str | None] = mapped_column(String(64))
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("draw_id", "subject_id", name="uq_draw_results_draw_subject"),)


Index("ix_draw_results_draw", DrawResult.draw_id)
