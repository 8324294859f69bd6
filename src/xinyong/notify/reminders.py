"""Reminders to subjects (提醒): a negative record becomes repairable soon (信用修复提醒), and —
through REMINDER_PROVIDERS — whatever other domains add (the commitments domain: a commitment
expires soon). One reminder per record and date (dedup key), to the subject's own logins.

Repair dates come from `xinyong.evaluation.repair.repairability` (catalogue/repair/*.yaml)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from xinyong import clock
from xinyong.accounts.models import User
from xinyong.notify.outbox import emit
from xinyong.notify.registry import REMINDER_PROVIDERS, modules
from xinyong.store.db import session_scope

REMIND_DAYS = 14  # remind when the first repairable day is within this many days


def reminders(session, *, as_of: dt.date) -> list[dict]:  # noqa: ANN001
    """Repair reminders as of `as_of`: active, published negative records of subjects with a login
    whose first repairable day d satisfies as_of < d ≤ as_of + REMIND_DAYS."""
    from xinyong.evaluation.repair import repairability
    from xinyong.records.models import Record
    from xinyong.status.service import statuses

    subjects = set(
        session.scalars(select(User.subject_id).where(User.subject_id.is_not(None), User.is_active.is_(True)))
    )
    if not subjects:
        return []
    recs = session.scalars(
        select(Record).where(
            Record.subject_id.in_(subjects),
            Record.polarity == "negative",
            (Record.publicity_until.is_(None)) | (Record.publicity_until >= as_of),
        )
    ).all()
    state = statuses(session, record_ids=[r.id for r in recs], as_of=as_of)
    out = []
    for r in recs:
        if state.get(r.id, "active") != "active":
            continue
        rep = repairability(r.kind, r.severity, r.occurred_on, as_of)
        d = rep.repairable_from
        if d is None or not (as_of < d <= as_of + dt.timedelta(days=REMIND_DAYS)):
            continue
        out.append(
            {
                "kind": "repair.reminder",
                "subject_id": r.subject_id,
                "due": d.isoformat(),
                "key": f"repair-reminder:{r.id}:{d.isoformat()}",
                "title_zh": f"您的一条失信信息将于{d.isoformat()}起可申请信用修复",
                "title_en": f"A negative record becomes repairable on {d.isoformat()}",
                "record_id": r.id,
            }
        )
    return out


def run_daily(engine: Engine, *, now: dt.datetime) -> dict[str, int]:
    """Emit every provider's reminders for today to the subject's logins. Returns {"reminders": n}."""
    as_of = clock.today(now)
    from xinyong.subjects.models import Subject

    n = 0
    with session_scope(engine) as s:
        for provider in modules(REMINDER_PROVIDERS):
            for r in provider.reminders(s, as_of=as_of):
                users = list(s.scalars(select(User.id).where(User.subject_id == r["subject_id"])))
                district = s.scalar(select(Subject.district_code).where(Subject.id == r["subject_id"]))
                payload = {k: v for k, v in r.items() if k not in ("kind", "key", "subject_id")}
                emit(
                    s,
                    kind=r["kind"],
                    payload=payload,
                    subject_id=r["subject_id"],
                    district_code=district,
                    user_ids=users,
                    dedup_key=r["key"],
                    now=now,
                )
                n += 1
    return {"reminders": n}
