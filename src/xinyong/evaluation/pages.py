"""Console pages: the grade distribution per district and model (/evaluation) and the grade card
fragment with its explanation (htmx), which the archive page can include as `grade_card.html`."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong.accounts.deps import DB, require_console_role
from xinyong.console.templating import render
from xinyong.disclosure.policy import LOGIN_ROLES, Viewer
from xinyong.evaluation import service
from xinyong.evaluation.api import parse_day, visible_subject

router = APIRouter(include_in_schema=False)
console_viewer = require_console_role(*LOGIN_ROLES)


def _district_names() -> dict[str, str]:
    from xinyong.programmes.service import load_districts

    return {d.code: d.name for d in load_districts()}


@router.get("/evaluation", response_class=HTMLResponse)
def evaluation_page(
    request: Request,
    model: str | None = Query(None, max_length=64),
    district: str | None = Query(None, max_length=6),
    viewer: Viewer = Depends(console_viewer),
    session: Session = DB,
):
    models = service.load_models()
    model_id = model if model in models else (next(iter(sorted(models))) if models else None)
    names = _district_names()
    breakdown = service.district_breakdown(session, model_id=model_id) if model_id else None
    series = service.distribution(session, model_id=model_id, district=district or None) if model_id else []
    chart = None
    if breakdown:
        chart = {
            "districts": [names.get(d, d or "—") for d in breakdown["districts"]],
            "grades": [g["grade"] for g in breakdown["grades"]],
            "labels": {g["grade"]: f"{g['grade']} {g['label_zh']}" for g in breakdown["grades"]},
            "counts": breakdown["counts"],
            "dates": [s["as_of"] for s in series],
            "over_time": {
                g["grade"]: [s["grades"].get(g["grade"], 0) for s in series] for g in breakdown["grades"]
            },
        }
    return render(
        request,
        "evaluation_page.html",
        models=models,
        model_id=model_id,
        district=district or "",
        districts=names,
        breakdown=breakdown,
        series=series,
        runs=service.list_runs(session, model_id=model_id, limit=20),
        chart_json=json.dumps(chart, ensure_ascii=False).replace("<", "\\u003c") if chart else "null",
        viewer=viewer,
    )


@router.get("/evaluation/card/{subject_id}", response_class=HTMLResponse)
def grade_card(
    request: Request,
    subject_id: str,
    model: str = Query(..., max_length=64),
    as_of: str | None = Query(None),
    viewer: Viewer = Depends(console_viewer),
    session: Session = DB,
):
    """One grade with its reasons and "what would change it" (python engine, on demand)."""
    visible_subject(session, viewer, subject_id)
    day = parse_day(as_of)
    grades = [g for g in service.latest_grades(session, subject_id, day, viewer) if g["model_id"] == model]
    if not grades:
        raise HTTPException(
            404, detail="该主体尚无此模型的评价结果 / no result of this model for the subject"
        )
    g = grades[0]
    models = service.load_models()
    if model in models:
        g["explanation"] = service.explain(
            session, subject_id=subject_id, model_id=model, as_of=day, models=models
        )
    return render(request, "grade_card.html", g=g, subject_id=subject_id)


REGRADERS = ("city_admin", "district_officer")  # grade_card.html shows the button to the same roles


@router.post("/evaluation/regrade")
async def regrade(
    request: Request,
    viewer: Viewer = Depends(require_console_role(*REGRADERS)),
    session: Session = DB,
):
    """重新评价: re-grade the subject's district under one model as of today (Beijing), storing results
    only for subjects whose grades are stale or missing (`evaluate(..., changed=True)`), then back to
    the subject's archive. A district officer re-grades their own district only; another district's
    subject answers 404 like an unknown one."""
    from fastapi.responses import RedirectResponse
    from starlette.concurrency import run_in_threadpool

    from xinyong import clock

    form = await request.form()
    subject_id, model_id = str(form.get("subject_id", "")), str(form.get("model", ""))
    subject = visible_subject(session, viewer, subject_id)
    if viewer.role == "district_officer" and subject.district_code != viewer.district_code:
        raise HTTPException(404, detail=f"信用主体不存在 / subject not found: {subject_id}")
    if model_id not in service.load_models():
        raise HTTPException(422, detail=f"未知模型 {model_id} / unknown model {model_id}")
    district = subject.district_code
    session.close()  # evaluate() commits in its own transactions
    summary = await run_in_threadpool(  # minutes at city scale: never on the event loop
        service.evaluate,
        request.app.state.engine,
        model_id=model_id,
        as_of=clock.today(),
        district=district,
        changed=True,
    )
    return RedirectResponse(
        f"/subjects/{subject_id}?regraded={model_id}&n={summary.subjects}", status_code=303
    )
