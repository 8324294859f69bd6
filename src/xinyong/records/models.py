"""The record tables. Every accepted fact keeps its provenance (source, batch, original row,
first/last seen); a record's identity is source + kind + the source's record id (or its content
hash where the source gives none), and a correction (更正) adds a version instead of overwriting.

- `records`: one row per record, holding its *current* version. `id` is stable: the content hash
  of the record's first version (for records collected before versions existed, their id as it
  was), so ledger leaves, status events and evaluation results keep pointing at the same record.
  `content_id` is the content hash of the current version, `version` its number, `seq` the commit
  sequence number of the batch transaction that wrote it (records_sequence).
- `record_versions`: every version of a record that has been corrected (version 1 is copied there
  when the first correction arrives), with its batch, time, original row and content id.
- `record_sequence`: one row, the last commit sequence number handed out (see `reserve_seq`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType


def _same_as_id(context) -> str | None:  # noqa: ANN001 - SQLAlchemy's DefaultExecutionContext
    return context.get_current_parameters().get("id")


class Record(Base):
    __tablename__ = "records"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # stable: content hash of version 1
    kind: Mapped[str] = mapped_column(String(64), index=True)  # catalogue kind id
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    source: Mapped[str] = mapped_column(String(100))  # who supplied it (department, self-declaration …)
    source_record_id: Mapped[str | None] = mapped_column(String(200))  # e.g. 处罚决定书文号
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("ingest_batches.id"), index=True
    )  # current version's
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
    content_id: Mapped[str] = mapped_column(String(64), default=_same_as_id)  # sha256 of current content
    version: Mapped[int] = mapped_column(
        Integer, default=1
    )  # 1 = as first collected; > 1 = corrected (已更正)
    seq: Mapped[int | None] = mapped_column(BigInteger, index=True)  # commit sequence of the current version

    __table_args__ = (
        UniqueConstraint("source", "kind", "source_record_id", name="uq_records_source_kind_record"),
        Index("ix_records_subject_kind", "subject_id", "kind"),
    )


class RecordVersion(Base):
    """One version of a corrected record (更正历史). Written only by ingestion, never updated."""

    __tablename__ = "record_versions"

    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    content_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int | None] = mapped_column(BigInteger)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_batches.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC, when this version was collected
    occurred_on: Mapped[dt.date | None] = mapped_column(Date)
    publicity_until: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    severity: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[float | None] = mapped_column()
    fields: Mapped[dict] = mapped_column(JsonType)
    original: Mapped[dict] = mapped_column(JsonType)


class RecordSequence(Base):
    """The commit sequence: `last` is the highest `seq` handed out. One row (id 1)."""

    __tablename__ = "record_sequence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(BigInteger)


def reserve_seq(conn: Connection, count: int) -> int:
    """Reserve `count` commit sequence numbers in the caller's transaction; return the first.

    The UPDATE locks the counter row until the transaction ends (PostgreSQL row lock; SQLite's one
    writer), so sequence numbers are handed out in commit order: a reader that sees seq N committed
    sees every seq below N committed too. That is what the incremental snapshot relies on."""
    first = conn.execute(
        update(RecordSequence)
        .where(RecordSequence.id == 1)
        .values(last=RecordSequence.last + count)
        .returning(RecordSequence.last)
    ).scalar()
    if first is None:  # a store whose counter row is missing: start after the highest seq in use
        top = conn.execute(select(func.coalesce(func.max(Record.seq), 0))).scalar_one()
        conn.execute(insert(RecordSequence).values(id=1, last=top + count))
        return int(top) + 1
    return int(first) - count + 1


@event.listens_for(Record, "before_insert")
def _assign_seq(_mapper, connection: Connection, target: Record) -> None:  # noqa: ANN001
    """Records added through the ORM (evidence bundles, tests) get a commit sequence number too."""
    if target.seq is None:
        target.seq = reserve_seq(connection, 1)
