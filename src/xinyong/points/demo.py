"""Demo step (xinyong.demo.service.DEMO_STEPS): 宝坻 villages on the points scheme with committees,
claims (approved and pending), restocked 积分超市 shelves, redemptions and archived events; 红桥's
2026-H1 ranking with subsidies and 2026-H2 points so far. Idempotent: every write has a fixed key.

Logins (docs/accounts.md): `cunwei` (the first village's committee) and `cunmin` (a villager of that
village with approved claims, a pending one and a redemption). 红桥's firms are graded with the city
model as of 2026-06-30 (a real evaluation run, once), so the H1 ranking adds grade points that were
known at the period end to the points each firm earned; H2 (to the demo's end) has its own awards."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from sqlalchemy import Engine, select

from xinyong.books.service import BooksError
from xinyong.disclosure.policy import Viewer
from xinyong.points import enterprise, service
from xinyong.points.models import PointsDecision
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

ACTIVE_VILLAGES = 5
DEMO_PASSWORD = "xinyong-demo-2023"
# Evidence of the generated claims, as a committee would read it (one text per scheme item, else per
# evidence field; docs/points.md). Never the field's own key: "事迹说明：演示description" read as a leak.
DEMO_DEEDS = {
    "honesty": "拾到村民遗失的钱包，当天交还失主",
    "filial_piety": "长期照顾患病的婆婆，邻里称道",
}
DEMO_EVIDENCE = {
    "description": "热心帮助邻里，村民小组长核实",
    "activity": "村庄环境整治志愿服务",
    "sign_in": "村委会签到表",
    "session": "支部主题党日学习",
    "photo": "现场照片（村委会存档）",
}


def _committee_login(session, village_id: str) -> None:  # noqa: ANN001
    from xinyong.accounts import service as accounts
    from xinyong.accounts.models import User

    if session.scalar(select(User.id).where(User.username == "cunwei")) is None:
        accounts.create_user(
            session,
            username="cunwei",
            role="subject",
            subject_id=village_id,
            password=DEMO_PASSWORD,
            display_name="试点村村委会",
        )


def _villager_login(session, villager_id: str) -> None:  # noqa: ANN001
    from xinyong.accounts import service as accounts
    from xinyong.accounts.models import User

    if session.scalar(select(User.id).where(User.username == "cunmin")) is None:
        accounts.create_user(
            session,
            username="cunmin",
            role="subject",
            subject_id=villager_id,
            password=DEMO_PASSWORD,
            display_name="试点村村民（演示）",
        )


def _grade_hongqiao(engine: Engine, on: dt.date) -> int:
    """Grade the 红桥 district with the scheme's city model as of `on` (once): the H1 ranking needs
    the grade known at the period end. Returns the firms graded now (0 when it was done)."""
    from xinyong.evaluation.models import EvaluationRun
    from xinyong.evaluation.service import evaluate
    from xinyong.settings import get_settings

    model = enterprise.load_scheme(enterprise.SCHEME_ID)["grade_model"]
    with session_scope(engine) as s:
        done = s.scalar(
            select(EvaluationRun.id).where(
                EvaluationRun.model_id == model,
                EvaluationRun.as_of == on,
                EvaluationRun.district_code == "120106",
            )
        )
    if done is not None:
        return 0
    url = engine.url  # the demo keeps its Parquet snapshot beside an SQLite file (xinyong.demo.service)
    folder = (
        Path(url.database).parent
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        else get_settings().data_dir
    )
    return evaluate(
        engine, model_id=model, as_of=on, district="120106", snapshot_dir=folder / "snapshot"
    ).subjects


def _award_firms(s, firms: list[str], as_of: dt.date, now: dt.datetime | None) -> int:  # noqa: ANN001
    """0–3 awards per firm and half year (H1: January–June, H2: July to the demo's end)."""
    rng = random.Random(1506)
    officer = Viewer(role="district_officer", district_code="120106", username="hongqiao")
    items = enterprise.load_scheme(enterprise.SCHEME_ID)["items"]
    halves = (
        (dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 7, 1), min(as_of, dt.date(2026, 12, 31))),
    )
    n = 0
    for fid in firms:
        for h, (start, end) in enumerate(halves, 1):
            for k in range(rng.choice((0, 0, 1, 1, 2, 3))):
                item = rng.choice(items)
                on = start + dt.timedelta(days=rng.randint(0, (end - start).days))
                enterprise.award(
                    s,
                    subject_id=fid,
                    item_id=item["id"],
                    viewer=officer,
                    on=on,
                    idempotency_key=f"demo-{fid}-H{h}-{k}",
                    now=now,
                )
                n += 1
    return n


