"""Console pages of 信易+ and the individual score: a subject's benefits (reasons for the subject and
officers only — disclosure `full_archive`), the public list of granted benefits on the card, the scenario
list, the person's own score page with its grants, and a grant holder's (bank's) view of a person's score."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import Db, current_viewer, require_console_role, require_person_login
from xinyong.apitypes import Day
from xinyong.console.templating import render
from xinyong.disclosure.policy import LOGIN_ROLES, Viewer, present_subject
from xinyong.incentives import person, service
from xinyong.incentives.api import subject_benefits
from xinyong.incentives.errors import IncentiveError
from xinyong.subjects.models import Subject

router = APIRouter(include_in_schema=False)
Console = Annotated[Viewer, Depends(require_console_role(*LOGIN_ROLES))]
Person = Annotated[Viewer, Depends(require_console_role("subject"))]
BankLogin = Annotated[Viewer, Depends(require_console_role("bank"))]


def _name(db: Session, viewer: Viewer, subject_id: str) -> str:
    """The subject's name as the viewer may see it (masked for a person unless it may see personal
    data); called after subject_benefits, which answered 404 for a subject the viewer may not know."""
    subject = db.get(Subject, subject_id)
    return present_subject(viewer, subject)["name"] or subject_id if subject is not None else subject_id


@router.get("/benefits/{subject_id}", response_class=HTMLResponse)
def benefits_page(
    request: Request,
    subject_id: str,
    db: Db,
    viewer: Console,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
):
    day = as_of or clock.today()
    out = subject_benefits(db, viewer, subject_id, day, "page", "信易+激励查询")
    return render(
        request,
        "incentives/benefits.html",
        out=out,
        subject_id=subject_id,
        subject_name=_name(db, viewer, subject_id),
        as_of=day,
        public=False,
    )


@router.get("/c/{subject_id}/benefits", response_class=HTMLResponse)
def public_benefits(request: Request, subject_id: str, db: Db):
    """The public card's benefits: granted only."""
    day = clock.today()
    out = subject_benefits(db, Viewer.PUBLIC, subject_id, day, "page", "公共查询")
    return render(
        request,
        "incentives/benefits.html",
        out=out,
        subject_id=subject_id,
        subject_name=_name(db, Viewer.PUBLIC, subject_id),
        as_of=day,
        public=True,
    )


@router.get("/bank/persons", response_class=HTMLResponse)
def bank_persons(request: Request, db: Db, viewer: BankLogin):
    """The persons whose live score grant this bank login holds (purpose, expiry in Beijing time)."""
    return render(request, "incentives/bank_persons.html", grants=person.grants_held(db, viewer=viewer))


@router.get("/bank/persons/{subject_id}/score", response_class=HTMLResponse)
def bank_person_score(
    request: Request,
    subject_id: str,
    db: Db,
    viewer: BankLogin,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
):
    """A person's score, reasons and what would raise it, under the bank login's live grant (the read
    is logged with the grant's purpose); 404 without one, exactly as for an unknown id."""
    day = as_of or clock.today()
    try:
        report = person.score_report(db, subject_id=subject_id, as_of=day, viewer=viewer, surface="page")
    except IncentiveError as exc:
        raise HTTPException(exc.status, detail=exc.message) from exc
    return render(
        request,
        "incentives/bank_person_score.html",
        report=report,
        subject_name=_name(db, viewer, subject_id),
    )


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios_page(request: Request, db: Db, viewer: Console):
    stats = service.usage_stats(db) if viewer.role in ("city_admin", "district_officer") else None
    return render(request, "incentives/scenarios.html", scenarios=service.scenario_list(), stats=stats)


def _my_score(
    request: Request, db: Session, viewer: Viewer, *, error: str | None = None, status: int = 200
) -> Response:
    sid = viewer.subject_id
    report = grants = None
    if sid:
        try:
            report = person.score_report(
                db, subject_id=sid, as_of=clock.today(), viewer=viewer, surface="page"
            )
            grants = person.list_grants(db, subject_id=sid, actor=viewer)
        except IncentiveError:
            report = None
    resp = render(request, "incentives/my_score.html", report=report, grants=grants, error=error)
    resp.status_code = status
    return resp


@router.get("/my/score", response_class=HTMLResponse)
def my_score(request: Request, db: Db, viewer: Person, _: Annotated[Viewer, Depends(require_person_login)]):
    return _my_score(request, db, viewer)


@router.post("/my/score/grants", response_class=HTMLResponse)
def my_grant(
    request: Request,
    db: Db,
    viewer: Person,
    grantee: Annotated[str, Form(max_length=64)],
    purpose: Annotated[str, Form(max_length=200)],
    days: Annotated[int, Form(ge=1, le=366)] = 30,
) -> Response:
    try:
        person.grant_score_access(
            db,
            subject_id=viewer.subject_id or "",
            grantee_username=grantee.strip(),
            purpose=purpose,
            expires_at=person.utcnow() + dt.timedelta(days=days),
            actor=viewer,
        )
    except IncentiveError as exc:
        db.rollback()
        return _my_score(request, db, viewer, error=exc.message, status=exc.status)
    return RedirectResponse("/my/score", status_code=303)


@router.post("/my/score/grants/{grant_id}/revoke")
def my_revoke(request: Request, grant_id: int, db: Db, viewer: Person) -> Response:
    try:
        person.revoke_grant(db, grant_id=grant_id, actor=viewer)
    except IncentiveError as exc:
        raise HTTPException(exc.status, detail=exc.message) from exc
    return RedirectResponse("/my/score", status_code=303)


__all__ = ["router", "current_viewer"]
