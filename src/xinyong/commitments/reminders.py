"""Reminders before a commitment expires (承诺到期提醒), a REMINDER_PROVIDERS module of
xinyong.notify.registry: `xinyong worker`'s daily job sends them to the subject's own logins, once per
commitment and last day (the dedup key)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import User
from xinyong.commitments.models import Commitment
from xinyong.commitments.service import states

REMIND_DAYS = 14  # remind when the last day in force is within this many days (as repair reminders do)


def reminders(session: Session, *, as_of: dt.date) -> list[dict]:
    """Commitments in force as of `as_of` whose last day d (valid_until, inclusive) satisfies
    as_of < d ≤ as_of + REMIND_DAYS, of subjects with an active login."""
    with_login = select(User.subject_id).where(User.subject_id.is_not(None), User.is_active.is_(True))
    rows = session.execute(
        select(Commitment.id, Commitment.subject_id, Commitment.valid_until, Commitment.template_id).where(
            Commitment.subject_id.in_(with_login),
            Commitment.valid_until > as_of,
            Commitment.valid_until <= as_of + dt.timedelta(days=REMIND_DAYS),
        )
    ).all()
    state = states(session, commitment_ids=[r.id for r in rows], as_of=as_of)
    return [
        {
            "kind": "commitment.reminder",
            "subject_id": r.subject_id,
            "due": r.valid_until.isoformat(),
            "key": f"commitment-reminder:{r.id}:{r.valid_until.isoformat()}",
            "title_zh": f"您的信用承诺（{r.template_id}）将于{r.valid_until.isoformat()}到期，请及时续签",
            "title_en": f"Your credit commitment ({r.template_id}) expires after {r.valid_until.isoformat()}",
            "commitment_id": r.id,
        }
        for r in rows
        if state.get(r.id) == "in_force"
    ]