def _story(s, pid: str, member: str, as_of: dt.date, now: dt.datetime | None) -> int:  # noqa: ANN001
    """Three approved claims in the two months before the demo's end (10 + 8 + 5 points)."""
    story = (
        ("honesty", 50, "帮邻居找回走失的老人"),
        ("filial_piety", 40, "照顾卧床母亲"),
        ("volunteering", 20, ""),
    )
    for n, (item_id, days, text) in enumerate(story):
        evidence = (
            {"activity": "重阳节敬老志愿服务", "sign_in": "村委会签到表第 3 页"}
            if item_id == "volunteering"
            else {"description": text}
        )
        day = as_of - dt.timedelta(days=days)
        c = service.claim(
            s,
            villager_id=pid,
            item_id=item_id,
            evidence=evidence,
            claimed_on=day,
            idempotency_key=f"demo-{pid}-story-{n}",
            submitted_by="demo",
        )
        service.decide(s, claim_id=c.id, actor=member, approve=True, decided_on=day, now=now)
    return len(story)


def seed_demo(*, engine: Engine, as_of: dt.date, now: dt.datetime | None = None) -> dict:
    rng = random.Random(15)
    counts = {"villages": 0, "claims": 0, "approved": 0, "redeemed": 0}
    with session_scope(engine) as s:
        villages = list(
            s.scalars(
                select(Subject.id)
                .where(Subject.kind == "village", Subject.district_code == "120115")
                .order_by(Subject.id)
            )
        )
        for i, vid in enumerate(villages):
            service.enrol_village(s, village_id=vid, joined_on=dt.date(2026, 1, 1))
            if i < 3:
                service.mark_exemplary(s, village_id=vid, on=dt.date(2026, 6, 30))
        counts["villages"] = len(villages)
        for i, vid in enumerate(villages[:ACTIVE_VILLAGES]):
            member = "cunwei" if i == 0 else f"cunwei{i}"
            service.add_committee_member(
                s, village_id=vid, username=member, name="村委会委员", on=dt.date(2026, 1, 1)
            )
            if i == 0:
                _committee_login(s, vid)
                first = s.scalar(
                    select(Subject.id)
                    .where(Subject.parent_id == vid, Subject.kind == "person")
                    .order_by(Subject.id)
                    .limit(1)
                )
                if first is not None:
                    _villager_login(s, first)
            scheme = service.scheme_for(s, vid)
            for g in scheme["catalogue"]:
                service.restock(
                    s,
                    village_id=vid,
                    sku=g["sku"],
                    quantity=20,
                    actor=member,
                    idempotency_key=f"demo-{g['sku']}",
                    on=dt.date(2026, 9, 1),
                )
            people = list(
                s.scalars(
                    select(Subject.id)
                    .where(Subject.parent_id == vid, Subject.kind == "person")
                    .order_by(Subject.id)
                )
            )
            items = [it for it in scheme["items"] if it["points"] > 0]
            for j, pid in enumerate(people):
                if i == 0 and j == 0:  # the `cunmin` login: earns, is approved, then redeems below
                    counts["approved"] += _story(s, pid, member, as_of, now)
                for k in range(rng.randint(2, 5)):
                    item = rng.choice(items)
                    day = as_of - dt.timedelta(days=rng.randint(0, 60))
                    ev = {
                        key: DEMO_DEEDS.get(item["id"], DEMO_EVIDENCE[key])
                        if key == "description"
                        else DEMO_EVIDENCE[key]
                        for key in item.get("evidence", [])
                    }
                    c = service.claim(
                        s,
                        villager_id=pid,
                        item_id=item["id"],
                        evidence=ev,
                        claimed_on=day,
                        idempotency_key=f"demo-{pid}-{k}",
                        submitted_by="demo",
                    )
                    counts["claims"] += 1
                    if k == 0 and j % 3 == 0:
                        continue  # left in the approval queue
                    service.decide(s, claim_id=c.id, actor=member, approve=True, decided_on=day, now=now)
                    counts["approved"] += 1
                if j % 2 == 0:
                    try:
                        service.redeem(
                            s,
                            villager_id=pid,
                            sku="soap",
                            quantity=1,
                            actor=member,
                            idempotency_key=f"demo-{pid}",
                            on=as_of - dt.timedelta(days=3),
                            now=now,
                        )
                        counts["redeemed"] += 1
                    except BooksError:
                        pass  # not enough points yet: refused, nothing written
        counts["decisions"] = len(s.scalars(select(PointsDecision.id)).all())
    service.sync_archive(engine, now=now)
    counts["hongqiao_graded"] = _grade_hongqiao(engine, dt.date(2026, 6, 30))
    with session_scope(engine) as s:
        firms = list(
            s.scalars(
                select(Subject.id)
                .where(
                    Subject.pilot == "hongqiao_zhengrong_building",
                    Subject.kind.in_(["enterprise", "individual_business"]),
                )
                .order_by(Subject.id)
            )
        )
        counts["firm_awards"] = _award_firms(s, firms, as_of, now)
        result = enterprise.grant_subsidies(s, period="2026-H1", on=dt.date(2026, 7, 5))
        counts["hongqiao_ranked"] = len(result["ranked"])
        counts["hongqiao_subsidised"] = result["subsidised"]
    return counts
