"""Reminders before a commitment expires, sent by the worker's daily reminder job (REMINDER_PROVIDERS)."""

from __future__ import annotations

import datetime as dt

from commitments_world import add_subjects, sign
from sqlalchemy import select

from helpers.notify_world import make_users
from xinyong.commitments import service
from xinyong.notify.models import OutboxEvent
from xinyong.notify.reminders import run_daily
from xinyong.store.db import session_scope


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(1))  # 09:00 in Beijing


def test_a_reminder_two_weeks_before_the_last_day_once(engine):
    sid = add_subjects(engine)["heping"][0]
    (user,) = make_users(engine, ("merchant-r", "subject", None, sid))
    cid = sign(engine, sid)
    # Signed 2026-01-05 for 12 months: in force through 2027-01-04 (by hand); 14 days before is 2026-12-21.
    assert run_daily(engine, now=_at(dt.date(2026, 12, 20))) == {"reminders": 0}
    assert run_daily(engine, now=_at(dt.date(2026, 12, 21))) == {"reminders": 1}
    run_daily(engine, now=_at(dt.date(2026, 12, 22)))  # the next day: the same reminder, not a second
    with session_scope(engine) as s:
        (ev,) = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "commitment.reminder")).all()
    assert ev.user_ids == [user] and ev.payload["commitment_id"] == cid and ev.payload["due"] == "2027-01-04"


def test_no_reminder_for_a_withdrawn_commitment(engine):
    sid = add_subjects(engine)["heping"][0]
    make_users(engine, ("merchant-w", "subject", None, sid))
    cid = sign(engine, sid)
    with session_scope(engine) as s:
        service.record_step(
            s,
            commitment_id=cid,
            event="withdrawn",
            actor="和平区诚信办 张三",
            reason="商户注销",
            effective_on=dt.date(2026, 6, 1),
            now=dt.datetime(2026, 6, 1, 4),
        )
    assert run_daily(engine, now=_at(dt.date(2026, 12, 21))) == {"reminders": 0}
