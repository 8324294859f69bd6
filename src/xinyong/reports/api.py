"""REST endpoints of the credit report: the PDF, and verification of a printed report's number."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.archive.web import db_session, public_base_url, read_archive
from xinyong.reports.service import render_report, report_number

router = APIRouter(prefix="/api/v1", tags=["reports"])


class Verification(BaseModel):
    subject_id: str
    as_of: dt.date
    number: str
    expected: str
    valid: bool
    view: str
    message: str


@router.get("/subjects/{subject_id}/report.pdf", response_class=Response)
def report_pdf(request: Request, subject_id: str, as_of: str | None = Query(None, description="YYYY-MM-DD"),
               session: Session = Depends(db_session)) -> Response:
    """信用报告 (PDF) of one subject as of a date, with exactly what the caller may see."""
    archive, _day = read_archive(request, session, subject_id=subject_id, as_of=as_of, surface="api:report")
    report = render_report(archive, base_url=public_base_url(request), generated_at=clock.to_local(clock.now()))
    return Response(report.pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{report.number}.pdf"',
                             "X-Report-Number": report.number, "X-Report-Digest": report.digest})


@router.get("/reports/verify", response_model=Verification)
def verify(request: Request, subject_id: str = Query(..., max_length=64), as_of: str = Query(...),
           number: str = Query(..., max_length=40), session: Session = Depends(db_session)) -> Verification:
    """Check a printed report: rebuild the archive at the caller's disclosure level and compare its
    number. A report printed at a higher level than the caller's cannot be confirmed by them."""
    archive, day = read_archive(request, session, subject_id=subject_id, as_of=as_of, surface="api:report-verify")
    expected = report_number(archive)
    valid = number.strip().upper() == expected
    message = ("报告内容与平台记录一致 / the report matches the platform's records" if valid else
               "报告编号不符：内容已变更、版本不同或非本平台出具 / number does not match: changed content, "
               "another disclosure level, or not issued here")
    return Verification(subject_id=subject_id, as_of=day, number=number, expected=expected, valid=valid,
                        view=archive.view, message=message)
