"""Console pages: a patient's own statements (/medical/me) and the district dashboard
(/medical/dashboard)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import db_session, require_console_role
from xinyong.books.service import BooksError
from xinyong.console.templating import render
from xinyong.disclosure.policy import Viewer
from xinyong.medical import service
from xinyong.medical.api import patient_view

router = APIRouter(include_in_schema=False)


@router.get("/medical/me", response_class=HTMLResponse)
def my_statements(
    request: Request,
    viewer: Viewer = Depends(require_console_role("subject")),
    db: Session = Depends(db_session),
):
    try:
        patient = patient_view(db, viewer.subject_id or "", clock.today())
    except BooksError:
        patient = None
    return render(request, "medical_me.html", patient=patient)


@router.get("/medical/dashboard", response_class=HTMLResponse)
def medical_dashboard(
    request: Request,
    viewer: Viewer = Depends(require_console_role("city_admin", "district_officer")),
    db: Session = Depends(db_session),
):
    code = viewer.district_code if viewer.role == "district_officer" else None
    return render(
        request,
        "medical_dashboard.html",
        d=service.dashboard(db, district_code=code, as_of=clock.today()),
        district=code,
    )
