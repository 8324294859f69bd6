"""REST endpoints of credit lists (信用名单). What a viewer sees is the disclosure policy's decision:
a subject the viewer may not know answers 404 exactly as an unknown id; a membership of a non-public
list shows only to viewers `list_membership_visible` admits. Decisions (manual entry, exit, review)
belong to the city and to the district office of the subject's district."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import Db, current_viewer, require_role
from xinyong.apitypes import Day, RowId
from xinyong.disclosure.policy import Viewer, list_membership_visible, present_subject, subject_filter
from xinyong.lists import service
from xinyong.lists.models import ListCandidate, ListExit, ListMembership
from xinyong.lists.schemas import (
    CandidateOut,
    DecisionIn,
    ExitIn,
    ListDefinition,
    ListOut,
    ManualEntryIn,
    MembershipOut,
    SyncOut,
)
from xinyong.subjects.models import Subject

router = APIRouter(prefix="/api/v1", tags=["lists"])
Officer = Annotated[Viewer, Depends(require_role("city_admin", "district_officer"))]
CityAdmin = Annotated[Viewer, Depends(require_role("city_admin"))]


def list_out(
    d: ListDefinition, *, version: int | None = None, members: int | None = None, pending: int | None = None
) -> ListOut:
    exit_parts = []
    if d.exit.duration:
        du = d.exit.duration
        exit_parts.append(f"期限 {du.years}年{du.months}月{du.days}日".replace("0月", "").replace("0日", ""))
    if d.exit.when_criteria_lapse:
        exit_parts.append("不再符合条件即移出")
    if d.exit.early_exit_zh:
        exit_parts.append(d.exit.early_exit_zh)
    return ListOut(
        id=d.id,
        name_zh=d.name_zh,
        name_en=d.name_en,
        category=d.category,
        category_zh=d.category_zh,
        district=d.district,
        authority=d.authority,
        legal_basis=d.legal_basis,
        public=d.public,
        excludes_from_benefits=d.excludes_from_benefits,
        entry_mode=d.entry.mode,
        entry_decision=d.entry.decision,
        entry_expression=d.entry.expression,
        entry_rule_version=version,
        duration=d.exit.duration.model_dump() if d.exit.duration else None,
        exit_zh="；".join(exit_parts),
        members=members,
        pending=pending,
    )


def membership_out(
    m: ListMembership, x: ListExit | None, as_of: dt.date, subject_name: str | None = None
) -> MembershipOut:
    d = service.load_lists().get(m.list_id)
    status = service.status_of(m, x, as_of)
    return MembershipOut(
        id=m.id,
        list_id=m.list_id,
        list_name_zh=d.name_zh if d else m.list_id,
        subject_id=m.subject_id,
        subject_name=subject_name,
        listed_on=m.listed_on,
        start_on=m.start_on,
        planned_end_on=m.planned_end_on,
        end_on=service.end_of(m, x),
        status=status,
        status_zh=service.STATUS_LABELS[status][0],
        authority=m.authority,
        basis=m.basis,
        reason=m.reason,
        via=m.via,
        rule_id=m.rule_id,
        rule_version=m.rule_version,
        exit_kind=x.kind if x else None,
        exit_reason=x.reason if x else None,
        leaf_index=m.leaf_index,
        exit_leaf_index=x.leaf_index if x else None,
    )


def candidate_out(c: ListCandidate, subject_name: str | None = None) -> CandidateOut:
    d = service.load_lists().get(c.list_id)
    return CandidateOut(
        id=c.id,
        list_id=c.list_id,
        list_name_zh=d.name_zh if d else c.list_id,
        subject_id=c.subject_id,
        subject_name=subject_name,
        found_on=c.found_on,
        rule_id=c.rule_id,
        rule_version=c.rule_version,
        facts=c.facts or {},
        status=c.status,
        decided_by=c.decided_by,
        decision_reason=c.decision_reason,
        membership_id=c.membership_id,
    )


def _refused(exc: service.ListError) -> HTTPException:
    if isinstance(exc, service.ListNotFound):
        return HTTPException(404, detail=str(exc))
    return HTTPException(422, detail={"zh": exc.zh, "en": exc.en})


def _list(list_id: str) -> ListDefinition:
    try:
        return service.get_list(list_id)
    except service.ListError as exc:
        raise _refused(exc) from exc


def visible_subject(db: Session, viewer: Viewer, subject_id: str) -> Subject:
    subject = db.scalar(select(Subject).where(Subject.id == subject_id, subject_filter(viewer)))
    if subject is None:
        raise HTTPException(404, detail=f"主体不存在 / subject not found: {subject_id}")
    return subject


def shown_name(viewer: Viewer, subject: Subject) -> str:
    """The subject's name as the viewer may see it (a person's name masked by the policy)."""
    return str(present_subject(viewer, subject)["name"])


def may_decide(viewer: Viewer, subject: Subject) -> bool:
    """The city decides for any subject; a district office for its own district's subjects."""
    if viewer.role == "city_admin":
        return True
    return (
        viewer.role == "district_officer"
        and viewer.district_code is not None
        and subject.district_code == viewer.district_code
    )


