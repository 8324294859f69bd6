"""Demo step (xinyong.demo.service.DEMO_STEPS): 宝坻 villages on the points scheme with committees,
claims (approved and pending), restocked 积分超市 shelves, redemptions and archived events; 红桥's
2026-H1 ranking with subsidies. Idempotent: every write has a fixed key."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import Engine, select

from xinyong.books.service import BooksError
from xinyong.disclosure.policy import Viewer
from xinyong.points import enterprise, service
from xinyong.points.models import PointsDecision
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

ACTIVE_VILLAGES = 5
DEMO_PASSWORD = "xinyong-demo-2023"


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


def seed_demo(*, engine: Engine, as_of: dt.date, now: dt.datetime | None = None) -> dict:
    rng = random.Random(15)
    counts = {"villages": 0, "claims": 0, "approved": 0, "redeemed": 0, "firms_awarded": 0}
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
                for k in range(rng.randint(2, 5)):
                    item = rng.choice(items)
                    day = as_of - dt.timedelta(days=rng.randint(0, 60))
                    ev = {key: f"演示{key}" for key in item.get("evidence", [])}
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
    officer = Viewer(role="district_officer", district_code="120106", username="hongqiao")
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
        items = enterprise.load_scheme(enterprise.SCHEME_ID)["items"]
        for n, fid in enumerate(firms[::4]):
            item = items[n % len(items)]
            enterprise.award(
                s,
                subject_id=fid,
                item_id=item["id"],
                viewer=officer,
                on=dt.date(2026, 3, 1) + dt.timedelta(days=n % 100),
                idempotency_key=f"demo-{fid}",
            )
            counts["firms_awarded"] += 1
        result = enterprise.grant_subsidies(s, period="2026-H1", on=dt.date(2026, 7, 5))
        counts["hongqiao_ranked"] = len(result["ranked"])
        counts["hongqiao_subsidised"] = result["top_n"]
    return counts
