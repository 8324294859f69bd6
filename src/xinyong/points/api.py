"""Points API (docs/points.md, docs/api.md): 宝坻 village claims, committee decisions, the 积分超市
counter, a villager's own points, monthly rankings, dashboards; 红桥's half-year ranking.

Who: a claim is made by the villager (role `subject`, own id) or a committee member for a villager of
their village; decisions, restocking and redemptions only by a member of that village's committee
(table `points_committee`, by username) — anyone else gets 422 with the reason and nothing changes.
A villager's history is shown to the villager, their village committee, their district office and the
city (404 for anyone else, as for an unknown id). Rankings are public with names masked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import Db, current_viewer, require_role
from xinyong.books import service as books
from xinyong.books.service import BooksError, ConflictError
from xinyong.disclosure.policy import LOGIN_ROLES, Viewer, sees_personal_data
from xinyong.points import enterprise, service
from xinyong.points.models import PointsClaim, PointsVillage
from xinyong.points.schemas import ClaimIn, DecisionIn, RedemptionIn, RestockIn
from xinyong.subjects.models import Subject

router = APIRouter(prefix="/api/v1/points", tags=["points"])
LoggedIn = Annotated[Viewer, Depends(require_role(*LOGIN_ROLES))]


def refused(exc: BooksError) -> HTTPException:
    return HTTPException(409 if isinstance(exc, ConflictError) else 422, detail=exc.as_dict())


def _not_found(what: str) -> HTTPException:
    return HTTPException(404, detail=f"不存在 / not found: {what}")


def villager_for(db: Session, viewer: Viewer, villager_id: str) -> Subject:
    """The villager when `viewer` may see their points; 404 otherwise."""
    person = db.get(Subject, villager_id)
    if person is None or person.kind != "person" or person.parent_id is None:
        raise _not_found(villager_id)
    own_committee = person.parent_id in service.committee_villages(db, viewer.username)
    if not (own_committee or sees_personal_data(viewer, person)):
        raise _not_found(villager_id)
    return person


def claim_out(c: PointsClaim) -> dict:
    return {
        "id": c.id,
        "villager_id": c.villager_id,
        "village_id": c.village_id,
        "item_id": c.item_id,
        "points": c.points,
        "evidence": c.evidence,
        "claimed_on": c.claimed_on.isoformat(),
    }


@router.post("/claims")
def post_claim(body: ClaimIn, db: Db, viewer: LoggedIn):
    """A claim with evidence (the villager, or their village committee)."""
    villager_for(db, viewer, body.villager_id)
    try:
        row = service.claim(
            db,
            villager_id=body.villager_id,
            item_id=body.item_id,
            evidence=body.evidence,
            claimed_on=body.claimed_on,
            idempotency_key=body.idempotency_key,
            submitted_by=viewer.username or viewer.role,
        )
    except BooksError as exc:
        raise refused(exc) from exc
    return claim_out(row)


@router.get("/claims/pending")
def get_pending(db: Db, viewer: LoggedIn):
    """The approval queue of the viewer's village committees (empty for anyone else)."""
    villages = service.committee_villages(db, viewer.username)
    return {"claims": [claim_out(c) for c in service.pending_claims(db, villages)] if villages else []}


@router.post("/claims/{claim_id}/decision")
def post_decision(claim_id: int, body: DecisionIn, db: Db, viewer: LoggedIn):
    """Approve or reject a claim (a member of that village's committee; once)."""
    claim = db.get(PointsClaim, claim_id)
    if claim is None or claim.village_id not in service.committee_villages(db, viewer.username):
        # an outsider learns nothing about the claim, and nothing changes
        raise HTTPException(
            422,
            detail=service.PointsError(
                "不是本村村委会成员，无权审批", "not on this village's committee; may not approve", "actor"
            ).as_dict(),
        )
    try:
        d = service.decide(
            db,
            claim_id=claim_id,
            actor=viewer.username or "",
            approve=body.approve,
            decided_on=body.decided_on or clock.today(),
            reason=body.reason,
        )
    except BooksError as exc:
        raise refused(exc) from exc
    return {"claim_id": claim_id, "decision": d.decision, "transaction_id": d.transaction_id}