def visible_memberships(
    db: Session, viewer: Viewer, *, list_id: str | None = None, subject_id: str | None = None
) -> list[tuple[ListMembership, ListExit | None, Subject]]:
    """Memberships (with exit and subject) the viewer may see, newest first."""
    defs = service.load_lists()
    stmt = (
        select(ListMembership, ListExit, Subject)
        .outerjoin(ListExit, ListExit.membership_id == ListMembership.id)
        .join(Subject, Subject.id == ListMembership.subject_id)
        .where(subject_filter(viewer))
        .order_by(ListMembership.start_on.desc(), ListMembership.id.desc())
    )
    if list_id:
        stmt = stmt.where(ListMembership.list_id == list_id)
    if subject_id:
        stmt = stmt.where(ListMembership.subject_id == subject_id)
    out = []
    for m, x, s in db.execute(stmt).all():
        d = defs.get(m.list_id)
        if d is not None and list_membership_visible(viewer, s, public_list=d.public):
            out.append((m, x, s))
    return out


@router.get("/lists", response_model=list[ListOut])
def get_lists(request: Request, db: Db) -> list[ListOut]:
    """Every list definition (legal basis, authority, entry criteria, term, exit) — public information."""
    viewer = current_viewer(request)
    out = []
    for d in service.load_lists().values():
        counts = None
        if not viewer.is_public:
            counts = sum(
                1
                for m, x, _ in visible_memberships(db, viewer, list_id=d.id)
                if service.status_of(m, x, clock.today()) == "active"
            )
        out.append(list_out(d, members=counts))
    return out


@router.get("/lists/review", response_model=list[CandidateOut])
def get_review(
    viewer: Officer,
    db: Db,
    list_id: str | None = Query(None, max_length=64),
    status: str = Query("pending", pattern="^(pending|accepted|rejected|lapsed)$"),
) -> list[CandidateOut]:
    """The review queue (待审核候选): candidates a decision list's criteria found; a district office sees its own."""
    out = []
    for c in service.candidates(db, list_id=list_id, status=status):
        s = db.get(Subject, c.subject_id)
        if s is not None and may_decide(viewer, s):
            out.append(candidate_out(c, shown_name(viewer, s)))
    return out


@router.post("/lists/review/{candidate_id}", response_model=CandidateOut)
def post_decision(candidate_id: RowId, body: DecisionIn, viewer: Officer, db: Db) -> CandidateOut:
    """Accept (enter the subject) or reject a candidate, with a reason; 422 when refused."""
    c = db.get(ListCandidate, candidate_id)
    subject = (
        db.scalar(select(Subject).where(Subject.id == c.subject_id, subject_filter(viewer))) if c else None
    )
    if c is None or subject is None or not may_decide(viewer, subject):
        raise HTTPException(404, detail=f"候选记录不存在 / candidate not found: {candidate_id}")
    try:
        service.decide(
            db, candidate_id=candidate_id, decision=body.decision, actor=viewer.label, reason=body.reason
        )
    except service.ListError as exc:
        raise _refused(exc) from exc
    return candidate_out(c, shown_name(viewer, subject))


