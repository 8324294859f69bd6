"""Commitment tables (docs/commitments.md): one row per signed commitment and its append-only events.

A commitment's state as of a date is folded from its events effective by that date
(`xinyong.commitments.lifecycle.derive_state`); rows are never updated or deleted.

| state | 中文 | reached by |
|---|---|---|
| `signed` | 已签署 | `signed` (online with the subject's account, or a paper signature recorded by an officer) |
| `in_force` | 履行中 | `in_force` (from the commitment's first day, appended at signing) |
| `kept` | 已践诺 | `kept` (an officer confirms the commitment was kept) |
| `breached` | 违诺 | `breached` (an officer records a breach; it becomes a negative record) |
| `expired` | 已到期 | `expired`, or derived: in force and the as-of date after `valid_until` |
| `withdrawn` | 已撤回 | `withdrawn` (before or while in force, with a reason) |
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base

SIGNED, IN_FORCE, KEPT, BREACHED, EXPIRED, WITHDRAWN = (
    "signed",
    "in_force",
    "kept",
    "breached",
    "expired",
    "withdrawn",
)
STATES: dict[str, tuple[str, str]] = {
    SIGNED: ("已签署", "signed"),
    IN_FORCE: ("履行中", "in force"),
    KEPT: ("已践诺", "kept"),
    BREACHED: ("违诺", "breached"),
    EXPIRED: ("已到期", "expired"),
    WITHDRAWN: ("已撤回", "withdrawn"),
}
# Event names equal the state they lead to.
EVENTS: dict[str, tuple[str, str]] = {
    SIGNED: ("签署承诺", "signed"),
    IN_FORCE: ("承诺生效", "in force"),
    KEPT: ("确认践诺", "kept"),
    BREACHED: ("认定违诺", "breached"),
    EXPIRED: ("承诺到期", "expired"),
    WITHDRAWN: ("撤回承诺", "withdrawn"),
}
# (state before — None before the first event —, event) → state after. Anything else is refused.
TRANSITIONS: dict[tuple[str | None, str], str] = {
    (None, SIGNED): SIGNED,
    (SIGNED, IN_FORCE): IN_FORCE,
    (SIGNED, WITHDRAWN): WITHDRAWN,
    (IN_FORCE, KEPT): KEPT,
    (IN_FORCE, BREACHED): BREACHED,
    (IN_FORCE, EXPIRED): EXPIRED,
    (IN_FORCE, WITHDRAWN): WITHDRAWN,
    (EXPIRED, KEPT): KEPT,  # confirmed kept after its term ended
}
# States a subject's commitment counts as signed in for signing rates (not withdrawn).
COUNTED_STATES = frozenset({SIGNED, IN_FORCE, KEPT, BREACHED, EXPIRED})
OPEN_STATES = frozenset({SIGNED, IN_FORCE})
CHANNELS = {
    "online": ("网上签署", "signed online"),
    "paper": ("纸质签署（经办人录入）", "paper, recorded by an officer"),
}


class Commitment(Base):
    """One signed commitment of one subject to one template (the letter's text is kept as signed)."""

    __tablename__ = "commitments"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)  # CM + 20 hex of the identity
    template_id: Mapped[str] = mapped_column(String(64))
    template_version: Mapped[int] = mapped_column(Integer)
    template_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the template as signed
    type: Mapped[str] = mapped_column(String(32))  # commitment type (schemas.COMMITMENT_TYPES)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    district_code: Mapped[str | None] = mapped_column(String(6))
    pilot: Mapped[str | None] = mapped_column(String(64))
    period_key: Mapped[str] = mapped_column(String(100))  # one commitment per subject+template+period
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # online | paper
    signed_by: Mapped[str] = mapped_column(String(100))  # the account or officer who signed/recorded
    signer_user_id: Mapped[int | None] = mapped_column(Integer)
    paper_ref: Mapped[str | None] = mapped_column(String(200))  # paper letter's number / scan reference
    signed_on: Mapped[dt.date] = mapped_column(Date)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)  # last day (inclusive); None: no end
    text: Mapped[str] = mapped_column(Text)  # the letter as signed
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC
    leaf_index: Mapped[int] = mapped_column(BigInteger)  # its `commitment.signed` ledger leaf

    __table_args__ = (
        UniqueConstraint(
            "subject_id", "template_id", "period_key", name="uq_commitments_subject_template_period"
        ),
        Index("ix_commitments_pilot", "pilot", "signed_on"),
        Index("ix_commitments_district", "district_code", "signed_on"),
        Index("ix_commitments_subject", "subject_id"),
    )


class CommitmentEvent(Base):
    """One step of one commitment (append-only): who, when, why, and its ledger leaf."""

    __tablename__ = "commitment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # order of appends
    commitment_id: Mapped[str] = mapped_column(ForeignKey("commitments.id"))
    event: Mapped[str] = mapped_column(String(16))  # one of EVENTS
    state: Mapped[str] = mapped_column(String(16))  # the state it leads to
    effective_on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(2000))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC
    leaf_index: Mapped[int] = mapped_column(BigInteger)
    breach_record_no: Mapped[str | None] = mapped_column(String(64))  # 违诺 record's number (breached)

    __table_args__ = (Index("ix_commitment_events_commitment", "commitment_id", "effective_on"),)
