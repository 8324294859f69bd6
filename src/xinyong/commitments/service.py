"""Commitment operations (docs/commitments.md): sign, take a step, read states, signing rates.

Every function takes the caller's session and never commits: a commitment row, its events and
their `commitment.event` ledger leaves land in the caller's transaction, together or not at all.
Records (the published commitment, the 违诺 breach record) are written afterwards, outside that
transaction, by `xinyong.commitments.publish.publish` through the ingest service.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.commitments.lifecycle import TransitionError, derive_state, step
from xinyong.commitments.models import (
    BREACHED,
    CHANNELS,
    EVENTS,
    IN_FORCE,
    SIGNED,
    Commitment,
    CommitmentEvent,
)
from xinyong.commitments.schemas import Template
from xinyong.commitments.templates import TemplateError, get_template, template_digest
from xinyong.subjects.models import Subject

LEDGER_EVENT = "commitment.event"


class CommitmentError(ValueError):
    """A refused commitment operation; the message is in Chinese and English. Nothing was written."""


class CommitmentNotFound(CommitmentError, LookupError):
    def __init__(self, commitment_id: str) -> None:
        super().__init__(f"承诺不存在 / commitment not found: {commitment_id}")


def _refuse(zh: str, en: str) -> CommitmentError:
    return CommitmentError(f"{zh} / {en}")


def period_key(template: Template, *, signed_on: dt.date, idempotency_key: str) -> str:
    """The period a commitment belongs to: one per subject + template + period (schemas.PeriodRule)."""
    if template.period == "once":
        return "once"
    if template.period == "yearly":
        return str(signed_on.year)
    return f"key:{idempotency_key}"


def default_idempotency_key(template: Template, *, subject_id: str, signed_on: dt.date) -> str:
    """The key a signature gets when the caller gives none: subject + template + period."""
    return f"{subject_id}:{template.id}:{period_key(template, signed_on=signed_on, idempotency_key='-')}"


def commitment_id(subject_id: str, template_id: str, key: str) -> str:
    """CM + 20 hex of SHA-256(subject|template|period key): the same signature gets the same id."""
    return "CM" + hashlib.sha256(f"{subject_id}|{template_id}|{key}".encode()).hexdigest()[:20].upper()


def valid_until(template: Template, valid_from: dt.date) -> dt.date | None:
    """Last day in force (inclusive): valid_from + term_months - 1 day; None without a term."""
    if template.term_months is None:
        return None
    return valid_from + relativedelta(months=template.term_months) - dt.timedelta(days=1)


def _append(
    session: Session,
    commitment: Commitment,
    *,
    event: str,
    state: str,
    effective_on: dt.date,
    actor: str,
    reason: str,
    at: dt.datetime,
    breach_record_no: str | None = None,
) -> CommitmentEvent:
    from xinyong.ledger.service import record_event

    leaf = record_event(
        session,
        event_type=LEDGER_EVENT,
        record_id=commitment.id,
        at=at,
        event=event,
        state=state,
        subject_id=commitment.subject_id,
        template_id=commitment.template_id,
        effective_on=effective_on.isoformat(),
        actor=actor,
        reason_sha256=hashlib.sha256(reason.encode("utf-8")).hexdigest(),
    )
    row = CommitmentEvent(
        commitment_id=commitment.id,
        event=event,
        state=state,
        effective_on=effective_on,
        actor=actor,
        reason=reason,
        recorded_at=at,
        leaf_index=leaf,
        breach_record_no=breach_record_no,
    )
    session.add(row)
    return row


def _instant(now: dt.datetime | None) -> dt.datetime:
    """`now` as naive UTC (how DateTime columns store instants); default the clock."""
    if now is None:
        return clock.utcnow_naive()
    return now.astimezone(dt.UTC).replace(tzinfo=None) if now.tzinfo else now


def _clean_actor(actor: str) -> str:
    actor = (actor or "").strip()
    if not actor:
        raise _refuse("缺少签署人或经办人 (actor)", "actor is required")
    if len(actor) > 100:
        raise _refuse("actor 最多 100 字", "actor ≤ 100 characters")
    return actor


def sign(
    session: Session,
    *,
    template_id: str,
    subject_id: str,
    actor: str,
    channel: str,
    idempotency_key: str | None,
    now: dt.datetime | None = None,
    signed_on: dt.date | None = None,
    paper_ref: str | None = None,
    signer_user_id: int | None = None,
) -> Commitment:
    """Sign a commitment (online with the subject's account, or a paper letter an officer records).

    Returns the Commitment; a second signature with the same idempotency key, or of the same
    subject + template + period (schemas.PeriodRule), returns the first one and writes nothing.
    Appends `signed` (effective `signed_on`, default today in Beijing) and `in_force` (from the
    same day) events, each with a `commitment.event` ledger leaf. `now` is the instant recorded
    (UTC; default the clock). Refused with CommitmentError (nothing written): unknown template or
    subject; channel not online/paper; online signing of a paper-only template; a subject kind,
    pilot or district the template is not for; empty actor; an idempotency key already used for
    another subject or template; a paper signature without signed_on in the future.
    """
    if channel not in CHANNELS:
        raise _refuse(
            f"签署方式 {channel!r} 无效，可选 online、paper", f"channel {channel!r}: online or paper"
        )
    actor = _clean_actor(actor)
    try:
        template = get_template(template_id)
    except TemplateError as exc:
        raise CommitmentError(str(exc)) from exc
    if channel == "online" and not template.online:
        raise _refuse(
            f"承诺模板 {template_id} 只接受纸质签署", f"template {template_id} is signed on paper only"
        )
    at = _instant(now)
    today = clock.today(at.replace(tzinfo=dt.UTC))
    day = signed_on or today
    if day > today:
        raise _refuse(
            f"签署日期 {day} 晚于今天 {today}", f"signing date {day} is in the future (today {today})"
        )
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not idempotency_key or len(idempotency_key) > 100:
            raise _refuse("幂等键应为 1–100 个字符", "idempotency_key must be 1-100 characters")
        prior = session.scalar(select(Commitment).where(Commitment.idempotency_key == idempotency_key))
        if prior is not None:
            if prior.subject_id != subject_id or prior.template_id != template_id:
                raise _refuse(
                    f"幂等键 {idempotency_key} 已用于另一份承诺（{prior.id}）",
                    f"idempotency key {idempotency_key} was used for another commitment ({prior.id})",
                )
            return prior
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise _refuse(f"信用主体不存在：{subject_id}", f"subject not found: {subject_id}")
    if subject.kind not in template.subject_kinds:
        raise _refuse(
            f"承诺模板 {template_id} 不适用于该类主体（{subject.kind}）",
            f"template {template_id} is not for subjects of kind {subject.kind}",
        )
    if template.pilots and subject.pilot not in template.pilots:
        raise _refuse(
            f"承诺模板 {template_id} 仅适用于试点 {'、'.join(template.pilots)} 的主体",
            f"template {template_id} is only for subjects of pilot {', '.join(template.pilots)}",
        )
    if template.districts and subject.district_code not in template.districts:
        raise _refuse(
            f"承诺模板 {template_id} 仅适用于区划 {'、'.join(template.districts)}",
            f"template {template_id} is only for districts {', '.join(template.districts)}",
        )
    key = idempotency_key or default_idempotency_key(template, subject_id=subject_id, signed_on=day)
    period = period_key(template, signed_on=day, idempotency_key=key)
    cid = commitment_id(subject_id, template_id, period)
    existing = session.get(Commitment, cid)
    if existing is not None:
        return existing
    row = Commitment(
        id=cid,
        template_id=template.id,
        template_version=template.version,
        template_digest=template_digest(template),
        type=template.type,
        subject_id=subject_id,
        district_code=subject.district_code,
        pilot=subject.pilot,
        period_key=period,
        idempotency_key=key,
        channel=channel,
        signed_by=actor,
        signer_user_id=signer_user_id,
        paper_ref=(paper_ref or "").strip() or None,
        signed_on=day,
        valid_from=day,
        valid_until=valid_until(template, day),
        text=template.letter(),
        signed_at=at,
        leaf_index=-1,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
            why = f"{CHANNELS[channel][0]}：{template.name_zh}" + (
                f"（{row.paper_ref}）" if row.paper_ref else ""
            )
            first = _append(
                session, row, event=SIGNED, state=SIGNED, effective_on=day, actor=actor, reason=why, at=at
            )
            _append(
                session,
                row,
                event=IN_FORCE,
                state=IN_FORCE,
                effective_on=day,
                actor=actor,
                reason=f"自签署之日起生效 / in force from {day}",
                at=at,
            )
            row.leaf_index = first.leaf_index
            session.flush()
    except IntegrityError:
        # A concurrent signature of the same commitment won the race: return it (idempotent).
        winner = session.get(Commitment, cid) or session.scalar(
            select(Commitment).where(Commitment.idempotency_key == key)
        )
        if winner is None:
            raise
        return winner
    return row


def get(session: Session, commitment_id: str) -> Commitment:
    row = session.get(Commitment, commitment_id)
    if row is None:
        raise CommitmentNotFound(commitment_id)
    return row


def history(session: Session, *, commitment_id: str) -> list[CommitmentEvent]:
    """A commitment's events in append order (oldest first)."""
    return list(
        session.scalars(
            select(CommitmentEvent)
            .where(CommitmentEvent.commitment_id == commitment_id)
            .order_by(CommitmentEvent.id)
        )
    )


def state_of(session: Session, *, commitment_id: str, as_of: dt.date) -> str | None:
    """The state as of the date (lifecycle.derive_state); None when signed after as_of."""
    row = get(session, commitment_id)
    events = [(e.event, e.effective_on) for e in history(session, commitment_id=commitment_id)]
    return derive_state(events, valid_until=row.valid_until, as_of=as_of)


def states(session: Session, *, commitment_ids: Sequence[str], as_of: dt.date) -> dict[str, str | None]:
    """{commitment id: state as of the date}, one query per 500 ids."""
    out: dict[str, str | None] = {}
    ids = list(dict.fromkeys(commitment_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        until = dict(
            session.execute(
                select(Commitment.id, Commitment.valid_until).where(Commitment.id.in_(chunk))
            ).all()
        )
        rows = session.execute(
            select(CommitmentEvent.commitment_id, CommitmentEvent.event, CommitmentEvent.effective_on)
            .where(CommitmentEvent.commitment_id.in_(chunk))
            .order_by(CommitmentEvent.commitment_id, CommitmentEvent.id)
        ).all()
        by: dict[str, list[tuple[str, dt.date]]] = {}
        for cid, event, on in rows:
            by.setdefault(cid, []).append((event, on))
        for cid in chunk:
            if cid in until:
                out[cid] = derive_state(by.get(cid, []), valid_until=until[cid], as_of=as_of)
    return out


def breach_record_no(commitment_id: str) -> str:
    """The number of the 违诺 record a breach of this commitment becomes (one per commitment)."""
    return f"WN-{commitment_id}"


def record_step(
    session: Session,
    *,
    commitment_id: str,
    event: str,
    actor: str,
    reason: str,
    effective_on: dt.date,
    now: dt.datetime | None = None,
) -> CommitmentEvent:
    """Append kept / breached / expired / withdrawn (with its ledger leaf) to a commitment.

    Refused with CommitmentError (nothing written): unknown commitment or event; empty actor or
    reason; an effective date before the commitment's last event, or in the future; a step the
    transition table refuses as of `effective_on` (a breach of a withdrawn commitment, a second
    outcome …); a breach dated outside the commitment's term; `expired` before its last day.
    A breach's negative record (kind `commitment_breach`, number `breach_record_no`) is written by
    publish.publish after the caller commits."""
    if event not in EVENTS or event in (SIGNED, IN_FORCE):
        raise _refuse(
            f"未知承诺事件 {event!r}，可选：kept、breached、expired、withdrawn",
            f"unknown commitment step {event!r}; one of kept, breached, expired, withdrawn",
        )
    actor = _clean_actor(actor)
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("缺少理由 (reason)", "reason is required")
    if len(reason) > 2000:
        raise _refuse("reason 最多 2000 字", "reason ≤ 2000 characters")
    row = session.scalar(select(Commitment).where(Commitment.id == commitment_id).with_for_update())
    if row is None:
        raise CommitmentNotFound(commitment_id)
    at = _instant(now)
    today = clock.today(at.replace(tzinfo=dt.UTC))
    if effective_on > today:
        raise _refuse(
            f"生效日期 {effective_on} 晚于今天 {today}", f"effective date {effective_on} is in the future"
        )
    past = history(session, commitment_id=commitment_id)
    if past and effective_on < past[-1].effective_on:
        raise _refuse(
            f"生效日期 {effective_on} 早于该承诺上一步（{past[-1].effective_on}）",
            f"effective date {effective_on} is before the commitment's last step ({past[-1].effective_on})",
        )
    if event == BREACHED and (
        effective_on < row.valid_from or (row.valid_until is not None and effective_on > row.valid_until)
    ):
        raise _refuse(
            f"违诺日期 {effective_on} 不在承诺期限内（{row.valid_from}—{row.valid_until or '长期'}）",
            f"breach date {effective_on} is outside the commitment's term ({row.valid_from} - {row.valid_until})",
        )
    if event == "expired" and (row.valid_until is None or effective_on <= row.valid_until):
        raise _refuse(
            f"承诺在 {row.valid_until or '长期有效'} 之前未到期",
            f"the commitment does not expire before {row.valid_until or 'never'}",
        )
    events = [(e.event, e.effective_on) for e in past]
    # Time-derived expiry counts: an outcome after the last day is taken from `expired`.
    current = derive_state(events, valid_until=row.valid_until, as_of=effective_on)
    try:
        after = step(current, event)
    except TransitionError as exc:
        raise CommitmentError(f"{commitment_id}: {exc}") from exc
    if current == "expired" and not (past and past[-1].event == "expired"):
        _append(
            session,
            row,
            event="expired",
            state="expired",
            effective_on=row.valid_until + dt.timedelta(days=1),  # type: ignore[operator]
            actor=actor,
            reason="承诺期满 / term ended",
            at=at,
        )
    out = _append(
        session,
        row,
        event=event,
        state=after,
        effective_on=effective_on,
        actor=actor,
        reason=reason,
        at=at,
        breach_record_no=breach_record_no(row.id) if event == BREACHED else None,
    )
    session.flush()
    return out


def expire_due(
    session: Session, *, as_of: dt.date, actor: str = "system", now: dt.datetime | None = None
) -> list[str]:
    """Append `expired` (effective the day after valid_until) to every commitment in force whose
    term ended before as_of; returns their ids. Idempotent: a second run appends nothing."""
    rows = session.scalars(
        select(Commitment)
        .where(Commitment.valid_until.is_not(None), Commitment.valid_until < as_of)
        .order_by(Commitment.id)
    ).all()
    current = states(session, commitment_ids=[r.id for r in rows], as_of=as_of)
    done: list[str] = []
    at = _instant(now)
    for row in rows:
        if current.get(row.id) != "expired":
            continue
        last = history(session, commitment_id=row.id)[-1]
        if last.event == "expired":
            continue
        _append(
            session,
            row,
            event="expired",
            state="expired",
            effective_on=row.valid_until + dt.timedelta(days=1),  # type: ignore[operator]
            actor=actor,
            reason="承诺期满 / term ended",
            at=at,
        )
        done.append(row.id)
    session.flush()
    return done
