"""Demo step (xinyong.demo.service.DEMO_STEPS): 和平's random-inspection plan with a completed draw.

和平区市场监管局 inspects the 海信广场 merchants under the `heping_mall` scheme (good credit: lower
ratio): 12 inspectors (one tied to a merchant, so avoidance has work to do), one plan, one draw
committed on the demo's end date (after its evaluation, so tiers follow its grades), run with a typed-in outside value, and a result for
every target (mostly passed; one rectification, one failure), published as inspection records.
The demo secret is derived from a fixed text so the demo is deterministic; real draws use
`secrets.token_hex`. Idempotent: a second call finds the plan and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from xinyong.draws import service
from xinyong.draws.models import DrawReveal, InspectionPlan
from xinyong.subjects.models import Subject

PLAN_ID = "heping-mall-2026"
DEPARTMENT = "和平区市场监管局"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙"
GIVEN = ("建国", "志强", "海燕", "立新", "晓东", "丽华", "文博", "雪梅", "振华", "春生", "秀英", "国庆")


def seed_demo(*, engine: Engine, as_of: dt.date, now: dt.datetime | None = None) -> dict:
    """Create 和平's plan, one completed draw and its results; {inspectors, targets, results}."""
    # the whole draw happens on the demo's last day, after its evaluation, so tiers follow the demo's grades
    committed_at = dt.datetime.combine(as_of, dt.time(0, 30))
    with Session(engine) as s, s.begin():
        if s.get(InspectionPlan, PLAN_ID) is not None:
            return {"inspectors": 0, "targets": 0, "results": 0}
        merchant = s.scalar(
            select(Subject.id)
            .where(Subject.pilot == "heping_hisense_plaza", Subject.kind == "enterprise")
            .order_by(Subject.id)
            .limit(1)
        )
        if merchant is None:  # no 和平 pilot in this build (e.g. a scaled-down roster)
            return {"inspectors": 0, "targets": 0, "results": 0}
        for k in range(12):
            service.add_inspector(
                s,
                inspector_id=f"JC120101{k + 1:04d}",
                name=SURNAMES[k] + GIVEN[k],
                department=DEPARTMENT,
                district_code="120101",
                unit="和平区市场监管局" + ("劝业场市场监管所" if k % 2 else "南营门市场监管所"),
                affiliations=[merchant] if k == 0 else [],
                now=committed_at,
            )
        service.create_plan(
            s,
            plan_id=PLAN_ID,
            district_code="120101",
            department=DEPARTMENT,
            name="2026年海信广场入驻商户“双随机、一公开”抽查",
            items="营业执照公示、明码标价、商品质量",
            scheme_id="heping_mall",
            inspectors_per_target=2,
            actor="heping",
            now=committed_at,
        )
        draw = service.commit_draw(
            s,
            plan_id=PLAN_ID,
            as_of=as_of,
            actor="heping",
            now=committed_at,
            secret_hex=hashlib.sha256("xinyong demo 和平 2026 抽查".encode()).hexdigest(),
        )
        draw_id = draw.id
        outcome = service.run_draw(
            s,
            draw_id=draw_id,
            actor="heping",
            outside_value="演示 福彩3D 第2026270期 5 1 8",
            now=committed_at + dt.timedelta(minutes=30),
        )
    if outcome.status != "drawn":
        return {"inspectors": 12, "targets": 0, "results": 0}
    results = 0
    for i, t in enumerate(outcome.targets):
        result = "failed" if i == 1 else "rectify" if i == 2 else "passed"
        service.enter_result(
            engine,
            draw_id=draw_id,
            subject_id=t["subject_id"],
            result=result,
            findings={"failed": "未明码标价，商品标签不全", "rectify": "营业执照未在显著位置公示"}.get(
                result
            ),
            inspection_date=as_of,
            actor="heping",
            now=dt.datetime.combine(as_of, dt.time(9, 0)),
        )
        results += 1
    with Session(engine) as s:
        assert s.get(DrawReveal, draw_id) is not None
    return {"inspectors": 12, "targets": len(outcome.targets), "results": results}
