"""Console home page (首页): the sixteen district pilots at a glance.

Per district: the plan's theme and pilot carrier (from programmes/*.yaml), subjects and records
in the store, pilot-roster subjects against the roster size the plan names, and a bar chart of
records by district (ECharts, vendored). Counts are aggregates only: nothing personal is shown.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from xinyong.console.templating import render
from xinyong.programmes.service import load_programmes
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

router = APIRouter(include_in_schema=False)


def district_overview(engine) -> list[dict]:  # noqa: ANN001 - a SQLAlchemy Engine
    """One row per programme: district, plan, carrier, planned roster, and counts from the store."""
    with engine.connect() as conn:
        subjects = dict(conn.execute(
            select(Subject.district_code, func.count()).group_by(Subject.district_code)).all())
        pilot = dict(conn.execute(
            select(Subject.district_code, func.count())
            .where(Subject.pilot.is_not(None), Subject.kind != "carrier")
            .group_by(Subject.district_code)).all())
        records = dict(conn.execute(
            select(Subject.district_code, func.count()).select_from(Record)
            .join(Subject, Subject.id == Record.subject_id).group_by(Subject.district_code)).all())
    rows = []
    for p in load_programmes():
        code = p.district.code
        rows.append({
            "district": p.district, "plan": p.plan, "pilot": p.pilot,
            "carrier": p.pilot.carrier.name if p.pilot.carrier else p.plan.carrier,
            "roster_planned": p.pilot.roster_size, "roster_stored": pilot.get(code, 0),
            "subjects": subjects.get(code, 0), "records": records.get(code, 0),
            "targets": len(p.pilot.targets), "scenarios": len(p.pilot.scenarios),
        })
    return rows


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    rows = district_overview(request.app.state.engine)
    chart = {
        "districts": [r["district"].name for r in rows],
        "records": [r["records"] for r in rows],
        "subjects": [r["subjects"] for r in rows],
    }
    return render(request, "home.html", rows=rows, chart=chart,
                  total_subjects=sum(r["subjects"] for r in rows),
                  total_records=sum(r["records"] for r in rows),
                  total_pilot=sum(r["roster_stored"] for r in rows),
                  total_targets=sum(r["targets"] for r in rows))
