"""Batches and the quarantine (nothing rejected is lost)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType


class Batch(Base):
    """One import: a file or an API push. Written in the same transaction as its records."""

    __tablename__ = "ingest_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(300))
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    layout: Mapped[str | None] = mapped_column(String(64))  # detected file layout (e.g. sgs_penalty_2)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    read: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    corrected: Mapped[int] = mapped_column(Integer, default=0)  # rows that corrected a stored record (更正)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    unknown_columns: Mapped[list] = mapped_column(JsonType, default=list)
    header_row: Mapped[int | None] = mapped_column(Integer)  # sheet row used as header (Excel/WPS numbering)
    # Accepted rows an officer should look at: [{row, subject_id, field, code, zh, en}] — an unknown
    # 证件类型, a citizen ID in the USCC column, an unknown penalty category.
    warnings: Mapped[list | None] = mapped_column(JsonType, default=list)
    submitted_by: Mapped[str | None] = mapped_column(String(100))


class QuarantineRow(Base):
    """A rejected row, kept as given with every reason, until fixed and resubmitted."""

    __tablename__ = "ingest_quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)  # the sheet row Excel/WPS shows (CSV: line number)
    kind: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(100))  # the batch's source, for lookups
    raw: Mapped[dict] = mapped_column(JsonType)  # the row as given
    raw_sha256: Mapped[str | None] = mapped_column(
        String(64), index=True
    )  # same row re-sent → not kept twice
    reasons: Mapped[list] = mapped_column(JsonType)  # [{field, code, zh, en}]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    resolved_batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
