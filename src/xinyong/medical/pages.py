"""Console pages: a patient's own statements (/medical/me) with the sign-up button
(POST /medical/me/signup) and the repay form (POST /medical/me/repay), and the district dashboard
(/medical/dashboard)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import DB, require_console_role
from xinyong.books import service as books
from xinyong.books.service import BooksError
from xinyong.console.templating import render
from xinyong.disclosure.policy import Viewer
from xinyong.medical import service
from xinyong.medical.api import patient_view
from xinyong.medical.models import MedicalLine
from xinyong.subjects.models import Subject

router = APIRouter(include_in_schema=False)


def is_resident(session: Session, viewer: Viewer) -> bool:
    """我的就医账单 applies to a person login of the scheme's district (东丽), or one with a line."""
    if viewer.role != "subject" or not viewer.subject_id:
        return False
    subject = session.get(Subject, viewer.subject_id)
    if subject is None or subject.kind != "person":
        return False
    if subject.district_code == service.scheme()["district_code"]:
        return True
    return session.scalar(select(MedicalLine.id).where(MedicalLine.subject_id == subject.id)) is not None


def _resident_only(session: Session, viewer: Viewer) -> None:
    if not is_resident(session, viewer):
        raise HTTPException(
            403, detail="信用就医仅限东丽区居民本人 / credit medical is for a 东丽 resident's own login only"
        )


def _me(request: Request, db: Session, viewer: Viewer, *, message: str = "", error: dict | None = None):
    try:
        patient = patient_view(db, viewer.subject_id or "", clock.today())
    except BooksError:
        patient = None
    response = render(
        request,
        "medical_me.html",
        patient=patient,
        may_sign=patient is None,
        owed_fen=sum(s.outstanding_fen for s in patient.statements) if patient else 0,
        form_key=uuid.uuid4().hex,  # the repay form's idempotency key: a double submit pays once
        message=message,
        error=error,
    )
    if error is not None:
        response.status_code = 422
    return response


def _result_message(request: Request) -> str:
    """The message of a redirect back to the page (fixed texts, never echoed input)."""
    q = request.query_params
    if q.get("done") == "1":
        return "签约成功 / signed up"
    if q.get("repaid") in ("1", "replayed"):
        note = (
            "（重复提交，未重复扣款 / a repeated submission, paid once）" if q["repaid"] == "replayed" else ""
        )
        return f"还款成功 / repaid{note}"
    return ""


@router.get("/medical/me", response_class=HTMLResponse)
def my_statements(
    request: Request,
    viewer: Viewer = Depends(require_console_role("subject")),
    db: Session = DB,
):
    _resident_only(db, viewer)
    return _me(request, db, viewer, message=_result_message(request))


@router.post("/medical/me/signup", response_class=HTMLResponse)
def my_signup(
    request: Request,
    viewer: Viewer = Depends(require_console_role("subject")),
    db: Session = DB,
):
    """The person signs up (the existing service: line by score band, refused below the minimum);
    303 back to /medical/me, or the page again with the reason (422, nothing written)."""
    _resident_only(db, viewer)
    try:
        service.sign_up(db, subject_id=viewer.subject_id or "", viewer=viewer, as_of=clock.today())
    except BooksError as exc:
        db.rollback()  # nothing of a refused request stays
        return _me(request, db, viewer, error=exc.as_dict())
    return RedirectResponse("/medical/me?done=1", status_code=303)


@router.post("/medical/me/repay", response_class=HTMLResponse)
def my_repay(
    request: Request,
    amount_yuan: str = Form("", max_length=40),
    idempotency_key: str = Form(..., min_length=1, max_length=64),
    viewer: Viewer = Depends(require_console_role("subject")),
    db: Session = DB,
):
    """The person repays (元 with fen precision → integer fen by books.parse_yuan, then the existing
    `repay` with the form's key, so a double submit pays once); 303 back to /medical/me, or the page
    again with the reason (422, nothing written): not a positive amount, a fraction of a fen, more
    than is owed, not signed up."""
    _resident_only(db, viewer)
    try:
        posted = service.repay(
            db,
            patient_id=viewer.subject_id or "",
            amount_fen=books.parse_yuan(amount_yuan, "amount_yuan"),
            idempotency_key=f"console:{idempotency_key}",
            paid_on=clock.today(),
        )
    except BooksError as exc:
        db.rollback()  # nothing of a refused request stays
        return _me(request, db, viewer, error=exc.as_dict())
    return RedirectResponse(f"/medical/me?repaid={'replayed' if posted.replayed else '1'}", status_code=303)


@router.get("/medical/dashboard", response_class=HTMLResponse)
def medical_dashboard(
    request: Request,
    viewer: Viewer = Depends(require_console_role("city_admin", "district_officer")),
    db: Session = DB,
):
    code = viewer.district_code if viewer.role == "district_officer" else None
    return render(
        request,
        "medical_dashboard.html",
        d=service.dashboard(db, district_code=code, as_of=clock.today()),
        district=code,
    )
