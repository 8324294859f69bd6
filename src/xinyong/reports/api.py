"""REST endpoints of the credit report: the PDF, and verification of a printed report's number."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import DB
from xinyong.archive.web import current_viewer, parse_date, public_base_url, read_archive
from xinyong.reports.service import register_report, render_report, verify_report

router = APIRouter(prefix="/api/v1", tags=["reports"])


class Verification(BaseModel):
    number: str
    valid: bool = Field(description="a genuine report issued here, inside its validity period")
    status: str = Field(description="valid / expired / mismatch / unknown")
    subject_id: str | None = None
    as_of: dt.date | None = None
    view: str | None = Field(None, description="the disclosure level the report was issued at")
    issued_at: str | None = Field(None, description="Beijing time")
    valid_until: dt.date | None = None
    changed_since_issue: bool | None = Field(None, description="the subject's archive changed since issue")
    message: str


@router.get("/subjects/{subject_id}/report.pdf", response_class=Response)
def report_pdf(
    request: Request,
    subject_id: str,
    as_of: str | None = Query(None, description="YYYY-MM-DD"),
    session: Session = DB,
) -> Response:
    """信用报告 (PDF) of one subject as of a date, with exactly what the caller may see."""
    archive, _day = read_archive(request, session, subject_id=subject_id, as_of=as_of, surface="api:report")
    now = clock.now()
    report = render_report(archive, base_url=public_base_url(request), generated_at=clock.to_local(now))
    register_report(session, report, archive, viewer=current_viewer(request), issued_at=now)
    return Response(
        report.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{report.number}.pdf"',
            "X-Report-Number": report.number,
            "X-Report-Digest": report.digest,
        },
    )


@router.get("/reports/verify", response_model=Verification)
def verify(
    request: Request,
    number: str = Query(..., max_length=40),
    subject_id: str | None = Query(None, max_length=64),
    as_of: str | None = Query(None),
    session: Session = DB,
) -> Verification:
    """Check a printed report's number against the register of issued reports, for anyone holding it
    (no login needed): genuine and inside its validity period, and whether the subject's archive
    changed since issue. A forged or altered number is `unknown`."""
    day = parse_date(as_of) if as_of else None
    return Verification(
        **verify_report(session, number=number, today=clock.today(), subject_id=subject_id, as_of=day)
    )
