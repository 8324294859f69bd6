"""Tables of credit repair (信用修复) and objections (信用异议), docs/repair.md and docs/objections.md.

A case (`repair_cases`) is one application about one negative record: `kind` repair or objection.
What happened to it is the append-only `repair_case_steps` (submitted, more requested, resubmitted,
approved, rejected; for objections opened, corrected, revoked, confirmed): a case's state is its last
step's `state_after`; rows are never updated. Evidence files (`repair_evidence`) are kept with their
SHA-256. The record's own status changes only through xinyong.status.change_status.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base

REPAIR, OBJECTION = "repair", "objection"
CASE_KINDS = {REPAIR: ("信用修复", "credit repair"), OBJECTION: ("信用异议", "objection")}

# state → (zh, en); open states are still waiting for the authority or the subject
STATES: dict[str, tuple[str, str]] = {
    "submitted": ("待审核", "awaiting review"),
    "more_requested": ("待补充材料", "more evidence requested"),
    "approved": ("已修复", "approved: repaired"),
    "rejected": ("不予修复", "rejected"),
    "verifying": ("异议处理中", "objection being verified"),
    "corrected": ("已更正", "corrected"),
    "revoked": ("已撤销", "revoked"),
    "confirmed": ("维持原记录", "record confirmed"),
}
OPEN_STATES = frozenset({"submitted", "more_requested", "verifying"})
AWAITING_AUTHORITY = frozenset({"submitted", "verifying"})

# action → (zh, en, state after)
ACTIONS: dict[str, tuple[str, str, str]] = {
    "submitted": ("提交申请", "application submitted", "submitted"),
    "more_requested": ("要求补充材料", "more evidence requested", "more_requested"),
    "resubmitted": ("补充材料后重新提交", "resubmitted with more evidence", "submitted"),
    "approved": ("准予修复", "approved", "approved"),
    "rejected": ("不予修复", "rejected", "rejected"),
    "opened": ("提出异议", "objection opened", "verifying"),
    "corrected": ("异议成立，更正记录", "upheld: record corrected", "corrected"),
    "revoked": ("异议成立，撤销记录", "upheld: record revoked", "revoked"),
    "confirmed": ("异议不成立，维持记录", "rejected: record confirmed", "confirmed"),
}


class RepairCase(Base):
    """One repair application or objection about one record."""

    __tablename__ = "repair_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # repair | objection
    record_id: Mapped[str] = mapped_column(ForeignKey("records.id"))
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    district_code: Mapped[str | None] = mapped_column(String(6))  # the subject's district (queues, medians)
    applicant: Mapped[str] = mapped_column(String(100))  # who applied (user label)
    statement: Mapped[str] = mapped_column(String(4000))  # how the act was corrected / why it is wrong
    commitment_ref: Mapped[str | None] = mapped_column(String(100))  # signed 信用修复型 commitment
    received_on: Mapped[dt.date] = mapped_column(Date)  # Beijing day the application arrived
    due_on: Mapped[dt.date] = mapped_column(Date)  # last day of the processing deadline (working days)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC

    __table_args__ = (
        Index("ix_repair_cases_record", "record_id", "kind"),
        Index("ix_repair_cases_district", "district_code", "kind"),
        Index("ix_repair_cases_subject", "subject_id"),
    )


class RepairCaseStep(Base):
    """One step of a case (append-only); its ledger leaf proves it happened then."""

    __tablename__ = "repair_case_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("repair_cases.id"))
    action: Mapped[str] = mapped_column(String(32))  # one of ACTIONS
    state_after: Mapped[str] = mapped_column(String(32))  # one of STATES
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(2000))
    on_day: Mapped[dt.date] = mapped_column(Date)  # Beijing day of the step
    due_on: Mapped[dt.date | None] = mapped_column(Date)  # new deadline when the step restarts the clock
    at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC
    leaf_index: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_repair_case_steps_case", "case_id", "id"),)


class RepairEvidence(Base):
    """An uploaded proof of correction (payment receipt, rectification report …)."""

    __tablename__ = "repair_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("repair_cases.id"))
    label: Mapped[str] = mapped_column(String(32))  # which requirement it proves (EVIDENCE_LABELS)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_repair_evidence_case", "case_id"),)
