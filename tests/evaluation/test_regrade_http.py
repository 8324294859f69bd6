"""重新评价 from the console: a district officer re-grades a subject whose grade is stale (评价后有新记录);
the new grade is stored as of today and is no longer stale. Others may not (own module: it changes the
world)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from xinyong import clock
from xinyong.evaluation import service
from xinyong.evaluation.models import EvaluationRun
from xinyong.records.models import Record
from xinyong.status.service import change_status
from xinyong.store.db import session_scope


def _latest(engine, subject_id: str) -> dict:  # noqa: ANN001
    with session_scope(engine) as s:
        (g,) = [
            g
            for g in service.latest_grades(s, subject_id, clock.today())
            if g["model_id"] == "city_enterprise"
        ]
        return g


def test_officer_regrades_a_stale_subject_and_nobody_else_may(credit_client, credit_world, tmp_path):
    client, auth = credit_client
    w = credit_world
    service.evaluate(w.engine, model_id="city_enterprise", as_of=dt.date(2025, 6, 30), snapshot_dir=tmp_path)
    with session_scope(w.engine) as s:
        fine = s.scalar(
            select(Record.id).where(
                Record.subject_id == w.shop, Record.kind == "penalty", Record.severity == "general"
            )
        )
        change_status(
            s,
            record_id=fine,
            event="repaired",
            actor="和平区市场监管局",
            reason="信用修复",
            effective_on=dt.date(2025, 7, 1),
        )
    before = _latest(w.engine, w.shop)
    assert before["stale_since"] is not None and before["as_of"] == "2025-06-30"
    page = client.get(
        f"/evaluation/card/{w.shop}", params={"model": "city_enterprise"}, headers=auth["heping"]
    )
    assert page.status_code == 200 and 'action="/evaluation/regrade"' in page.text
    form = {"subject_id": w.shop, "model": "city_enterprise"}

    assert (
        client.post(
            "/evaluation/regrade", data=form, headers=auth["hexi"], follow_redirects=False
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/evaluation/regrade", data=form, headers=auth["shop"], follow_redirects=False
        ).status_code
        == 403
    )
    bad = client.post("/evaluation/regrade", data={**form, "model": "nope"}, headers=auth["heping"])
    assert bad.status_code == 422 and "nope" in bad.text
    with session_scope(w.engine) as s:
        assert s.scalar(select(EvaluationRun).where(EvaluationRun.as_of == clock.today())) is None

    r = client.post("/evaluation/regrade", data=form, headers=auth["heping"], follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(
        f"/subjects/{w.shop}?regraded=city_enterprise"
    )
    after = _latest(w.engine, w.shop)
    assert after["as_of"] == clock.today().isoformat() and after["stale_since"] is None
    with session_scope(w.engine) as s:
        run = s.scalar(select(EvaluationRun).where(EvaluationRun.as_of == clock.today()))
    assert run.district_code == "120101"
