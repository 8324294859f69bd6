"""Demo activity of 信易+ (DEMO_STEPS): benefit uses recorded by departments for eligible pilot subjects,
and a 东丽 resident login whose score the demo bank may read under a grant valid for GRANT_DAYS days from
the day the demo is built (not from the demo's as-of date, which is in the past by then). Idempotent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.models import User
from xinyong.accounts.service import DEMO_PASSWORD, create_user, viewer_for
from xinyong.incentives import person, service
from xinyong.incentives.bulk import benefits_many
from xinyong.incentives.models import ScoreGrant
from xinyong.incentives.scenarios import load_scenarios
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

GRANT_DAYS = 30  # the demo grant runs to the end of the 30th local day after the build day
PER_SCENARIO = 6  # subjects checked per scenario: a few uses each keeps the step to seconds


def seed_demo(  # noqa: ANN001
    *, engine, as_of: dt.date, now: dt.datetime | None = None, built_on: dt.date | None = None
) -> dict:
    """Uses for the first PER_SCENARIO eligible subjects of each pilot scenario, eligibility from the bulk
    path (the demo build has stored every model's grades before the steps run). `built_on` (default:
    today, Asia/Shanghai) dates the demo grant (`grant_window`)."""
    built_on = built_on or clock.today()
    now = now or dt.datetime.combine(as_of, dt.time(9, 0))
    uses = 0
    with session_scope(engine) as s:
        pilots = {p for sc in load_scenarios() for p in sc.who.pilots}
        ids = list(s.scalars(select(Subject.id).where(Subject.pilot.in_(pilots))))
        granted = benefits_many(s, as_of=as_of, subject_ids=ids) if ids else {}
        by_id = {sc.id: sc for sc in load_scenarios()}
        for sc_id, subjects in sorted(granted.items()):
            sc = by_id[sc_id]
            if not sc.who.pilots:
                continue
            for sid in sorted(subjects)[:PER_SCENARIO]:
                service.record_benefit_use(
                    s,
                    scenario_id=sc_id,
                    subject_id=sid,
                    actor=sc.department or "演示部门",
                    detail={"note": "演示：依场景规则授予"},
                    idempotency_key=f"demo:{sc_id}:{sid}",
                    used_on=as_of,
                    now=now,
                )
                uses += 1
        grants = _resident(s, now, grant_window(now, built_on))
    return {"benefit_uses": uses, "score_grants": grants}


def grant_window(now: dt.datetime, built_on: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """(granted_at, expires_at) of the demo grant, naive UTC as stored: granted at the later of the demo
    step's `now` and the start of the build day in Beijing time (never after the build itself), valid to
    the end of the GRANT_DAYS-th local day after. Built on 2026-12-01 → granted 2026-11-30T16:00 UTC
    (00:00 on 12-01 in Beijing), expires 2026-12-31T16:00 UTC (the end of 2026-12-31 in Beijing),
    however far the demo's as-of date (2026-10-31) lies behind."""
    if now.tzinfo is not None:
        now = now.astimezone(dt.UTC).replace(tzinfo=None)
    granted_at = max(now, clock.day_start_utc(built_on))
    day = clock.to_local(granted_at).date()
    return granted_at, clock.day_start_utc(day + dt.timedelta(days=GRANT_DAYS + 1))


def _resident(s: Session, now: dt.datetime, window: tuple[dt.datetime, dt.datetime]) -> int:
    """A person login (东丽 credit-medical resident) and a grant to the demo bank (docs/demo.md)."""
    resident = s.scalar(
        select(Subject)
        .where(Subject.kind == "person", Subject.pilot == "dongli_credit_medical")
        .order_by(Subject.id)
        .limit(1)
    )
    if resident is None:
        return 0
    user = s.scalar(select(User).where(User.username == "resident"))
    if user is None:
        user = create_user(
            s,
            username="resident",
            role="subject",
            display_name="东丽区居民（演示）",
            subject_id=resident.id,
            password=DEMO_PASSWORD,
            now=now,
        )
    bank = s.scalar(select(User).where(User.username == "bank"))
    if (
        bank is None
        or s.scalar(select(ScoreGrant.id).where(ScoreGrant.subject_id == resident.id)) is not None
    ):
        return 0
    person.grant_score_access(
        s,
        subject_id=resident.id,
        grantee_username="bank",
        purpose="信用就医额度审批（交通银行）",
        expires_at=window[1],
        actor=viewer_for(user),
        now=window[0],
    )
    return 1
