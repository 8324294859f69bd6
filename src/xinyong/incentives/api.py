"""REST endpoints of 信易+ incentives and the individual credit score (docs/incentives.md,
docs/person-score.md). A subject the viewer may not know exists answers 404, like an unknown id; the
refusal reasons are shown only to viewers that see the subject's full archive (the disclosure
policy's `full_archive`: the city, the subject's district office, the subject itself)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import Db, current_viewer, log_access, purpose_of, require_role
from xinyong.apitypes import Day
from xinyong.disclosure.policy import Viewer, full_archive, subject_visible
from xinyong.incentives import person, service
from xinyong.incentives.errors import IncentiveError
from xinyong.incentives.scenarios import ScenarioError, get_scenario
from xinyong.incentives.schemas import BenefitUseIn, ScoreGrantIn
from xinyong.subjects.models import Subject

router = APIRouter(prefix="/api/v1", tags=["incentives"])
Officer = Annotated[Viewer, Depends(require_role("city_admin", "district_officer", "department"))]
Stats = Annotated[Viewer, Depends(require_role("city_admin", "district_officer"))]
SubjectLogin = Annotated[Viewer, Depends(require_role("subject"))]


def http_error(exc: IncentiveError) -> HTTPException:
    return HTTPException(
        exc.status, detail={"field": exc.field, "zh": exc.zh, "en": exc.en, "message": exc.message}
    )


def _visible_subject(db: Session, viewer: Viewer, subject_id: str) -> Subject:
    subject = db.get(Subject, subject_id)
    if subject is None or not subject_visible(viewer, subject):
        raise HTTPException(404, detail=f"主体不存在 / subject not found: {subject_id}")
    return subject


def subject_benefits(
    db: Session, viewer: Viewer, subject_id: str, as_of: dt.date, surface: str, purpose: str
) -> dict:
    """Benefits as `viewer` may see them: granted for anyone who may see the subject; refusals with
    reasons only under `full_archive` (that read is logged, except the subject's own). Scenarios that
    read a person's score are left out unless the viewer may read it (evaluation.privacy)."""
    subject = _visible_subject(db, viewer, subject_id)
    reasons = full_archive(viewer, subject)
    hide = subject.kind == "person" and not person.may_read_score(db, subject_id=subject_id, viewer=viewer)[0]
    try:
        out = service.benefits(
            db, subject_id=subject_id, as_of=as_of, with_reasons=reasons, hide_personal=hide
        )
    except IncentiveError as exc:
        raise http_error(exc) from exc
    if reasons and not person.is_self(viewer, subject_id):
        log_access(
            db, viewer, subject_id, purpose, surface, detail={"what": "benefits", "as_of": as_of.isoformat()}
        )
    return out


@router.get("/subjects/{subject_id}/benefits")
def get_benefits(
    request: Request,
    subject_id: str,
    db: Db,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today (Beijing)")] = None,
) -> dict[str, Any]:
    """信易+ benefits of a subject: {"granted": [...], "refused": [{"scenario", "reasons", "would_qualify_if"}]}
    (refused only for the subject and officers)."""
    return subject_benefits(
        db,
        current_viewer(request),
        subject_id,
        as_of or clock.today(),
        "api",
        purpose_of(request, current_viewer(request), subject_id),
    )


@router.get("/scenarios")
def get_scenarios() -> list[dict[str, Any]]:
    """Every shipped 信易+ scenario as data: who, the rule (CEL), its conditions and the benefit."""
    return service.scenario_list()


@router.get("/scenarios/{scenario_id}")
def get_one_scenario(scenario_id: str) -> dict[str, Any]:
    """One scenario; 404 for an unknown id."""
    for sc in service.scenario_list():
        if sc["scenario"] == scenario_id:
            return sc
    raise HTTPException(
        404,
        detail={
            "field": "scenario_id",
            "zh": f"未知场景 {scenario_id}",
            "en": f"unknown scenario {scenario_id}",
        },
    )


@router.post("/benefit-uses", status_code=201)
def post_benefit_use(body: BenefitUseIn, db: Db, viewer: Officer) -> dict[str, Any]:
    """Record that a benefit was granted under a scenario (idempotent on `idempotency_key`). A district
    office records only its own district's scenarios; unknown scenario 422, unknown subject 404."""
    try:
        sc = get_scenario(body.scenario_id)
    except ScenarioError as exc:
        raise HTTPException(422, detail={"field": "scenario_id", "zh": exc.zh, "en": exc.en}) from exc
    subject = _visible_subject(db, viewer, body.subject_id)
    if viewer.role == "district_officer" and viewer.district_code not in (sc.district, subject.district_code):
        raise HTTPException(403, detail="只能登记本区场景的优惠 / only your district's scenarios")
    try:
        use = service.record_benefit_use(
            db,
            scenario_id=body.scenario_id,
            subject_id=body.subject_id,
            actor=body.actor or viewer.label,
            detail=body.detail,
            idempotency_key=body.idempotency_key,
            used_on=body.used_on,
        )
    except IncentiveError as exc:
        raise http_error(exc) from exc
    return service.use_dict(use)


@router.get("/benefit-uses")
def get_benefit_uses(
    db: Db,
    viewer: Stats,
    scenario: str | None = None,
    subject_id: str | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """Recorded benefit uses, newest first (a district office: its district's scenarios)."""
    district = viewer.district_code if viewer.role == "district_officer" else None
    uses = service.list_uses(
        db, scenario_id=scenario, subject_id=subject_id, district=district, limit=limit, viewer=viewer
    )
    return [service.use_dict(u) for u in uses]


@router.get("/benefit-uses/stats")
def get_benefit_stats(db: Db, viewer: Stats) -> dict[str, Any]:
    """Launched scenarios and users served, per scenario and per district."""
    district = viewer.district_code if viewer.role == "district_officer" else None
    return service.usage_stats(db, district=district)


# --------------------------------------------------------------------------- person score


@router.get("/persons/{subject_id}/score")
def get_person_score(
    request: Request,
    subject_id: str,
    db: Db,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today (Beijing)")] = None,
) -> dict[str, Any]:
    """The individual credit score with reasons and what would raise it: the person, or a user holding
    the person's live grant (logged). Anyone else: 404."""
    try:
        return person.score_report(
            db, subject_id=subject_id, as_of=as_of or clock.today(), viewer=current_viewer(request)
        )
    except IncentiveError as exc:
        raise http_error(exc) from exc


@router.get("/persons/{subject_id}/score-grants")
def get_score_grants(subject_id: str, db: Db, viewer: SubjectLogin) -> list[dict[str, Any]]:
    """The person's own grants (newest first)."""
    try:
        return person.list_grants(db, subject_id=subject_id, actor=viewer)
    except IncentiveError as exc:
        raise http_error(exc) from exc


@router.post("/persons/{subject_id}/score-grants", status_code=201)
def post_score_grant(subject_id: str, body: ScoreGrantIn, db: Db, viewer: SubjectLogin) -> dict[str, Any]:
    """The person lets one user read the score for a purpose until an expiry."""
    expires = body.expires_at
    if expires.tzinfo is not None:
        expires = expires.astimezone(dt.UTC).replace(tzinfo=None)
    try:
        g = person.grant_score_access(
            db,
            subject_id=subject_id,
            grantee_username=body.grantee,
            purpose=body.purpose,
            expires_at=expires,
            actor=viewer,
        )
        return next(x for x in person.list_grants(db, subject_id=subject_id, actor=viewer) if x["id"] == g.id)
    except IncentiveError as exc:
        raise http_error(exc) from exc


@router.post("/score-grants/{grant_id}/revoke")
def post_revoke_grant(grant_id: int, db: Db, viewer: SubjectLogin) -> dict[str, Any]:
    """The person revokes a grant (at once; revoking twice keeps the first time)."""
    try:
        g = person.revoke_grant(db, grant_id=grant_id, actor=viewer)
        return next(
            x for x in person.list_grants(db, subject_id=g.subject_id, actor=viewer) if x["id"] == g.id
        )
    except IncentiveError as exc:
        raise http_error(exc) from exc
