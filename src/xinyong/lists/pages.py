"""Console pages of credit lists: list management (/lists), one list with its members and their
history, manual entry and exit (/lists/{id}), and the review queue with accept / reject (/lists/review).
For the city and district offices (a district office sees and decides for its own district's
subjects; the disclosure policy decides what else it sees). Forms post back and redirect (303)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import Db, require_console_role
from xinyong.apitypes import Day, RowId
from xinyong.console.templating import render
from xinyong.disclosure.policy import Viewer, subject_filter
from xinyong.lists import service
from xinyong.lists.api import (
    candidate_out,
    list_out,
    may_decide,
    membership_out,
    shown_name,
    visible_memberships,
)
from xinyong.lists.models import ListCandidate, ListMembership
from xinyong.subjects.models import Subject

router = APIRouter(include_in_schema=False)
ROLES = ("city_admin", "district_officer")
Officer = Annotated[Viewer, Depends(require_console_role(*ROLES))]


def _back(url: str, msg: str = "", error: str = "") -> RedirectResponse:
    sep = "&" if "?" in url else "?"
    tail = f"{sep}msg={quote(msg)}" if msg else (f"{sep}error={quote(error)}" if error else "")
    return RedirectResponse(url + tail, status_code=303)


def _pending(db: Session, viewer: Viewer, list_id: str | None = None) -> list[tuple[ListCandidate, Subject]]:
    out = []
    for c in service.candidates(db, list_id=list_id, status="pending"):
        s = db.get(Subject, c.subject_id)
        if s is not None and may_decide(viewer, s):
            out.append((c, s))
    return out


@router.get("/lists", response_class=HTMLResponse)
def lists_page(request: Request, viewer: Officer, db: Db, msg: str = "", error: str = ""):
    today = clock.today()
    rows = []
    for d in service.load_lists().values():
        active = sum(
            1
            for m, x, _ in visible_memberships(db, viewer, list_id=d.id)
            if service.status_of(m, x, today) == "active"
        )
        rows.append(list_out(d, members=active, pending=len(_pending(db, viewer, d.id))))
    return render(request, "lists_page.html", rows=rows, viewer=viewer, today=today, msg=msg, error=error)


@router.post("/lists/sync")
def lists_sync_now(viewer: Officer, db: Db):
    """按规则同步 / sync now: every list re-checked as of today — by the city for every subject, by a
    district office for its own district's subjects."""
    day = clock.today()
    only = None
    if viewer.role != "city_admin":
        only = list(db.scalars(select(Subject.id).where(Subject.district_code == viewer.district_code)))
    results = service.sync_all(db, as_of=day, actor=viewer.label, subject_ids=only)
    total = {k: sum(getattr(r, k) for r in results) for k in ("entered", "exited", "expired", "candidates")}
    lapsed = sum(r.lapsed_candidates for r in results)
    return _back(
        "/lists",
        msg=(
            f"{day} 已按规则同步 synced: 列入 entered {total['entered']}，移出 exited {total['exited']}，"
            f"到期 expired {total['expired']}，新候选 candidates {total['candidates']}，候选失效 lapsed {lapsed}"
        ),
    )


@router.get("/lists/review", response_class=HTMLResponse)
def review_page(request: Request, viewer: Officer, db: Db, msg: str = "", error: str = ""):
    items = [candidate_out(c, shown_name(viewer, s)) for c, s in _pending(db, viewer)]
    return render(request, "lists_review.html", items=items, viewer=viewer, msg=msg, error=error)


@router.post("/lists/review/{candidate_id}")
def review_decide(
    candidate_id: RowId,
    viewer: Officer,
    db: Db,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
):
    c = db.get(ListCandidate, candidate_id)
    subject = (
        db.scalar(select(Subject).where(Subject.id == c.subject_id, subject_filter(viewer))) if c else None
    )
    if c is None or subject is None or not may_decide(viewer, subject):
        raise HTTPException(404, detail=f"候选记录不存在 / candidate not found: {candidate_id}")
    try:
        service.decide(db, candidate_id=candidate_id, decision=decision, actor=viewer.label, reason=reason)
    except service.ListError as exc:
        return _back("/lists/review", error=str(exc))
    return _back("/lists/review", msg=f"#{candidate_id} 已处理 decided: {decision}")


