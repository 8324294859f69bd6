"""REST endpoints of 信易贷 matching (docs/financing.md). A bank reading a subject not pushed to it, or a
need that does not exist, gets 404 exactly as for an unknown id."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import select

from xinyong import clock
from xinyong.accounts.deps import Db, purpose_of, require_role
from xinyong.disclosure.policy import Viewer
from xinyong.financing import service as fin
from xinyong.financing.models import Need, Whitelist
from xinyong.financing.schemas import AuthoriseIn, NeedIn, OutcomeIn, PushIn, ReviewIn, WhitelistIn
from xinyong.incentives.api import http_error
from xinyong.incentives.errors import IncentiveError

router = APIRouter(prefix="/api/v1/financing", tags=["financing"])
Officer = Annotated[Viewer, Depends(require_role("city_admin", "district_officer"))]
BankLogin = Annotated[Viewer, Depends(require_role("bank"))]
Declarer = Annotated[Viewer, Depends(require_role("subject", "city_admin", "district_officer"))]
SubjectLogin = Annotated[Viewer, Depends(require_role("subject"))]


def _run(fn, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
    try:
        return fn(*args, **kw)
    except IncentiveError as exc:
        raise http_error(exc) from exc


@router.post("/needs", status_code=201)
def post_need(body: NeedIn, db: Db, viewer: Declarer) -> dict[str, Any]:
    """Declare a financing need (amount in integer fen, term in months, purpose). A subject login declares
    its own; a district office for subjects of its district."""
    sid = body.subject_id or viewer.subject_id
    if viewer.role == "subject" and sid != viewer.subject_id:
        raise HTTPException(404, detail=f"主体不存在 / subject not found: {sid}")
    if viewer.role == "district_officer":
        from xinyong.subjects.models import Subject

        subject = db.get(Subject, sid) if sid else None
        if subject is None or subject.district_code != viewer.district_code:
            raise HTTPException(404, detail=f"主体不存在 / subject not found: {sid}")
    if not sid:
        raise HTTPException(
            422, detail={"field": "subject_id", "zh": "缺少主体", "en": "subject_id is required"}
        )
    need = _run(
        fin.declare_need,
        db,
        subject_id=sid,
        amount_fen=body.amount_fen,
        term_months=body.term_months,
        purpose=body.purpose,
        actor=viewer.label,
        idempotency_key=body.idempotency_key,
        collective=body.collective,
    )
    return fin.need_dict(need)


@router.get("/needs")
def get_needs(db: Db, viewer: Declarer) -> list[dict[str, Any]]:
    """Needs: a subject its own; a district office its district's; the city all."""
    q = select(Need).order_by(Need.id)
    if viewer.role == "subject":
        q = q.where(Need.subject_id == viewer.subject_id)
    elif viewer.role == "district_officer":
        q = q.where(Need.district_code == viewer.district_code)
    return [fin.need_dict(n) for n in db.scalars(q)]


@router.post("/whitelists", status_code=201)
def post_whitelist(body: WhitelistIn, db: Db, viewer: Officer) -> dict[str, Any]:
    """Build a whitelist: the rule (CEL) proposes candidates among subjects with needs (or a village's members)."""
    wl, proposed = _run(
        fin.create_whitelist,
        db,
        whitelist_id=body.whitelist_id,
        name=body.name,
        rule=body.rule,
        as_of=body.as_of or clock.today(),
        actor=viewer,
        district_code=body.district_code,
        pilot=body.pilot,
        parent_id=body.parent_id,
    )
    return {"whitelist_id": wl.id, "rule": wl.rule, "proposed": proposed}


@router.get("/whitelists")
def get_whitelists(db: Db, viewer: Officer) -> list[dict[str, Any]]:
    """Whitelists with their entries' latest decisions (a district office: its own)."""
    q = select(Whitelist).order_by(Whitelist.created_at)
    if viewer.role == "district_officer":
        q = q.where(Whitelist.district_code == viewer.district_code)
    return [
        {
            "whitelist_id": w.id,
            "name": w.name,
            "district": w.district_code,
            "pilot": w.pilot,
            "rule": w.rule,
            "entries": fin.entries(db, w.id),
        }
        for w in db.scalars(q)
    ]


@router.post("/whitelists/{whitelist_id}/review")
def post_review(whitelist_id: str, body: ReviewIn, db: Db, viewer: Officer) -> dict[str, Any]:
    """人工审核: approve or reject one subject (a manual addition needs a note)."""
    decision = _run(
        fin.review,
        db,
        whitelist_id=whitelist_id,
        subject_id=body.subject_id,
        approve=body.approve,
        actor=viewer,
        note=body.note,
    )
    return {"whitelist_id": whitelist_id, "subject_id": body.subject_id, "decision": decision}


@router.post("/whitelists/{whitelist_id}/push")
def post_push(whitelist_id: str, body: PushIn, db: Db, viewer: Officer) -> dict[str, Any]:
    """Push the approved subjects to a named bank."""
    pushed = _run(fin.push, db, whitelist_id=whitelist_id, bank_id=body.bank_id, actor=viewer)
    return {"whitelist_id": whitelist_id, "bank_id": body.bank_id, "pushed": pushed}


@router.get("/bank/subjects")
def get_bank_subjects(db: Db, viewer: BankLogin) -> list[dict[str, Any]]:
    """The bank workbench: subjects pushed to the caller's bank, with needs and latest outcomes."""
    return fin.bank_subjects(db, viewer=viewer)


@router.get("/bank/subjects/{subject_id}")
def get_bank_subject(
    request: Request, subject_id: str, db: Db, viewer: BankLogin, as_of: dt.date | None = None
) -> dict[str, Any]:
    """One pushed subject: needs, public records, authorised records only with the subject's authorisation (logged)."""
    return _run(
        fin.bank_subject_view,
        db,
        viewer=viewer,
        subject_id=subject_id,
        as_of=as_of or clock.today(),
        purpose=purpose_of(request, viewer, subject_id),
    )


@router.post("/bank/outcomes", status_code=201)
def post_outcome(body: OutcomeIn, db: Db, viewer: BankLogin) -> dict[str, Any]:
    """Record contact, approval (amount_fen, rate_bp) or rejection (reason) of a need pushed to the bank."""
    o = _run(
        fin.record_outcome,
        db,
        viewer=viewer,
        need_id=body.need_id,
        event=body.event,
        idempotency_key=body.idempotency_key,
        amount_fen=body.amount_fen,
        rate_bp=body.rate_bp,
        reason=body.reason,
    )
    return fin.outcome_dict(o)


@router.post("/authorisations", status_code=201)
def post_authorisation(body: AuthoriseIn, db: Db, viewer: SubjectLogin) -> dict[str, Any]:
    """The subject lets a bank see its authorised-level records for `days`."""
    a = _run(
        fin.authorise_bank,
        db,
        subject_id=viewer.subject_id,
        bank_id=body.bank_id,
        purpose=body.purpose,
        days=body.days,
        actor=viewer,
    )
    return {"id": a.id, "bank_id": a.bank_id, "purpose": a.purpose, "expires_at": a.expires_at.isoformat()}


@router.get("/figures")
def get_figures(
    db: Db, viewer: Officer, pilot: str | None = None, district: str | None = None
) -> dict[str, Any]:
    """Per pilot/district: needs, registrations, contacted, coverage, loans, borrowers, granted fen, whitelist size."""
    if viewer.role == "district_officer":
        district = viewer.district_code
    return fin.pilot_figures(db, district_code=district, pilot=pilot)
