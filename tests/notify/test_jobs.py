"""Daily jobs: the digest per district officer (counts of the district's events in the 24 hours
before the run; once per day; opt-out) and repair reminders (first repairable day within 14 days)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from helpers.notify_world import make_users
from xinyong.notify import emit, service
from xinyong.notify.digest import run_daily as digest
from xinyong.notify.models import OutboxEvent
from xinyong.notify.reminders import REMIND_DAYS
from xinyong.notify.reminders import run_daily as remind
from xinyong.store.db import session_scope

NOW = dt.datetime(2026, 10, 31, 0, 30)  # 08:30 Beijing


def test_digest_counts_each_officers_district_once_a_day(engine):
    hp, hx, _admin = make_users(
        engine,
        ("officer-hp", "district_officer", "120101", None),
        ("officer-hx", "district_officer", "120103", None),
        ("admin-x", "city_admin", None, None),
    )
    with session_scope(engine) as s:
        for kind, district, hours_ago in [
            ("alert.raised", "120101", 1),
            ("alert.raised", "120101", 23),
            ("repair.decided", "120101", 5),
            ("alert.raised", "120101", 25),  # older than a day
            ("alert.raised", "120103", 2),
        ]:
            emit(s, kind=kind, payload={}, district_code=district, now=NOW - dt.timedelta(hours=hours_ago))
    assert digest(engine, now=NOW) == {"digests": 2}
    assert digest(engine, now=NOW + dt.timedelta(hours=3)) == {"digests": 0}  # same local day
    with session_scope(engine) as s:
        got = {
            e.user_ids[0]: e.payload["counts"]
            for e in s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "digest.daily"))
        }
    assert got == {hp: {"alert.raised": 2, "repair.decided": 1}, hx: {"alert.raised": 1}}
    with session_scope(engine) as s:
        service.set_contact(s, user_id=hx, email="hx@example.org", digest=False)
    assert digest(engine, now=NOW + dt.timedelta(days=1)) == {"digests": 1}


def test_repair_reminder_before_the_first_repairable_day(engine):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "alerts"))
    from alerts_world import ingest_penalty

    from xinyong.evaluation.repair import repairability
    from xinyong.records.models import Record

    rec, subject = ingest_penalty(engine, 1, "罚款", NOW)  # general, decided 2026-10-20
    (merchant,) = make_users(engine, ("merchant-a", "subject", None, subject))
    with session_scope(engine) as s:
        r = s.get(Record, rec)
        first = repairability(r.kind, r.severity, r.occurred_on, dt.date(2026, 10, 21)).repairable_from
    assert first is not None and first > dt.date(2026, 10, 21)
    too_early = dt.datetime.combine(first - dt.timedelta(days=REMIND_DAYS + 1), dt.time(1))
    assert remind(engine, now=too_early) == {"reminders": 0}
    window = dt.datetime.combine(first - dt.timedelta(days=REMIND_DAYS), dt.time(1))
    assert remind(engine, now=window) == {"reminders": 1}
    remind(engine, now=window + dt.timedelta(days=1))  # again the next day: the same reminder, not a second
    with session_scope(engine) as s:
        (ev,) = s.scalars(select(OutboxEvent).where(OutboxEvent.kind == "repair.reminder")).all()
    assert ev.user_ids == [merchant] and ev.subject_id == subject and ev.payload["due"] == first.isoformat()
