"""Who sees which commitments, and their API shapes (shared by api.py, pages.py and cli.py).

Scope: the city sees every commitment; a district office those of its district's subjects; a
subject account its own; other roles none (the public sees published commitments on the public
card, through the disclosure policy). Subject names pass through the disclosure policy's masking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from xinyong.commitments import service
from xinyong.commitments.letters import load_templates
from xinyong.commitments.models import CHANNELS, EVENTS, STATES, Commitment, CommitmentEvent
from xinyong.commitments.schemas import COMMITMENT_TYPES, CommitmentOut, EventOut
from xinyong.disclosure.policy import Viewer, present_subject
from xinyong.subjects.models import Subject

OFFICER_ROLES = ("city_admin", "district_officer")


def scope(viewer: Viewer) -> ColumnElement[bool]:
    """SQL filter over Commitment: what this viewer may list."""
    if viewer.role == "city_admin":
        return true()
    if viewer.role == "district_officer" and viewer.district_code:
        return Commitment.district_code == viewer.district_code
    if viewer.role == "subject" and viewer.subject_id:
        return Commitment.subject_id == viewer.subject_id
    return false()


def may_decide(viewer: Viewer, commitment: Commitment) -> bool:
    """Kept / breached / expired: the city, or the district office of the subject's district."""
    if viewer.role == "city_admin":
        return True
    return viewer.role == "district_officer" and commitment.district_code == viewer.district_code


def may_record_paper(viewer: Viewer, subject: Subject) -> bool:
    """A paper signature is recorded by the city or the subject's district office."""
    if viewer.role == "city_admin":
        return True
    return viewer.role == "district_officer" and subject.district_code == viewer.district_code


def visible(session: Session, viewer: Viewer, commitment_id: str) -> Commitment:
    """The commitment, or CommitmentNotFound when it does not exist or the viewer may not see it."""
    row = session.scalar(select(Commitment).where(Commitment.id == commitment_id, scope(viewer)))
    if row is None:
        raise service.CommitmentNotFound(commitment_id)
    return row


def event_out(e: CommitmentEvent) -> EventOut:
    return EventOut(
        id=e.id,
        event=e.event,
        event_zh=EVENTS[e.event][0],
        state=e.state,
        state_zh=STATES[e.state][0],
        effective_on=e.effective_on,
        actor=e.actor,
        reason=e.reason,
        recorded_at=e.recorded_at,
        leaf_index=e.leaf_index,
        breach_record_no=e.breach_record_no,
    )


def commitment_out(
    session: Session,
    viewer: Viewer,
    c: Commitment,
    *,
    as_of: dt.date,
    state: str | None = None,
    events: bool = True,
    subject: Subject | None = None,
) -> CommitmentOut:
    history = service.history(session, commitment_id=c.id) if events else []
    if events:
        from xinyong.commitments.lifecycle import derive_state

        state = derive_state(
            [(e.event, e.effective_on) for e in history], valid_until=c.valid_until, as_of=as_of
        )
    subject = subject or session.get(Subject, c.subject_id)
    template = load_templates().get(c.template_id)
    return CommitmentOut(
        id=c.id,
        template_id=c.template_id,
        template_version=c.template_version,
        type=c.type,
        type_zh=COMMITMENT_TYPES[c.type][0],
        name_zh=template.name_zh if template else c.template_id,
        subject_id=c.subject_id,
        subject_name=present_subject(viewer, subject)["name"] if subject is not None else None,
        district_code=c.district_code,
        pilot=c.pilot,
        channel=c.channel,
        signed_by=c.signed_by,
        signed_on=c.signed_on,
        valid_from=c.valid_from,
        valid_until=c.valid_until,
        state=state,
        state_zh=STATES[state][0] if state else "尚未签署",
        as_of=as_of,
        text=c.text,
        events=[event_out(e) for e in history],
    )


def listing(
    session: Session,
    viewer: Viewer,
    *,
    as_of: dt.date,
    subject_id: str | None = None,
    pilot: str | None = None,
    state: str | None = None,
    limit: int = 200,
) -> list[CommitmentOut]:
    """Commitments the viewer may see, newest first, with their states as of the date."""
    q = select(Commitment, Subject).join(Subject, Subject.id == Commitment.subject_id).where(scope(viewer))
    if subject_id:
        q = q.where(Commitment.subject_id == subject_id)
    if pilot:
        q = q.where(Commitment.pilot == pilot)
    q = q.where(Commitment.signed_on <= as_of).order_by(Commitment.signed_on.desc(), Commitment.id)
    pairs = session.execute(q).all()
    states = service.states(session, commitment_ids=[c.id for c, _ in pairs], as_of=as_of)
    out: list[CommitmentOut] = []
    for c, subj in pairs:
        if state and states.get(c.id) != state:
            continue
        out.append(
            commitment_out(
                session, viewer, c, as_of=as_of, state=states.get(c.id), events=False, subject=subj
            )
        )
        if len(out) >= limit:
            break
    return out


def template_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": t.id,
            "version": t.version,
            "type": t.type,
            "type_zh": t.type_zh,
            "name_zh": t.name_zh,
            "name_en": t.name_en,
            "scenario_zh": t.scenario_zh,
            "accepted_by": t.accepted_by,
            "term_months": t.term_months,
            "period": t.period,
            "pilots": list(t.pilots),
            "online": t.online,
            "letter": t.letter(),
        }
        for t in load_templates().values()
    ]


CHANNEL_LABELS = CHANNELS
