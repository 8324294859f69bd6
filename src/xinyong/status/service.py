"""Record status operations: the one function that writes a status (`change_status`) and the
reads that derive a record's status as of a date (docs/status.md).

Every function takes the caller's session and never commits: the event row and its
`record.status` ledger leaf land in the caller's transaction, together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.records.models import Record
from xinyong.status.models import ACTIVE, EVENTS, STATUSES, TRANSITIONS, StatusEvent

LEDGER_EVENT = "record.status"


class StatusError(ValueError):
    """A refused status change; the message is in Chinese and English. Nothing was written."""


class RecordNotFound(StatusError, LookupError):
    """The record does not exist (or the viewer may not know of it: the two look the same)."""

    def __init__(self, record_id: str) -> None:
        super().__init__(f"记录不存在 / record not found: {record_id}")
        self.record_id = record_id


def derive_status(events: Iterable[tuple[str, dt.date]], as_of: dt.date) -> str:
    """The status as of `as_of` from a record's events in append order, each (event, effective_on).

    Pure: folds the events effective on or before `as_of` through TRANSITIONS, starting at
    `active`. `change_status` only appends events whose effective date is not before the previous
    one's and whose transition is in the table, so the events effective by any date are a prefix and
    every step is defined; a step that is not (a hand-edited table) raises StatusError.
    """
    status = ACTIVE
    for event, effective_on in events:
        if effective_on > as_of:
            continue
        nxt = TRANSITIONS.get((status, event))
        if nxt is None:
            raise StatusError(
                f"状态记录不一致：{status} 之后不能 {event} / inconsistent status events: "
                f"{event} cannot follow {status}"
            )
        status = nxt
    return status


def history(session: Session, *, record_id: str) -> list[StatusEvent]:
    """A record's status events in append order (oldest first); [] when it has none."""
    return list(
        session.scalars(
            select(StatusEvent).where(StatusEvent.record_id == record_id).order_by(StatusEvent.id)
        )
    )


def statuses(session: Session, *, record_ids: Sequence[str], as_of: dt.date) -> dict[str, str]:
    """{record id: status as of the date} for these records (records without events: `active`).
    One query per 500 ids."""
    out = {rid: ACTIVE for rid in record_ids}
    ids = list(out)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.execute(
            select(StatusEvent.record_id, StatusEvent.event, StatusEvent.effective_on)
            .where(StatusEvent.record_id.in_(chunk), StatusEvent.effective_on <= as_of)
            .order_by(StatusEvent.record_id, StatusEvent.id)
        ).all()
        by_record: dict[str, list[tuple[str, dt.date]]] = {}
        for rid, event, effective_on in rows:
            by_record.setdefault(rid, []).append((event, effective_on))
        for rid, events in by_record.items():
            out[rid] = derive_status(events, as_of)
    return out


def status_column(as_of: Any) -> Any:
    """`statuses` as a correlated scalar subquery over `Record` (NULL = active), for listings that
    need the status in the same query (the public card): the stored status of the record's last
    event effective by `as_of` (a date or a Date bind parameter). Equal to `derive_status` because
    events are appended in effective order, so those effective by a date are a prefix."""
    return (
        select(StatusEvent.status)
        .where(StatusEvent.record_id == Record.id, StatusEvent.effective_on <= as_of)
        .order_by(StatusEvent.id.desc())
        .limit(1)
        .correlate(Record)
        .scalar_subquery()
    )


def status_of(session: Session, *, record_id: str, as_of: dt.date) -> str:
    """One record's status as of the date; RecordNotFound for an unknown record."""
    if session.get(Record, record_id) is None:
        raise RecordNotFound(record_id)
    return statuses(session, record_ids=[record_id], as_of=as_of)[record_id]


def _refuse(zh: str, en: str) -> StatusError:
    return StatusError(f"{zh} / {en}")


def change_status(
    session: Session,
    *,
    record_id: str,
    event: str,
    actor: str,
    reason: str,
    effective_on: dt.date,
    at: dt.datetime | None = None,
) -> StatusEvent:
    """Append one status event (and its `record.status` ledger leaf) — the only way a status changes.

    `event` is one of models.EVENTS; `effective_on` the first day it applies (inclusive); `actor`
    who decided; `reason` why (e.g. the decision's number). Refused with StatusError (nothing
    written) when: the record is unknown (RecordNotFound); the event is unknown; actor or reason is
    empty; the effective date is before the record's occurrence date or before the record's latest
    status event (events are appended in effective order, so history as of any date is a prefix);
    the transition is not in models.TRANSITIONS (upholding an objection that is not open, repairing
    a revoked record …); or the record is not negative and the event is `repaired` (信用修复 applies
    to negative records only).
    """
    if event not in EVENTS:
        raise _refuse(
            f"未知状态事件 {event!r}，可选：{'、'.join(EVENTS)}",
            f"unknown status event {event!r}; one of {', '.join(EVENTS)}",
        )
    actor, reason = (actor or "").strip(), (reason or "").strip()
    if not actor:
        raise _refuse("缺少决定机关或经办人 (actor)", "actor is required")
    if not reason:
        raise _refuse("缺少理由 (reason)", "reason is required")
    if len(actor) > 100 or len(reason) > 2000:
        raise _refuse("actor 最多 100 字，reason 最多 2000 字", "actor ≤ 100 and reason ≤ 2000 characters")
    record = session.scalar(select(Record).where(Record.id == record_id).with_for_update())
    if record is None:
        raise RecordNotFound(record_id)
    if event == "repaired" and record.polarity != "negative":
        raise _refuse(
            f"记录 {record_id} 不是失信记录（{record.polarity}），不能信用修复",
            f"record {record_id} is {record.polarity}, not negative: only negative records are repaired",
        )
    if record.occurred_on is not None and effective_on < record.occurred_on:
        raise _refuse(
            f"生效日期 {effective_on} 早于记录发生日期 {record.occurred_on}",
            f"effective date {effective_on} is before the record's date {record.occurred_on}",
        )
    past = history(session, record_id=record_id)
    if past and effective_on < past[-1].effective_on:
        raise _refuse(
            f"生效日期 {effective_on} 早于该记录上一次状态变更（{past[-1].effective_on}）",
            f"effective date {effective_on} is before the record's last status event "
            f"({past[-1].effective_on})",
        )
    current = past[-1].status if past else ACTIVE
    after = TRANSITIONS.get((current, event))
    if after is None:
        raise _refuse(
            f"记录 {record_id} 当前状态为「{STATUSES[current][0]}」，不能「{EVENTS[event][0]}」",
            f"record {record_id} is {STATUSES[current][1]}: cannot apply {EVENTS[event][1]}",
        )
    from xinyong.ledger.service import record_event

    at = at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    leaf = record_event(
        session,
        event_type=LEDGER_EVENT,
        record_id=record_id,
        at=at,
        event=event,
        status=after,
        effective_on=effective_on.isoformat(),
        actor=actor,
        reason_sha256=hashlib.sha256(reason.encode("utf-8")).hexdigest(),
    )
    row = StatusEvent(
        record_id=record_id,
        event=event,
        status=after,
        effective_on=effective_on,
        actor=actor,
        reason=reason,
        recorded_at=at,
        leaf_index=leaf,
    )
    session.add(row)
    session.flush()
    return row
