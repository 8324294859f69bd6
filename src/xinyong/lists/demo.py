"""Demo activity for credit lists (a DEMO_STEPS module): every list synced as of the demo's end date,
a few review decisions (accepted and rejected serious-dishonesty and 信易贷 candidates) and manual
entries on 滨海's preservation whitelist. Idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from xinyong.lists import service
from xinyong.lists.models import ListCandidate
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

OFFICER = "demo-officer"


def _decide_some(
    session: Any, list_id: str, as_of: dt.date, now: dt.datetime | None, accept: int, reject: int
) -> int:
    decided = session.scalar(
        select(ListCandidate.id)
        .where(ListCandidate.list_id == list_id, ListCandidate.status != "pending")
        .limit(1)
    )
    if decided is not None:
        return 0
    pending = service.candidates(session, list_id=list_id)
    pending.sort(key=lambda c: c.id)
    n = accepted = 0
    rest = list(pending)
    while rest and accepted < accept:
        c = rest.pop(0)
        try:
            service.decide(
                session,
                candidate_id=c.id,
                decision="accept",
                actor=OFFICER,
                start_on=as_of,
                now=now,
                reason="演示：已告知列入理由、依据和权利，听取陈述申辩后决定列入",
            )
        except service.ListError:  # no longer meets the criteria on the decision date: next one
            continue
        n += 1
        accepted += 1
    for c in rest[:reject]:
        service.decide(
            session,
            candidate_id=c.id,
            decision="reject",
            actor=OFFICER,
            now=now,
            reason="演示：处罚已依法变更，不予列入",
        )
        n += 1
    return n


def seed_demo(*, engine: Engine, as_of: dt.date, now: dt.datetime | None = None) -> dict[str, int]:
    counts: dict[str, int] = {"entered": 0, "exited": 0, "candidates": 0, "decisions": 0, "manual": 0}
    with session_scope(engine) as s:
        for r in service.sync_all(s, as_of=as_of, actor="demo-sync", now=now):
            counts["entered"] += r.entered
            counts["exited"] += r.exited + r.expired
            counts["candidates"] += r.candidates
    with session_scope(engine) as s:
        counts["decisions"] += _decide_some(s, "serious_dishonesty", as_of, now, accept=3, reject=1)
        counts["decisions"] += _decide_some(s, "xiqing_xinyidai_whitelist", as_of, now, accept=5, reject=0)
        counts["decisions"] += _decide_some(s, "financing_whitelist", as_of, now, accept=5, reject=1)
        binhai = service.get_list("binhai_preservation_whitelist")
        if not service.active_members(s, binhai.id, as_of):
            firms = s.scalars(
                select(Subject.id)
                .where(Subject.district_code == binhai.district, Subject.kind == "enterprise")
                .order_by(Subject.id)
                .limit(3)
            ).all()
            for sid in firms:
                service.enter(
                    s,
                    list_id=binhai.id,
                    subject_id=sid,
                    actor=OFFICER,
                    start_on=as_of,
                    now=now,
                    basis="滨海新区人民法院、区发展改革委 联合认定（演示）",
                    reason="履行记录良好的涉诉企业（演示）",
                    via="manual",
                )
                counts["manual"] += 1
    with session_scope(engine) as s:  # the red list reads serious-dishonesty membership: re-check it
        r = service.sync(s, list_id="red_honest", as_of=as_of, actor="demo-sync", now=now)
        counts["entered"] += r.entered
        counts["exited"] += r.exited
    return counts
