"""Tables of the subject registry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType

# Subject kinds (主体类别). Kept as strings so a new kind needs no migration.
SUBJECT_KINDS = {
    "enterprise": "企业",
    "individual_business": "个体工商户",
    "person": "自然人",
    "government": "政府机构",
    "village": "村（社区）",
    "carrier": "载体（楼宇/园区/市场）",
}


class Subject(Base):
    """A credit subject (信用主体). Personal data (id_number, names of persons, legal_rep) is
    stored in full and masked by the disclosure policy wherever it is shown."""

    __tablename__ = "subjects"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)  # deterministic, see service.subject_id
    kind: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)  # 居民身份证号 (personal)
    local_code: Mapped[str | None] = mapped_column(String(64), unique=True)  # carriers without a USCC
    division_code: Mapped[str | None] = mapped_column(String(6))
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    legal_rep: Mapped[str | None] = mapped_column(String(100))  # 法定代表人 (personal)
    industry: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    registered_on: Mapped[dt.date | None] = mapped_column(Date)
    pilot: Mapped[str | None] = mapped_column(String(64), index=True)  # programme pilot id (试点)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("subjects.id"))  # the carrier hosting it
    attributes: Mapped[dict] = mapped_column(JsonType, default=dict)
    source: Mapped[str] = mapped_column(String(100))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    # Merged away (主体合并, subjects/merge.py): the subject it was merged into and the decision that did
    # it; None while it stands on its own. The current state of the append-only subject_merges log.
    merged_into: Mapped[str | None] = mapped_column(String(24), index=True)
    merge_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_subjects_district_kind", "district_code", "kind"),)


class SubjectMerge(Base):
    """An officer's judgement that two subjects are one entity (action `merge`: `merged_id` into
    `kept_id`), or the undoing of such a judgement (action `unmerge`, `undoes` = the merge's id).
    Appended, never changed: the history of the judgement is this table in id order."""

    __tablename__ = "subject_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(8))  # merge | unmerge
    kept_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    merged_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    undoes: Mapped[int | None] = mapped_column(ForeignKey("subject_merges.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(500))
    officer: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC
    records: Mapped[int] = mapped_column(Integer)  # records the decision moved
    leaf_index: Mapped[int] = mapped_column(Integer)  # its subject.merged / subject.unmerged ledger leaf


class SubjectMergeMove(Base):
    """One record moved by a merge decision (or, for a merged-away subject, a record collected later
    under it and filed under the kept subject): what an undo moves back."""

    __tablename__ = "subject_merge_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merge_id: Mapped[int] = mapped_column(ForeignKey("subject_merges.id"), index=True)
    record_id: Mapped[str] = mapped_column(String(64), index=True)
    from_subject_id: Mapped[str] = mapped_column(String(24))
    to_subject_id: Mapped[str] = mapped_column(String(24))
    moved_at: Mapped[dt.datetime] = mapped_column(DateTime)
