"""The repair walkthrough on a small demo build (issue 13 "Done when"), on SQLite and PostgreSQL.

The `merchant` login's firm carries the repair demo's general penalty and nothing serious: the alerts
demo plants its serious "预警演示" penalty on another whitelisted firm. Approving the merchant's
repair takes the penalty off the public card and cannot lower its city_enterprise score — by the
model's rule, removing a negative record never takes points away (a new-user walkthrough once saw
B 78 turn into C 64, because the re-grade applied the serious penalty's veto).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.models import User
from xinyong.demo.generator import DemoConfig
from xinyong.demo.service import build_demo
from xinyong.evaluation import service as evaluation
from xinyong.public.service import build_card
from xinyong.records.models import Record
from xinyong.repair import service as repair
from xinyong.repair.demo import DECISION_NO, EVIDENCE, demo_enterprise
from xinyong.status.service import statuses
from xinyong.store.db import make_engine, session_scope

SMALL = DemoConfig(seed=2023, scale=0.02)
MODEL = "city_enterprise"


def _score(engine, subject_id: str, as_of: dt.date) -> float:  # noqa: ANN001
    with Session(engine) as s:
        grades = {g["model_id"]: g for g in evaluation.latest_grades(s, subject_id, as_of)}
    assert MODEL in grades, f"the merchant should be graded by {MODEL}: {sorted(grades)}"
    return grades[MODEL]["score"]


def _card_negative(engine, subject_id: str, as_of: dt.date) -> set[str]:  # noqa: ANN001
    with engine.connect() as conn:
        return {
            r.id for r in build_card(conn, subject_id=subject_id, as_of=as_of, with_grades=False).negative
        }


def test_merchant_repair_never_lowers_its_grade(db_url):
    build_demo(url=db_url, config=SMALL, fresh=False)
    engine = make_engine(db_url)
    end = SMALL.end
    with Session(engine) as s:
        merchant = s.scalar(select(User.subject_id).where(User.username == "merchant"))
        assert merchant is not None and demo_enterprise(s).id == merchant
        penalty = s.scalar(select(Record.id).where(Record.source_record_id == DECISION_NO))
        assert s.get(Record, penalty).subject_id == merchant
        alert_firm = s.scalar(select(Record.subject_id).where(Record.source_record_id.like("%预警演示%")))
        assert alert_firm is not None and alert_firm != merchant  # the alerts demo did plant its penalty
        serious = list(
            s.scalars(
                select(Record.id).where(
                    Record.subject_id == merchant, Record.kind == "penalty", Record.severity == "serious"
                )
            )
        )
        active = statuses(s, record_ids=serious, as_of=end) if serious else {}
        assert [r for r in serious if active[r] == "active"] == []
    before = _score(engine, merchant, end)
    assert penalty in _card_negative(engine, merchant, end)

    now = clock.utcnow_naive()  # after the demo's grading run started, so the re-grade sees the change
    with session_scope(engine) as s:
        case = repair.apply_repair(
            s,
            record_id=penalty,
            applicant="试点商户",
            statement="已完成整改并缴清罚款",
            evidence=EVIDENCE,
            accept_commitment=True,
            as_of=end,
            now=now,
        )
        case_id = case.id
    with session_scope(engine) as s:
        repair.decide_repair(
            s,
            case_id=case_id,
            decision="approved",
            actor="和平区诚信办",
            reason="材料齐全",
            as_of=end,
            now=now,
        )
    assert MODEL in repair.recompute_grades(engine, subject_id=merchant, as_of=end)
    after = _score(engine, merchant, end)
    assert after >= before, f"approving a repair lowered {MODEL}: {before} → {after}"
    assert penalty not in _card_negative(engine, merchant, end)
    engine.dispose()