@router.get("/lists/{list_id}/members", response_model=list[MembershipOut])
def get_members(
    request: Request,
    list_id: str,
    db: Db,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
    history: bool = Query(False, description="every membership ever, not only those in force"),
) -> list[MembershipOut]:
    """Members of a list as of a date, or its whole history (intervals are never deleted)."""
    _list(list_id)
    day = as_of or clock.today()
    viewer = current_viewer(request)
    rows = [
        membership_out(m, x, day, shown_name(viewer, s))
        for m, x, s in visible_memberships(db, viewer, list_id=list_id)
    ]
    return rows if history else [r for r in rows if r.status == "active"]


@router.post("/lists/{list_id}/members", response_model=MembershipOut, status_code=201)
def post_member(list_id: str, body: ManualEntryIn, viewer: Officer, db: Db) -> MembershipOut:
    """Manual entry by decision: 422 without legal basis or reason (nothing written)."""
    _list(list_id)
    subject = visible_subject(db, viewer, body.subject_id)
    if not may_decide(viewer, subject):
        raise HTTPException(403, detail="无权列入该主体 / you may not list this subject")
    start = body.start_on or clock.today()
    try:
        m = service.enter(
            db,
            list_id=list_id,
            subject_id=subject.id,
            actor=viewer.label,
            basis=body.basis,
            reason=body.reason,
            start_on=start,
            listed_on=body.listed_on,
            via="manual",
        )
    except service.ListError as exc:
        raise _refused(exc) from exc
    return membership_out(m, None, start, shown_name(viewer, subject))


@router.post("/lists/memberships/{membership_id}/exit", response_model=MembershipOut)
def post_exit(membership_id: RowId, body: ExitIn, viewer: Officer, db: Db) -> MembershipOut:
    """End a membership by decision (early exit on application, error); 422 when refused."""
    m = db.get(ListMembership, membership_id)
    subject = (
        db.scalar(select(Subject).where(Subject.id == m.subject_id, subject_filter(viewer))) if m else None
    )
    if m is None or subject is None or not may_decide(viewer, subject):
        raise HTTPException(404, detail=f"列入记录不存在 / membership not found: {membership_id}")
    day = body.exit_on or clock.today()
    try:
        x = service.exit_membership(
            db,
            membership_id=membership_id,
            exit_on=day,
            kind="decision",
            actor=viewer.label,
            reason=body.reason,
        )
    except service.ListError as exc:
        raise _refused(exc) from exc
    return membership_out(m, x, day, shown_name(viewer, subject))


@router.post("/lists/{list_id}/sync", response_model=SyncOut)
def post_sync(
    list_id: str,
    viewer: CityAdmin,
    db: Db,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
) -> SyncOut:
    """Re-check the list's criteria as of a date (city only): automatic entries/exits, new candidates."""
    _list(list_id)
    r = service.sync(db, list_id=list_id, as_of=as_of or clock.today(), actor=viewer.label)
    return SyncOut(
        list_id=r.list_id,
        as_of=r.as_of,
        rule_version=r.rule_version,
        entered=r.entered,
        exited=r.exited,
        expired=r.expired,
        candidates=r.candidates,
    )


@router.get("/subjects/{subject_id}/lists", response_model=list[MembershipOut])
def get_subject_lists(
    request: Request,
    subject_id: str,
    db: Db,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
) -> list[MembershipOut]:
    """A subject's list memberships with history, as far as the viewer may see them (404 like an unknown id)."""
    viewer = current_viewer(request)
    visible_subject(db, viewer, subject_id)
    day = as_of or clock.today()
    return [
        membership_out(m, x, day, shown_name(viewer, s))
        for m, x, s in visible_memberships(db, viewer, subject_id=subject_id)
    ]
