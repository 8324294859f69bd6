"""REST endpoints of credit commitments (信用承诺), docs/api.md "Commitments".

Signing: a subject account signs online for its own subject; the city or the subject's district
office records a paper signature. Steps (kept, breached, expired) are the district office's or the
city's; withdrawal also the subject's own. Each write commits, then publishes the commitment's
records through the ingest service (publish.publish). Reads answer 404 for a commitment the viewer
may not see, exactly as for an unknown id.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from xinyong import clock
from xinyong.accounts.deps import log_access, purpose_of, require_login, require_role
from xinyong.apitypes import Day
from xinyong.commitments import service, views
from xinyong.commitments.models import STATES
from xinyong.commitments.publish import PublishError, publish
from xinyong.commitments.rates import signing_rates
from xinyong.commitments.schemas import CommitmentOut, RateOut, SignIn, StepIn
from xinyong.disclosure.policy import Viewer
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

router = APIRouter(prefix="/api/v1", tags=["commitments"])
Login = Annotated[Viewer, Depends(require_login)]
Writer = Annotated[Viewer, Depends(require_role("city_admin", "district_officer", "subject"))]


def _engine(request: Request) -> Any:
    return request.app.state.engine


def _not_found(commitment_id: str) -> HTTPException:
    return HTTPException(404, detail=f"承诺不存在 / commitment not found: {commitment_id}")


def _publish(request: Request, ids: list[str]) -> None:
    try:
        publish(_engine(request), commitment_ids=ids)
    except PublishError as exc:  # the step is recorded; the record waits in quarantine
        raise HTTPException(500, detail=str(exc)) from exc


@router.get("/commitments/templates")
def list_templates() -> list[dict[str, Any]]:
    """Commitment templates (承诺书模板): type, scenario, term and the letter as signed."""
    return views.template_rows()


@router.get("/commitments/rates", response_model=list[RateOut])
def get_rates(
    request: Request,
    viewer: Login,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
    district_code: str | None = Query(None, description="only this district's pilots"),
) -> list[RateOut]:
    """Signing rate per pilot (签订率) as of a date, with the programme's target and whether it is met."""
    day = as_of or clock.today()
    if viewer.role == "district_officer":
        district_code = viewer.district_code
    with session_scope(_engine(request)) as s:
        return signing_rates(s, as_of=day, district_code=district_code)


@router.get("/commitments", response_model=list[CommitmentOut])
def list_commitments(
    request: Request,
    viewer: Login,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
    subject_id: str | None = Query(None, max_length=24),
    pilot: str | None = Query(None, max_length=64),
    state: str | None = Query(None, description="signed | in_force | kept | breached | expired | withdrawn"),
    limit: int = Query(200, ge=1, le=1000),
) -> list[CommitmentOut]:
    """Commitments the viewer may see (city: all; district office: its district; subject: its own)."""
    if state is not None and state not in STATES:
        raise HTTPException(
            422, detail=f"未知状态 {state} / unknown state {state!r}; one of {', '.join(STATES)}"
        )
    with session_scope(_engine(request)) as s:
        return views.listing(
            s,
            viewer,
            as_of=as_of or clock.today(),
            subject_id=subject_id,
            pilot=pilot,
            state=state,
            limit=limit,
        )


@router.post("/commitments", response_model=CommitmentOut, status_code=201)
def sign_commitment(request: Request, body: SignIn, viewer: Writer) -> CommitmentOut:
    """Sign (subject account, `online`) or record a paper signature (officer, `paper`); idempotent."""
    with session_scope(_engine(request)) as s:
        if viewer.role == "subject":
            if body.channel != "online" or (body.subject_id not in (None, viewer.subject_id)):
                raise HTTPException(
                    403, detail="主体账号只能为本主体网上签署 / a subject signs online for itself only"
                )
            subject_id = viewer.subject_id or ""
        else:
            if body.channel != "paper" or not body.subject_id:
                raise HTTPException(
                    422,
                    detail="经办人录入纸质承诺须给出 subject_id 且 channel=paper / officers record paper signatures "
                    "(channel=paper) for a subject_id",
                )
            subject = s.get(Subject, body.subject_id)
            if subject is None or not views.may_record_paper(viewer, subject):
                raise HTTPException(404, detail=f"信用主体不存在 / subject not found: {body.subject_id}")
            subject_id = body.subject_id
        try:
            row = service.sign(
                s,
                template_id=body.template_id,
                subject_id=subject_id,
                actor=viewer.label,
                channel=body.channel,
                idempotency_key=body.idempotency_key,
                signed_on=body.signed_on if body.channel == "paper" else None,
                paper_ref=body.paper_ref if body.channel == "paper" else None,
                signer_user_id=int(viewer.user_id) if (viewer.user_id or "").isdigit() else None,
            )
        except service.CommitmentError as exc:
            raise HTTPException(422, detail=str(exc)) from exc
        cid = row.id
    _publish(request, [cid])
    with session_scope(_engine(request)) as s:
        return views.commitment_out(s, viewer, s.get(service.Commitment, cid), as_of=clock.today())


@router.get("/commitments/{commitment_id}", response_model=CommitmentOut)
def get_commitment(
    request: Request,
    commitment_id: str,
    viewer: Login,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
) -> CommitmentOut:
    """One commitment with its letter, its state as of the date and every step (who, when, why)."""
    with session_scope(_engine(request)) as s:
        try:
            row = views.visible(s, viewer, commitment_id)
        except service.CommitmentNotFound as exc:
            raise _not_found(commitment_id) from exc
        log_access(
            s,
            viewer,
            row.subject_id,
            purpose_of(request, viewer, row.subject_id),
            "api:commitment",
            detail={"commitment": row.id},
        )
        return views.commitment_out(s, viewer, row, as_of=as_of or clock.today())


@router.post("/commitments/{commitment_id}/events", response_model=CommitmentOut, status_code=201)
def post_step(request: Request, commitment_id: str, body: StepIn, viewer: Writer) -> CommitmentOut:
    """Record kept (践诺), breached (违诺 → a negative record), expired or withdrawn; 409 when the
    step makes no sense for the commitment's state."""
    day = body.effective_on or clock.today()
    with session_scope(_engine(request)) as s:
        try:
            row = views.visible(s, viewer, commitment_id)
        except service.CommitmentNotFound as exc:
            raise _not_found(commitment_id) from exc
        own_withdrawal = viewer.role == "subject" and body.event == "withdrawn"
        if not (own_withdrawal or views.may_decide(viewer, row)):
            raise HTTPException(403, detail="无权变更该承诺 / you may not change this commitment")
        try:
            service.record_step(
                s,
                commitment_id=commitment_id,
                event=body.event,
                actor=viewer.label,
                reason=body.reason,
                effective_on=day,
            )
        except service.CommitmentError as exc:
            raise HTTPException(409, detail=str(exc)) from exc
    _publish(request, [commitment_id])
    with session_scope(_engine(request)) as s:
        return views.commitment_out(
            s, viewer, s.get(service.Commitment, commitment_id), as_of=max(day, clock.today())
        )
