"""Demo activity of risk early warning (a DEMO_STEPS module): three watchlists (和平's whitelist of pilot
firms, 河西's building roster, the bank's borrowers), the roster's baseline scan, one serious penalty
ingested for a whitelisted firm (never the `merchant` login's: `_alert_firm`) — which the worker pass
turns into an alert, a suspension pending review and inbox items — and the officers' daily digest.
Idempotent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from xinyong.accounts.models import User
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

SOURCE = "市场监管委"


def _alert_firm(engine: Engine, candidates: list[Subject]) -> Subject | None:
    """The whitelisted firm the serious penalty is planted on: the first candidate that is neither bound
    to a demo login (the `merchant` account's subject) nor the repair demo's enterprise (the first 和平
    non-person subject with a credit code, pilots first — the query of accounts.seed_demo_users). A
    serious penalty there would veto the grade that approving the merchant's repair recomputes, so the
    repair walkthrough would lower the grade instead of lifting the penalty off the card."""
    with session_scope(engine) as s:
        taken = set(s.scalars(select(User.subject_id).where(User.subject_id.is_not(None))))
        taken.add(
            s.scalar(
                select(Subject.id)
                .where(Subject.district_code == "120101", Subject.kind != "person", Subject.uscc.is_not(None))
                .order_by(Subject.pilot.is_(None), Subject.id)
                .limit(1)
            )
        )
    return next((x for x in candidates if x.id not in taken), None)


def seed_demo(*, engine: Engine, as_of: dt.date, now: dt.datetime | None = None) -> dict:
    from xinyong.alerts import service
    from xinyong.ingest.service import ingest_rows
    from xinyong.notify.digest import run_daily as digest
    from xinyong.notify.worker import run_once
    from xinyong.settings import Settings

    now = now or dt.datetime.combine(as_of, dt.time(2, 0))  # 10:00 in Beijing on the demo's last day
    with session_scope(engine) as s:
        users = dict(s.execute(select(User.username, User.id)).all())
        heping = list(
            s.scalars(
                select(Subject)
                .where(
                    Subject.district_code == "120101", Subject.pilot.is_not(None), Subject.uscc.is_not(None)
                )
                .order_by(Subject.id)
                .limit(5)
            )
        )
        hexi_pilot = s.scalar(
            select(Subject.pilot)
            .where(Subject.district_code == "120103", Subject.pilot.is_not(None))
            .limit(1)
        )
        borrowers = list(
            s.scalars(select(Subject.id).where(Subject.kind == "enterprise").order_by(Subject.id).limit(3))
        )
        lists = [
            (
                "heping_white",
                "和平区诚信经营白名单",
                "Heping whitelist",
                "whitelist",
                "120101",
                None,
                "heping",
                0,
            ),
            (
                "hexi_buildings",
                "河西区楼宇企业名单",
                "Hexi building roster",
                "roster",
                "120103",
                hexi_pilot,
                "hexi",
                0,
            ),
            ("bank_borrowers", "交通银行借款企业", "Bank borrowers", "borrowers", None, None, "bank", 7),
        ]
        for wid, zh, en, kind, district, pilot, owner, push in lists:
            if s.get(service.Watchlist, wid) is None:
                service.create_watchlist(
                    s,
                    watchlist_id=wid,
                    name_zh=zh,
                    name_en=en,
                    kind=kind,
                    district_code=district,
                    pilot=pilot,
                    owner_user_ids=[users[owner]] if owner in users else [],
                    push_days=push,
                    actor="demo",
                    now=now,
                )
        if heping:
            service.add_members(
                s, watchlist_id="heping_white", subject_ids=[x.id for x in heping], actor="demo", now=now
            )
        if borrowers:
            service.add_members(
                s, watchlist_id="bank_borrowers", subject_ids=borrowers, actor="demo", now=now
            )
        scanned = service.scan(s, watchlist_id="hexi_buildings", as_of=as_of, now=now)
    accepted = 0
    firm = _alert_firm(engine, heping)
    if firm is not None:
        row = {
            "行政相对人名称": firm.name,
            "行政相对人类别": "法人及非法人组织",
            "行政相对人代码_1(统一社会信用代码)": firm.uscc,
            "处罚决定书文号": "津和市监罚〔2026〕预警演示1号",
            "违法行为类型": "违反《食品安全法》",
            "违法事实": "使用超过保质期的食品原料，情节严重",
            "处罚依据": "《中华人民共和国食品安全法》第一百二十四条",
            "处罚类别": "吊销许可证",
            "处罚内容": "吊销食品经营许可证",
            "处罚决定日期": (as_of - dt.timedelta(days=2)).isoformat(),
            "处罚机关": "天津市和平区市场监督管理局",
        }
        accepted = ingest_rows(engine=engine, rows=[row], source=SOURCE, kind="penalty", now=now).accepted
    passes = run_once(engine, now=now, settings=Settings(), worker="demo")
    digests = digest(engine, now=now)
    run_once(engine, now=now, settings=Settings(), worker="demo")
    with session_scope(engine) as s:
        alerts = len(service.list_alerts(s))
    return {
        "baseline": scanned["baseline"],
        "penalties": accepted,
        "alerts": alerts,
        "events": passes["events"],
        **digests,
    }
