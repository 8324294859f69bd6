"""The record table. Every accepted fact keeps its provenance (source, batch, original row,
first/last seen) and a deterministic content-hash id that the transparency log commits to."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType


class Record(Base):
    __tablename__ = "records"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the canonical content
    kind: Mapped[str] = mapped_column(String(64), index=True)  # catalogue kind id
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    source: Mapped[str] = mapped_column(String(100))  # who supplied it (department, self-declaration …)
    source_record_id: Mapped[str | None] = mapped_column(String(200))  # e.g. 处罚决定书文号
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    occurred_on: Mapped[dt.date | None] = mapped_column(Date, index=True)  # decision / event date
    publicity_until: Mapped[dt.date | None] = mapped_column(Date)  # 公示截止期 (given or by rule)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)  # 有效期至
    severity: Mapped[str | None] = mapped_column(String(16))  # minor | general | serious
    polarity: Mapped[str] = mapped_column(String(16))  # positive | negative | neutral (from catalogue)
    disclosure: Mapped[str] = mapped_column(String(16))  # public | authorised | government
    amount: Mapped[float | None] = mapped_column()  # money in CNY where the kind has one
    fields: Mapped[dict] = mapped_column(JsonType)  # normalised catalogue fields
    original: Mapped[dict] = mapped_column(JsonType)  # the row exactly as given
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("source", "source_record_id", name="uq_records_source_record"),
        Index("ix_records_subject_kind", "subject_id", "kind"),
    )
