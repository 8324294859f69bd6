"""REST endpoints of the archive: subject list/search and one subject's archive as of a date."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from xinyong.accounts.deps import DB
from xinyong.apitypes import Offset
from xinyong.archive.export import XLSX_MEDIA_TYPE, archive_csv, archive_xlsx, subjects_csv, subjects_xlsx
from xinyong.archive.schemas import Archive, SubjectPage
from xinyong.archive.service import list_subjects
from xinyong.archive.web import current_viewer, read_archive
from xinyong.disclosure.policy import Viewer

router = APIRouter(prefix="/api/v1", tags=["archive"])
PUBLIC_WINDOW = 50  # anonymous callers see the first 50 matches of any query, like public search


def public_window(viewer: Viewer, limit: int, offset: int) -> int:
    """The page size an anonymous caller gets: at most the first PUBLIC_WINDOW matches in all
    (offset + limit ≤ 50); asking past them is a 422. Logged-in callers are unchanged (their reads
    beyond the public view are in the access log)."""
    if not viewer.is_public:
        return limit
    if offset >= PUBLIC_WINDOW:
        raise HTTPException(
            422,
            detail={
                "field": "offset",
                "zh": f"公众查询只显示前 {PUBLIC_WINDOW} 条结果，请缩小查询范围",
                "en": f"the public sees only the first {PUBLIC_WINDOW} matches; narrow the search",
            },
        )
    return min(limit, PUBLIC_WINDOW - offset)


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
    offset: Offset = 0,
    session: Session = DB,
) -> SubjectPage:
    """Subjects the caller may know of (信用主体列表), filtered. Anonymous callers see at most the
    first PUBLIC_WINDOW matches of a query (docs/public.md: the registry cannot be listed wholesale)."""
    viewer = current_viewer(request)
    limit = public_window(viewer, limit, offset)
    return list_subjects(
        session,
        viewer=viewer,
        q=q,
        district=district,
        kind=kind,
        pilot=pilot,
        industry=industry,
        grade=grade,
        limit=limit,
        offset=offset,
    )


@router.get("/subjects/{subject_id}/archive", response_model=Archive)
def archive(
    request: Request,
    subject_id: str,
    as_of: str | None = Query(None, description="YYYY-MM-DD; default today"),
    session: Session = DB,
) -> Archive:
    """The credit archive (信用档案) of one subject as of a date, as the caller may see it."""
    return read_archive(request, session, subject_id=subject_id, as_of=as_of, surface="api:archive")[0]


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _csv(body: str, filename: str) -> Response:
    return _download(body.encode("utf-8"), "text/csv; charset=utf-8", filename)


def _xlsx(body: bytes, filename: str) -> Response:
    return _download(body, XLSX_MEDIA_TYPE, filename)


def _export_page(
    request: Request,
    q: str | None = Query(None, max_length=100),
    district: str | None = Query(None, pattern=r"^\d{6}$"),
    kind: str | None = Query(None, max_length=32),
    pilot: str | None = Query(None, max_length=64),
    industry: str | None = Query(None, max_length=100),
    grade: str | None = Query(None, max_length=16),
    limit: int = Query(10000, ge=1, le=100000),
    session: Session = DB,
) -> SubjectPage:
    """The subject page both list exports encode: same filters and visibility as `GET /api/v1/subjects`
    (anonymous callers: the first PUBLIC_WINDOW matches only)."""
    viewer = current_viewer(request)
    limit = public_window(viewer, limit, 0)
    return list_subjects(
        session,
        viewer=viewer,
        q=q,
        district=district,
        kind=kind,
        pilot=pilot,
        industry=industry,
        grade=grade,
        limit=limit,
    )


@router.get("/subjects.csv", response_class=Response)
def subjects_export(page: SubjectPage = Depends(_export_page)) -> Response:
    """The subject list as CSV (导出), same filters and visibility as `GET /api/v1/subjects`."""
    return _csv(subjects_csv(page), "subjects.csv")


@router.get("/subjects.xlsx", response_class=Response)
def subjects_export_xlsx(page: SubjectPage = Depends(_export_page)) -> Response:
    """The subject list as Excel (导出 Excel), same rows as `GET /api/v1/subjects.csv`."""
    return _xlsx(subjects_xlsx(page), "subjects.xlsx")


@router.get("/subjects/{subject_id}/archive.csv", response_class=Response)
def archive_export(
    request: Request,
    subject_id: str,
    as_of: str | None = Query(None, description="YYYY-MM-DD; default today"),
    session: Session = DB,
) -> Response:
    """One archive as CSV, one row per record, as the caller may see it; logged like the archive."""
    result, day = read_archive(
        request, session, subject_id=subject_id, as_of=as_of, surface="api:archive-csv"
    )
    return _csv(archive_csv(result), f"archive-{day:%Y%m%d}.csv")


@router.get("/subjects/{subject_id}/archive.xlsx", response_class=Response)
def archive_export_xlsx(
    request: Request,
    subject_id: str,
    as_of: str | None = Query(None, description="YYYY-MM-DD; default today"),
    session: Session = DB,
) -> Response:
    """One archive as Excel, same rows as the CSV export; logged like the archive."""
    result, day = read_archive(
        request, session, subject_id=subject_id, as_of=as_of, surface="api:archive-xlsx"
    )
    return _xlsx(archive_xlsx(result), f"archive-{day:%Y%m%d}.xlsx")
