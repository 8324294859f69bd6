"""REST endpoints of the archive: subject list/search and one subject's archive as of a date."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from xinyong.archive.schemas import Archive, SubjectPage
from xinyong.archive.service import SubjectNotFound, build_archive, list_subjects
from xinyong.archive.web import current_viewer, db_session, log_read, not_found, parse_date

router = APIRouter(prefix="/api/v1", tags=["archive"])


@router.get("/subjects", response_model=SubjectPage)
def subjects(
    request: Request,
    q: str | None = Query(None, max_length=100, description="name fragment or USCC prefix"),
    district: str | None = Query(None, pattern=r"^\d{6}$"),
    kind: str | None = Query(None, max_length=32),
    pilot: str | None = Query(None, max_length=64),
    industry: str | None = Query(None, max_length=100),
    grade: str | None = Query(None, max_length=16, description="latest grade of any credit model, e.g. A"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    session: Session = Depends(db_session),
) -> SubjectPage:
    """Subjects the caller may know of (信用主体列表), filtered."""
    return list_subjects(session, viewer=current_viewer(request), q=q, district=district, kind=kind, pilot=pilot,
                         industry=industry, grade=grade, limit=limit, offset=offset)


@router.get("/subjects/{subject_id}/archive", response_model=Archive)
def archive(
    request: Request,
    subject_id: str,
    as_of: str | None = Query(None, description="YYYY-MM-DD; default today"),
    session: Session = Depends(db_session),
) -> Archive:
    """The credit archive (信用档案) of one subject as of a date, as the caller may see it."""
    viewer = current_viewer(request)
    day = parse_date(as_of)
    try:
        result = build_archive(session, subject_id=subject_id, as_of=day, viewer=viewer)
    except SubjectNotFound as exc:
        raise not_found(exc) from None
    log_read(session, request, viewer, subject_id, surface="api:archive")
    return result
