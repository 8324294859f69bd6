"""REST endpoints of the public lookup: registry search (JSON) and pilot QR sticker sheets (PDF)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.deps import DB, require_role
from xinyong.archive.schemas import SubjectPage
from xinyong.archive.service import list_subjects, pilot_names
from xinyong.archive.web import public_base_url
from xinyong.disclosure.policy import PUBLIC, Viewer, present_subject, subject_filter
from xinyong.public.stickers import Sticker, render_sheet
from xinyong.ratelimit import limit_public_search
from xinyong.subjects.models import Subject

router = APIRouter(prefix="/api/v1", tags=["public"])
SHEET_LIMIT = 5000  # one print job; a bigger roster is printed district by district


@router.get("/public/search", response_model=SubjectPage, dependencies=[Depends(limit_public_search)])
def public_search(
    q: str = Query(..., min_length=2, max_length=100, description="name fragment or USCC prefix"),
    limit: int = Query(20, ge=1, le=50),
    session: Session = DB,
) -> SubjectPage:
    """Public registry search (公共信用信息查询): what anyone may see, personal data masked."""
    return list_subjects(session, viewer=PUBLIC, q=q.strip(), limit=limit)


@router.get("/pilots/{pilot}/qr-sheet.pdf", response_class=Response)
def qr_sheet(
    request: Request,
    pilot: str,
    district: str | None = Query(None, pattern=r"^\d{6}$", description="only this district's subjects"),
    viewer: Viewer = Depends(require_role("city_admin", "district_officer")),
    session: Session = DB,
) -> Response:
    """Printable QR sticker sheet (二维码贴纸) for every subject of a pilot roster, e.g. all 海信广场
    merchants. A district officer gets its own district's subjects; the stickers carry only what
    the public card shows (persons, who have no public card, are left out)."""
    where = [Subject.pilot == pilot, subject_filter(PUBLIC), subject_filter(viewer)]
    if viewer.role == "district_officer":
        where.append(Subject.district_code == viewer.district_code)
    if district:
        where.append(Subject.district_code == district)
    rows = session.scalars(
        select(Subject).where(*where).order_by(Subject.name, Subject.id).limit(SHEET_LIMIT)
    ).all()
    if not rows:
        raise HTTPException(
            404, detail=f"试点不存在或没有可打印的主体 / pilot not found or has no subjects: {pilot}"
        )
    stickers = [Sticker(s.id, present_subject(PUBLIC, s)["name"], s.uscc) for s in rows]
    title = pilot_names().get(pilot, pilot)
    pdf = render_sheet(stickers, base_url=public_base_url(request), title=title)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="qr-sheet-{_safe(pilot)}.pdf"'},
    )


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", text)[:60]
