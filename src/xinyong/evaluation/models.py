"""Result tables of the evaluation engine. Append-only: a run's rows are written once and never
updated, so a model change (new version → new run) never rewrites old results."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType


class EvaluationRun(Base):
    """One evaluation of one model version as of one date by one engine."""

    __tablename__ = "evaluation_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    model_id: Mapped[str] = mapped_column(String(64), index=True)
    model_version: Mapped[str] = mapped_column(String(32))
    model_sha256: Mapped[str] = mapped_column(String(64))  # of the spec as evaluated
    spec: Mapped[dict] = mapped_column(JsonType)  # the spec itself, so old results stay explainable
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    engine: Mapped[str] = mapped_column(String(16))
    district_code: Mapped[str | None] = mapped_column(String(6))
    subjects: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime)
    seconds: Mapped[float] = mapped_column(Float)


class EvaluationResult(Base):
    """One subject's grade in one run, with everything needed to explain it."""

    __tablename__ = "evaluation_results"

    run_id: Mapped[str] = mapped_column(ForeignKey("evaluation_runs.id"), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[dt.date] = mapped_column(Date)
    district_code: Mapped[str | None] = mapped_column(String(6))
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(16))
    veto: Mapped[str | None] = mapped_column(String(64))
    points: Mapped[dict] = mapped_column(JsonType)  # indicator id → points
    values: Mapped[dict] = mapped_column(JsonType)  # indicator id → value (counts, days, cents, category)
    dimensions: Mapped[dict] = mapped_column(JsonType)  # dimension id → dimension score
    reasons: Mapped[list] = mapped_column(JsonType)  # top reason codes: [{code, cost}]
    tags: Mapped[list] = mapped_column(JsonType)

    __table_args__ = (
        Index("ix_evaluation_results_subject", "subject_id", "model_id", "as_of"),
        Index("ix_evaluation_results_model_district", "model_id", "district_code", "as_of"),
    )


class ManualScore(Base):
    """An expert score entered by an officer (人工评分, e.g. 南开 street-office evaluation), with who, when
    and why. Append-only: a correction is a new row; the latest effective row as of the date counts."""

    __tablename__ = "evaluation_manual_scores"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    model_id: Mapped[str] = mapped_column(String(64))
    indicator_id: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    value_milli: Mapped[int] = mapped_column(BigInteger)  # value × 10 000 (exact to 4 decimals)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)
