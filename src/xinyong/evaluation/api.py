"""REST endpoints of the evaluation engine: a subject's grades (with reasons, optionally "what would
change it"), its grade history, the runs, and the grade distribution per district over time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.deps import DB, current_viewer, require_login
from xinyong.dates import DateError, day_or_today
from xinyong.disclosure.policy import Viewer, subject_filter
from xinyong.evaluation import privacy, service
from xinyong.subjects.models import Subject

router = APIRouter(prefix="/api/v1", tags=["evaluation"])


def parse_day(raw: str | None, field: str = "as_of") -> dt.date:
    """xinyong.dates' parser (today when empty); a 422 naming the field, in Chinese and English."""
    try:
        return day_or_today(raw, field=field)
    except DateError as exc:
        raise HTTPException(422, detail=exc.detail()) from None


def visible_subject(session: Session, viewer: Viewer, subject_id: str) -> Subject:
    """404 for a subject the viewer may not know of (same answer as for one that does not exist)."""
    subj = session.scalar(select(Subject).where(Subject.id == subject_id, subject_filter(viewer)))
    if subj is None:
        raise HTTPException(404, detail=f"主体不存在 / subject not found: {subject_id}")
    return subj


@router.get("/subjects/{subject_id}/grades")
def subject_grades(
    request: Request,
    subject_id: str,
    as_of: str | None = Query(None, description="YYYY-MM-DD; default today"),
    explain: bool = Query(
        False, description="add 'what would change it' (logged-in viewers; computed on demand)"
    ),
    session: Session = DB,
) -> dict[str, Any]:
    """Latest grade per model as of a date (信用等级), with reason codes."""
    viewer = current_viewer(request)
    visible_subject(session, viewer, subject_id)
    day = parse_day(as_of)
    grades = service.latest_grades(session, subject_id, day, viewer)
    if explain and not viewer.is_public:
        models = service.load_models()
        for g in grades:
            if g["model_id"] in models:
                g["explanation"] = service.explain(
                    session, subject_id=subject_id, model_id=g["model_id"], as_of=day, models=models
                )
    return {"subject_id": subject_id, "as_of": day.isoformat(), "grades": grades}


@router.get("/subjects/{subject_id}/grades/history")
def subject_grade_history(
    request: Request,
    subject_id: str,
    model: str | None = Query(None, max_length=64),
    session: Session = DB,
) -> dict[str, Any]:
    """Every stored result of the subject, oldest first (评价历史)."""
    viewer = current_viewer(request)
    visible_subject(session, viewer, subject_id)
    return {"subject_id": subject_id, "history": service.grade_history(session, subject_id, model, viewer)}


@router.get("/evaluation/runs")
def evaluation_runs(
    model: str | None = Query(None, max_length=64),
    limit: int = Query(100, ge=1, le=1000),
    _viewer: Viewer = Depends(require_login),
    session: Session = DB,
) -> dict[str, Any]:
    """Evaluation runs, newest first (model version, as-of date, engine, subjects, seconds)."""
    return {"runs": service.list_runs(session, model_id=model, limit=limit)}


@router.get("/evaluation/distribution")
def evaluation_distribution(
    model: str = Query(..., max_length=64),
    district: str | None = Query(None, pattern=r"^\d{6}$"),
    view_min_score: float | None = Query(
        None, description="display filter only: count subjects scoring at least this"
    ),
    _viewer: Viewer = Depends(require_login),
    session: Session = DB,
) -> dict[str, Any]:
    """Grade counts per as-of date for a model (等级分布), optionally one district. `view_min_score` is
    refused (422) for a personal model (a person's score)."""
    try:
        series = service.distribution(
            session, model_id=model, district=district, view_min_score=view_min_score
        )
    except privacy.Withheld as exc:
        raise HTTPException(422, detail=f"view_min_score: {exc.zh} / {exc.en}") from None
    return {"model": model, "district": district, "view_min_score": view_min_score, "series": series}
