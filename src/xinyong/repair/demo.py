"""Demo step (xinyong.demo.service.DEMO_STEPS): credit repair and objections in the demo city.

* The demo enterprise — the subject the demo login `merchant` is bound to (the first 和平 pilot
  enterprise, as accounts.service.seed_demo_users picks it) — gets a general penalty (罚款) decided
  120 days before the demo's end date, so it is repairable (Order 36: 3 months) and the repair page
  shows the date it became repairable.
* A few other firms' negative records get applications in each state: awaiting review, more
  evidence requested, approved (record repaired), rejected, and one objection being verified.

Records enter through ingest (source 市场监管委 (演示)); steps through the repair service. Idempotent:
the penalty has a fixed decision number, and firms that already have a case are left alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from xinyong.records.models import Record
from xinyong.repair import service
from xinyong.repair.models import RepairCase
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

SOURCE = "市场监管委"
DECISION_NO = "津和市监罚〔2026〕演示修复1号"
EVIDENCE = [
    service.Evidence("correction", "整改报告.txt", "text/plain", "已完成整改。".encode()),
    service.Evidence("obligations", "罚款缴纳凭证.txt", "text/plain", "罚款已缴清。".encode()),
]


def demo_enterprise(session: Any) -> Subject | None:
    """The subject of the demo `merchant` login: the first 和平 (120101) non-person subject with a
    unified social credit code (the penalty is ingested by it), pilots first — the query of
    accounts.service.seed_demo_users."""
    return session.scalar(
        select(Subject)
        .where(Subject.district_code == "120101", Subject.kind != "person", Subject.uscc.is_not(None))
        .order_by(Subject.pilot.is_(None), Subject.id)
        .limit(1)
    )


def _penalty_row(subject: Subject, decided: dt.date) -> dict[str, str]:
    return {
        "subject_name": subject.name,
        "uscc": subject.uscc or "",
        "decision_no": DECISION_NO,
        "penalty_name": "未按规定公示年度报告",
        "penalty_type": "罚款",
        "fine_amount": "0.5",
        "decision_date": decided.isoformat(),
        "authority": "天津市和平区市场监督管理局",
    }


def seed_demo(*, engine: Engine, as_of: dt.date, now: dt.datetime | None = None) -> dict[str, int]:
    """Seed the demo repair cases; returns {"penalty": 0|1, "cases": n}."""
    from xinyong.ingest.service import ingest_rows

    now = now or dt.datetime.combine(as_of, dt.time(2, 0))
    added = 0
    with session_scope(engine) as s:
        subject = demo_enterprise(s)
        have = s.scalar(select(Record.id).where(Record.source_record_id == DECISION_NO))
        row = _penalty_row(subject, as_of - dt.timedelta(days=120)) if subject is not None else None
    if row is not None and have is None and row["uscc"]:
        res = ingest_rows(
            engine=engine, rows=[row], source=SOURCE, kind="penalty", filename="demo-repair", now=now
        )
        added = res.accepted
    cases = 0
    with session_scope(engine) as s:
        if s.scalar(select(RepairCase.id).limit(1)) is not None:
            return {"penalty": added, "cases": 0}
        merchant = demo_enterprise(s)
        firms = s.execute(
            select(Record.id, Record.subject_id)
            .join(Subject, Subject.id == Record.subject_id)
            .where(
                Record.kind == "penalty",
                Record.severity.in_(("general", "minor")),
                Subject.kind != "person",
                Subject.id != (merchant.id if merchant else ""),
                Record.occurred_on <= as_of - dt.timedelta(days=200),
            )
            .order_by(Record.occurred_on.desc(), Record.id)
            .limit(60)
        ).all()
        used: set[str] = set()
        picked = []
        for rid, sid in firms:
            if sid not in used:
                used.add(sid)
                picked.append(rid)
        plan = ["submitted", "more_requested", "approved", "rejected", "objection"]
        received = as_of - dt.timedelta(days=14)
        for rid, step in zip(picked, plan, strict=False):
            if step == "objection":
                service.open_objection(
                    s,
                    record_id=rid,
                    applicant="演示企业",
                    statement="处罚决定已被行政复议撤销，申请核实",
                    evidence=[],
                    as_of=received,
                    now=now,
                )
                cases += 1
                continue
            case = service.apply_repair(
                s,
                record_id=rid,
                applicant="演示企业",
                statement="已完成整改并缴清罚款",
                evidence=EVIDENCE,
                accept_commitment=True,
                as_of=received,
                now=now,
            )
            cases += 1
            if step != "submitted":
                reason = {
                    "more_requested": "缴款凭证不清晰，请重新上传",
                    "approved": "材料齐全，准予修复",
                    "rejected": "整改报告未说明整改措施",
                }[step]
                service.decide_repair(
                    s,
                    case_id=case.id,
                    decision=step,
                    actor="和平区诚信办（演示）",
                    reason=reason,
                    as_of=received + dt.timedelta(days=4),
                    now=now,
                )
    return {"penalty": added, "cases": cases}
