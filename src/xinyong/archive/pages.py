"""Console pages: subject search/list with filters and the archive page (信用档案)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import DB, require_console_role
from xinyong.apitypes import Offset
from xinyong.archive.schemas import POLARITY_LABELS, VIEW_LABELS
from xinyong.archive.service import (
    SubjectNotFound,
    build_archive,
    facet_values,
    grade_values,
    list_subjects,
    pilot_names,
)
from xinyong.archive.web import log_read, parse_date
from xinyong.console.templating import render
from xinyong.disclosure.policy import LOGIN_ROLES, Viewer
from xinyong.subjects.models import SUBJECT_KINDS

# The console is for logged-in users (any role); anonymous visitors are sent to /login. The public
# looks subjects up through /public and /c/{id} instead.
router = APIRouter(include_in_schema=False)
console_viewer = require_console_role(*LOGIN_ROLES)
PAGE_SIZE = 50


@router.get("/subjects", response_class=HTMLResponse)
def subject_list(
    request: Request,
    q: str | None = Query(None, max_length=100),
    district: str | None = Query(
        None, max_length=6, description="empty: all districts; absent: an officer's own"
    ),
    kind: str | None = Query(None, max_length=32),
    pilot: str | None = Query(None, max_length=64),
    industry: str | None = Query(None, max_length=100),
    grade: str | None = Query(None, max_length=16, description="latest grade of any credit model, e.g. A"),
    sort: str = Query("name", max_length=16, description="name | grade | negatives"),
    offset: Offset = 0,
    viewer: Viewer = Depends(console_viewer),
    session: Session = DB,
):
    """信用主体: a district officer's list opens on their own district (choose 全部 for the city)."""
    from xinyong.archive.listing import SORTS, list_columns
    from xinyong.programmes.service import load_districts

    if district is None and viewer.role == "district_officer":
        district = viewer.district_code
    sort = sort if sort in SORTS else "name"
    f = {
        "q": q,
        "district": district or None,
        "kind": kind or None,
        "pilot": pilot or None,
        "industry": industry or None,
        "grade": grade or None,
    }
    page = list_subjects(session, viewer=viewer, limit=PAGE_SIZE, offset=offset, sort=sort, **f)
    columns = list_columns(session, viewer=viewer, ids=[s.id for s in page.items], as_of=clock.today())
    # Every link keeps the filters; district="" is kept so "all districts" stays chosen.
    query = {k: v for k, v in f.items() if v} | {"district": district or "", "sort": sort}

    def url(**over: object) -> str:
        return "/subjects?" + urlencode(query | over)

    pages = {
        "number": offset // PAGE_SIZE + 1,
        "count": max(1, -(-page.total // PAGE_SIZE)),
        "prev": url(offset=max(0, offset - PAGE_SIZE)) if offset > 0 else None,
        "next": url(offset=offset + PAGE_SIZE) if page.total > offset + PAGE_SIZE else None,
    }
    return render(
        request,
        "archive_list.html",
        page=page,
        f=f,
        viewer=viewer,
        districts=load_districts(),
        kinds=SUBJECT_KINDS,
        facets=facet_values(session, viewer=viewer),
        pilot_names=pilot_names(),
        grades=grade_values(session),
        next_url=pages["next"],
        pages=pages,
        columns=columns,
        sort=sort,
        sorts=SORTS,
        sort_url={k: url(sort=k, offset=0) for k in SORTS},
    )


@router.get("/subjects/{subject_id}", response_class=HTMLResponse)
def archive_page(
    request: Request,
    subject_id: str,
    as_of: str | None = Query(None),
    viewer: Viewer = Depends(console_viewer),
    session: Session = DB,
):
    day = parse_date(as_of)
    try:
        archive = build_archive(session, subject_id=subject_id, as_of=day, viewer=viewer)
    except SubjectNotFound as exc:
        raise HTTPException(status_code=404, detail=exc.message) from None
    log_read(session, request, viewer, subject_id, surface="console:archive")
    if archive.merged_from:  # 主体合并: the merged-away id's page is the kept subject's
        query = "?" + urlencode({"as_of": day.isoformat()}) if as_of else ""
        return RedirectResponse(f"/subjects/{archive.subject.id}{query}", status_code=303)
    details = archive.grade_results  # the archive's one read of the grades: one view, one logged read
    return render(
        request,
        "archive_page.html",
        a=archive,
        viewer=viewer,
        polarity_labels=POLARITY_LABELS,
        view_label=VIEW_LABELS.get(archive.view, archive.view),
        pilot_names=pilot_names(),
        grade_details=details,
    )