@router.get("/lists/{list_id}", response_class=HTMLResponse)
def list_page(
    request: Request,
    list_id: str,
    viewer: Officer,
    db: Db,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
    msg: str = "",
    error: str = "",
):
    d = service.load_lists().get(list_id)
    if d is None:
        raise HTTPException(404, detail=f"名单不存在 / no such list: {list_id}")
    day = as_of or clock.today()
    members = [
        (membership_out(m, x, day, shown_name(viewer, s)), may_decide(viewer, s))
        for m, x, s in visible_memberships(db, viewer, list_id=list_id)
    ]
    pending = [candidate_out(c, shown_name(viewer, s)) for c, s in _pending(db, viewer, list_id)]
    return render(
        request,
        "lists_detail.html",
        d=d,
        info=list_out(d),
        active=[(m, ok) for m, ok in members if m.status == "active"],
        history=[m for m, _ in members],
        pending=pending,
        viewer=viewer,
        as_of=day,
        msg=msg,
        error=error,
    )


@router.post("/lists/{list_id}/enter")
def list_enter(
    list_id: str,
    viewer: Officer,
    db: Db,
    subject_id: Annotated[str, Form(max_length=24)] = "",
    basis: Annotated[str, Form(max_length=2000)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    start_on: Annotated[Day, Form()] = None,
):
    if list_id not in service.load_lists():
        raise HTTPException(404, detail=f"名单不存在 / no such list: {list_id}")
    back = f"/lists/{list_id}"
    subject = db.scalar(select(Subject).where(Subject.id == subject_id.strip(), subject_filter(viewer)))
    if subject is None or not may_decide(viewer, subject):
        return _back(back, error=f"主体不存在或无权列入 / subject not found or not yours: {subject_id}")
    start = start_on or clock.today()
    try:
        m = service.enter(
            db,
            list_id=list_id,
            subject_id=subject.id,
            actor=viewer.label,
            basis=basis,
            reason=reason,
            start_on=start,
            via="manual",
        )
    except service.ListError as exc:
        return _back(back, error=str(exc))
    return _back(back, msg=f"已列入 entered #{m.id}")


@router.post("/lists/memberships/{membership_id}/exit")
def list_exit(
    membership_id: RowId,
    viewer: Officer,
    db: Db,
    reason: Annotated[str, Form(max_length=2000)] = "",
    exit_on: Annotated[Day, Form()] = None,
):
    m = db.get(ListMembership, membership_id)
    subject = (
        db.scalar(select(Subject).where(Subject.id == m.subject_id, subject_filter(viewer))) if m else None
    )
    if m is None or subject is None or not may_decide(viewer, subject):
        raise HTTPException(404, detail=f"列入记录不存在 / membership not found: {membership_id}")
    back = f"/lists/{m.list_id}"
    day = exit_on or clock.today()
    try:
        service.exit_membership(
            db, membership_id=membership_id, exit_on=day, kind="decision", actor=viewer.label, reason=reason
        )
    except service.ListError as exc:
        return _back(back, error=str(exc))
    return _back(back, msg=f"已移出 exited #{membership_id}")


@router.post("/lists/{list_id}/sync")
def list_sync(
    list_id: str,
    viewer: Annotated[Viewer, Depends(require_console_role("city_admin"))],
    db: Db,
    as_of: Annotated[Day, Form()] = None,
):
    if list_id not in service.load_lists():
        raise HTTPException(404, detail=f"名单不存在 / no such list: {list_id}")
    day = as_of or clock.today()
    r = service.sync(db, list_id=list_id, as_of=day, actor=viewer.label)
    return _back(
        f"/lists/{list_id}",
        msg=f"{day} 同步 synced: 列入 {r.entered}，移出 {r.exited}，到期 {r.expired}，待审 {r.candidates}",
    )
