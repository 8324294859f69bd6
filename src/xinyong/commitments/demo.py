"""Demo step (xinyong.demo.service.DEMO_STEPS): commitments signed in the pilots that ask for them.

* 和平 (诚信示范商场): every merchant of the roster signs `heping_honest_merchant` in 2026 (100 %
  signing rate as of the demo's end), three in four online with their accounts, the rest on paper;
  half had signed in 2023 too, confirmed kept;
* 静海 (海吉星物流园): 230 market merchants sign `jinghai_market_merchant` on paper in 2023 (the
  target: 200 by 2023-12-31), most confirmed kept, a few breached (违诺 → negative records);
* 津南 (会展): the exhibition firms sign `jinnan_exhibition_organiser` in 2023.

A few 2026 commitments are breached or withdrawn. Deterministic (a fixed seed) and idempotent: a
second run signs nothing new (same keys) and skips steps already taken.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import Engine, select

from xinyong.commitments import service
from xinyong.commitments.publish import publish
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

SEED = 20231201
JINGHAI_SIGNED = 230


def _roster(engine: Engine, pilot: str) -> list[str]:
    with session_scope(engine) as s:
        return list(
            s.scalars(
                select(Subject.id)
                .where(Subject.pilot == pilot, Subject.kind.in_(("enterprise", "individual_business")))
                .order_by(Subject.id)
            )
        )


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _step(s, cid: str, event: str, on: dt.date, reason: str, actor: str, now: dt.datetime | None) -> bool:  # noqa: ANN001
    last = service.history(s, commitment_id=cid)[-1]
    if last.event not in ("signed", "in_force", "expired") or last.effective_on > on:
        return False  # already decided (a second run)
    service.record_step(
        s, commitment_id=cid, event=event, actor=actor, reason=reason, effective_on=on, now=now
    )
    return True


def seed_demo(*, engine: Engine, as_of: dt.date, now: dt.datetime | None = None) -> dict:
    """Sign and decide the demo's commitments; returns counts for the build report."""
    rng = random.Random(SEED)
    at = now or dt.datetime.combine(as_of, dt.time(8, 0))
    counts = {"signed": 0, "kept": 0, "breached": 0, "withdrawn": 0}
    ids: list[str] = []

    def sign(s, template: str, sid: str, day: dt.date, channel: str, actor: str) -> str:  # noqa: ANN001
        c = service.sign(
            s,
            template_id=template,
            subject_id=sid,
            actor=actor,
            channel=channel,
            idempotency_key=f"demo:{template}:{sid}:{day.year}",
            now=at,
            signed_on=day,
            paper_ref=f"PAPER-{sid[-6:]}-{day.year}" if channel == "paper" else None,
        )
        counts["signed"] += 1
        ids.append(c.id)
        return c.id

    def step(s, cid: str, event: str, on: dt.date, reason: str, actor: str) -> None:  # noqa: ANN001
        if _step(s, cid, event, on, reason, actor, at):
            counts[event] += 1

    heping_office, jinghai_office = "和平区诚信办（演示）", "静海区诚信办（演示）"
    with session_scope(engine) as s, service.batched_ledger(s):
        for i, sid in enumerate(_roster(engine, "heping_hisense_plaza")):
            if i % 2 == 0:
                old = sign(
                    s,
                    "heping_honest_merchant",
                    sid,
                    _day(rng, dt.date(2023, 4, 1), dt.date(2023, 9, 30)),
                    "paper",
                    heping_office,
                )
                step(s, old, "kept", dt.date(2024, 1, 15), "年度核查：承诺期内无违诺 / kept", heping_office)
            online = rng.random() < 0.75
            day = _day(rng, dt.date(2026, 1, 5), min(as_of, dt.date(2026, 9, 30)))
            cid = sign(
                s,
                "heping_honest_merchant",
                sid,
                day,
                "online" if online else "paper",
                "商户账号（演示）" if online else heping_office,
            )
            if i % 40 == 7:
                step(
                    s,
                    cid,
                    "breached",
                    min(as_of, day + dt.timedelta(days=20)),
                    "经消费投诉核实存在虚假宣传 / false advertising",
                    heping_office,
                )
        for i, sid in enumerate(_roster(engine, "jinghai_haijixing")[:JINGHAI_SIGNED]):
            day = _day(rng, dt.date(2023, 3, 1), dt.date(2023, 12, 20))
            cid = sign(s, "jinghai_market_merchant", sid, day, "paper", jinghai_office)
            if i % 25 == 3:
                step(
                    s,
                    cid,
                    "breached",
                    day + dt.timedelta(days=30),
                    "抽检发现销售过期冻品 / sold expired frozen food",
                    jinghai_office,
                )
            elif i % 9 == 5:
                step(
                    s,
                    cid,
                    "withdrawn",
                    day + dt.timedelta(days=10),
                    "商户退场 / left the market",
                    jinghai_office,
                )
            else:
                step(
                    s,
                    cid,
                    "kept",
                    day + dt.timedelta(days=370),
                    "年度核查：承诺期内无违诺 / kept",
                    jinghai_office,
                )
        for sid in _roster(engine, "jinnan_exhibition")[:60]:
            day = _day(rng, dt.date(2023, 5, 1), dt.date(2023, 10, 31))
            sign(s, "jinnan_exhibition_organiser", sid, day, "paper", "津南区诚信办（演示）")
    publish(engine, commitment_ids=ids, as_of=as_of, now=at)
    return counts
