"""Signing rates per pilot (签订率), computed live from the store as of a date.

A pilot's programme states its commitment target (programmes/*.yaml, docs/programmes.md):
和平 `commitment_rate >= 1.0` (入驻商家信用承诺书签订率 100%), 静海 `commitment_count >= 200` by
2023-12-31 (累计签订 200 份信用承诺书). The roster is the pilot's subjects except its carrier.
A commitment counts when signed on or before the date and not withdrawn by then (a kept, breached
or expired commitment was still signed).
"""

from __future__ import annotations

import datetime as dt
import operator

from sqlalchemy import and_, distinct, exists, func, select
from sqlalchemy.orm import Session

from xinyong.commitments.models import WITHDRAWN, Commitment, CommitmentEvent
from xinyong.commitments.schemas import RateOut
from xinyong.programmes.service import load_programmes
from xinyong.subjects.models import Subject

METRICS = ("commitment_rate", "commitment_count")
_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt, "<": operator.lt}


def _counted(as_of: dt.date):
    """Commitments signed by as_of and not withdrawn by then (SQL)."""
    withdrawn = exists().where(
        CommitmentEvent.commitment_id == Commitment.id,
        CommitmentEvent.event == WITHDRAWN,
        CommitmentEvent.effective_on <= as_of,
    )
    return and_(Commitment.signed_on <= as_of, ~withdrawn)


def pilot_rate(session: Session, *, pilot: str, as_of: dt.date) -> tuple[int, int, int]:
    """(roster subjects, of them signed, commitments counted) of one pilot as of the date."""
    roster = select(Subject.id).where(Subject.pilot == pilot, Subject.kind != "carrier")
    subjects = session.scalar(select(func.count()).select_from(roster.subquery())) or 0
    signed_subjects = session.scalar(
        select(func.count(distinct(Commitment.subject_id))).where(
            Commitment.subject_id.in_(roster), _counted(as_of)
        )
    )
    signed_count = session.scalar(
        select(func.count()).select_from(Commitment).where(Commitment.subject_id.in_(roster), _counted(as_of))
    )
    return subjects, signed_subjects or 0, signed_count or 0


def signing_rates(
    session: Session, *, as_of: dt.date, pilots: list[str] | None = None, district_code: str | None = None
) -> list[RateOut]:
    """One RateOut per programme pilot (those with a commitment target first; all when `pilots` is
    None), optionally only the pilots of one district. target_met compares the target's metric
    (rate or count) with its value by its op; a target with a deadline is judged as of
    min(as_of, deadline) — 静海's 200 by 2023-12-31 counts what was signed by then."""
    out: list[RateOut] = []
    for prog in load_programmes():
        pilot = prog.pilot
        if pilots is not None and pilot.id not in pilots:
            continue
        if district_code is not None and prog.district.code != district_code:
            continue
        target = next((t for t in pilot.targets if t.metric in METRICS), None)
        subjects, signed_subjects, count = pilot_rate(session, pilot=pilot.id, as_of=as_of)
        rate = signed_subjects / subjects if subjects else 0.0
        met = None
        deadline = getattr(target, "deadline", None) if target else None
        if target is not None:
            if deadline is not None and deadline < as_of:
                subj_d, signed_d, count_d = pilot_rate(session, pilot=pilot.id, as_of=deadline)
                value = (
                    (signed_d / subj_d if subj_d else 0.0) if target.metric == "commitment_rate" else count_d
                )
            else:
                value = rate if target.metric == "commitment_rate" else count
            met = bool(_OPS[target.op](value, target.value))
        out.append(
            RateOut(
                pilot=pilot.id,
                pilot_zh=pilot.name_zh,
                district_code=prog.district.code,
                district_name=prog.district.name,
                as_of=as_of,
                subjects=subjects,
                signed_subjects=signed_subjects,
                rate=rate,
                signed_count=count,
                target_metric=target.metric if target else None,
                target_value=float(target.value) if target else None,
                target_deadline=deadline,
                target_met=met,
            )
        )
    out.sort(key=lambda r: (r.target_metric is None, r.district_code))
    return out