@router.post("/redemptions")
def post_redemption(request: Request, body: RedemptionIn, db: Db, viewer: LoggedIn):
    """Exchange points for goods at the village counter (committee member)."""
    villager_for(db, viewer, body.villager_id)
    try:
        posted = books.run(  # own transaction, retried when a parallel retry got there first
            request.app.state.engine,
            lambda s: service.redeem(
                s,
                villager_id=body.villager_id,
                sku=body.sku,
                quantity=body.quantity,
                actor=viewer.username or "",
                idempotency_key=body.idempotency_key,
                on=body.on or clock.today(),
            ),
        )
    except BooksError as exc:
        raise refused(exc) from exc
    return {"transaction_id": posted.transaction_id, "replayed": posted.replayed}


@router.post("/restock")
def post_restock(body: RestockIn, db: Db, viewer: LoggedIn):
    """Goods delivered to the village's 积分超市 (committee member)."""
    try:
        posted = service.restock(
            db,
            village_id=body.village_id,
            sku=body.sku,
            quantity=body.quantity,
            actor=viewer.username or "",
            idempotency_key=body.idempotency_key,
            on=body.on or clock.today(),
        )
    except BooksError as exc:
        raise refused(exc) from exc
    return {"transaction_id": posted.transaction_id, "replayed": posted.replayed}


@router.get("/villagers/{villager_id}")
def get_villager(villager_id: str, db: Db, viewer: Viewer = Depends(current_viewer)):
    """A villager's balance and history (the villager, their committee, district office, the city)."""
    villager_for(db, viewer, villager_id)
    h = service.history(db, villager_id)
    return {
        "villager_id": villager_id,
        "balance": h["balance"],
        "movements": [{**m, "on": m["on"].isoformat()} for m in h["movements"]],
    }


@router.get("/villages/{village_id}/ranking")
def get_ranking(
    village_id: str,
    db: Db,
    month: str = Query(..., pattern=r"^(19|20)\d\d-(0[1-9]|1[0-2])$", description="month, e.g. 2026-10"),
):
    """The public monthly ranking of a village (names masked)."""
    if db.get(PointsVillage, village_id) is None:
        raise _not_found(village_id)
    rows = service.monthly_ranking(db, village_id=village_id, month=month)
    return {
        "village_id": village_id,
        "month": month,
        "ranking": [{"rank": r.rank, "name": r.name, "points": r.points} for r in rows],
    }


@router.get("/dashboard")
def get_dashboard(
    db: Db,
    viewer: Viewer = Depends(require_role("city_admin", "district_officer")),
    district: str | None = Query(None, max_length=6),
):
    """Villages on the scheme (target 100), exemplary villages (target 3), points awarded and spent."""
    code = viewer.district_code if viewer.role == "district_officer" else (district or None)
    return {"district_code": code, **service.district_counts(db, district_code=code)}


@router.get("/hongqiao/ranking")
def get_hongqiao_ranking(
    db: Db,
    period: str = Query(
        ..., pattern=r"^(19|20)\d\d-H[12]$", description="half-year, e.g. 2026-H1 (1900–2099)"
    ),
):
    """红桥's published half-year ranking (blacklisted firms left out; top 20% subsidised)."""
    try:
        result = enterprise.ranking(db, period=period)
    except BooksError as exc:
        raise refused(exc) from exc
    return {
        "period": period,
        "top_n": result["top_n"],
        "subsidised": result["subsidised"],
        "excluded": len(result["excluded"]),
        "ranking": [
            {
                "rank": r.rank,
                "name": r.name,
                "grade": r.grade,
                "grade_points": r.grade_points,
                "earned_points": r.earned_points,
                "total": r.total,
                "subsidised": r.subsidised,
            }
            for r in result["ranked"]
        ],
    }
