"""Console home page: per-district counts of subjects and records."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from xinyong.console.templating import render
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    engine = request.app.state.engine
    with engine.connect() as conn:
        subjects = dict(conn.execute(select(Subject.district_code, func.count()).group_by(Subject.district_code)).all())
        records = dict(
            conn.execute(
                select(Subject.district_code, func.count())
                .select_from(Record)
                .join(Subject, Subject.id == Record.subject_id)
                .group_by(Subject.district_code)
            ).all()
        )
    from xinyong.programmes.service import load_districts

    rows = [
        {"district": d, "subjects": subjects.get(d.code, 0), "records": records.get(d.code, 0)}
        for d in load_districts()
    ]
    return render(request, "home.html", rows=rows, total_subjects=sum(subjects.values()),
                  total_records=sum(records.values()))
