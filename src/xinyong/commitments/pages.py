"""Console pages of credit commitments (信用承诺):

* `/commitments/sign` — a subject account signs on its phone (mobile-width page): the letters its
  subject may sign, each with its clauses and consequences, and its own commitments;
* `/commitments` — the district office / city: commitments in scope, recording a paper signature;
* `/commitments/{id}` — one commitment with its steps; officers record kept / breached / expired /
  withdrawn, the subject may withdraw its own;
* `/commitments/rates` — signing rate per pilot against the programme targets (live).

Writes go through the service (then publish.publish), exactly as the API's.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import or_, select

from xinyong import clock
from xinyong.accounts.deps import log_access, purpose_of, require_console_role
from xinyong.apitypes import Day
from xinyong.commitments import service, views
from xinyong.commitments.letters import templates_for
from xinyong.commitments.models import STATES
from xinyong.commitments.publish import publish
from xinyong.commitments.rates import signing_rates
from xinyong.console.templating import render
from xinyong.disclosure.policy import LOGIN_ROLES, Viewer
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

router = APIRouter(include_in_schema=False)
Signer = Annotated[Viewer, Depends(require_console_role("subject"))]
Officer = Annotated[Viewer, Depends(require_console_role(*views.OFFICER_ROLES))]
Member = Annotated[Viewer, Depends(require_console_role(*views.OFFICER_ROLES, "subject"))]
Anyone = Annotated[Viewer, Depends(require_console_role(*LOGIN_ROLES))]


def _engine(request: Request):  # noqa: ANN202
    return request.app.state.engine


@router.get("/commitments/sign", response_class=HTMLResponse)
def sign_page(request: Request, viewer: Signer, done: str | None = Query(None, max_length=24)) -> Response:
    """The subject's phone page: letters to sign and its commitments."""
    today = clock.today()
    with session_scope(_engine(request)) as s:
        subject = s.get(Subject, viewer.subject_id or "")
        # Credit-repair letters are signed within a repair application (xinyong.repair), not here;
        # the pilot's own letters come first.
        letters = sorted(
            (
                t
                for t in templates_for(
                    pilot=subject.pilot, district_code=subject.district_code, kind=subject.kind
                )
                if t.online and t.type != "credit_repair"
            )
            if subject
            else [],
            key=lambda t: (not t.pilots, t.id),
        )
        mine = views.listing(s, viewer, as_of=today)
    signed_templates = {c.template_id for c in mine if c.state in ("signed", "in_force")}
    return render(
        request,
        "commitments/sign.html",
        viewer=viewer,
        subject=subject,
        letters=letters,
        mine=mine,
        signed_templates=signed_templates,
        done=done,
        key=uuid.uuid4().hex,
        error=None,
    )


@router.post("/commitments/sign")
def sign_submit(
    request: Request,
    viewer: Signer,
    template_id: Annotated[str, Form(max_length=64)] = "",
    idempotency_key: Annotated[str, Form(max_length=100)] = "",
    agree: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Sign online; a double tap or a reload posts the same idempotency key (one commitment)."""
    if agree != "yes":
        raise HTTPException(422, detail="请先勾选“我已阅读并承诺” / tick “I have read and commit” first")
    with session_scope(_engine(request)) as s:
        try:
            row = service.sign(
                s,
                template_id=template_id,
                subject_id=viewer.subject_id or "",
                actor=viewer.label,
                channel="online",
                idempotency_key=idempotency_key or None,
                signer_user_id=int(viewer.user_id) if (viewer.user_id or "").isdigit() else None,
            )
        except service.CommitmentError as exc:
            raise HTTPException(422, detail=str(exc)) from exc
        cid = row.id
    publish(_engine(request), commitment_ids=[cid])
    return RedirectResponse(f"/commitments/sign?done={cid}", status_code=303)


@router.get("/commitments/rates", response_class=HTMLResponse)
def rates_page(
    request: Request,
    viewer: Anyone,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
) -> Response:
    """Signing rate per pilot (签订率), live, with each programme's target."""
    day = as_of or clock.today()
    with session_scope(_engine(request)) as s:
        rows = signing_rates(
            s, as_of=day, district_code=viewer.district_code if viewer.role == "district_officer" else None
        )
    return render(request, "commitments/rates.html", viewer=viewer, rows=rows, as_of=day)


@router.get("/commitments", response_class=HTMLResponse)
def officer_page(
    request: Request,
    viewer: Officer,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
    state: str | None = Query(None, max_length=16),
    pilot: str | None = Query(None, max_length=64),
    message: str | None = Query(None, max_length=200),
) -> Response:
    """Commitments in the officer's scope and the paper-signature form."""
    day = as_of or clock.today()
    with session_scope(_engine(request)) as s:
        rows = views.listing(
            s, viewer, as_of=day, state=state if state in STATES else None, pilot=pilot or None
        )
    return render(
        request,
        "commitments/officer.html",
        viewer=viewer,
        rows=rows,
        as_of=day,
        state=state or "",
        states=STATES,
        templates=views.template_rows(),
        message=message,
        error=None,
    )


@router.post("/commitments/paper")
def paper_submit(
    request: Request,
    viewer: Officer,
    subject: Annotated[str, Form(max_length=24)] = "",
    template_id: Annotated[str, Form(max_length=64)] = "",
    signed_on: Annotated[Day, Form()] = None,
    paper_ref: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Record a paper signature for a subject (by id or USCC) of the officer's district."""
    code = subject.strip().upper()
    with session_scope(_engine(request)) as s:
        found = s.scalar(select(Subject).where(or_(Subject.id == subject.strip(), Subject.uscc == code)))
        if found is None or not views.may_record_paper(viewer, found):
            raise HTTPException(404, detail=f"信用主体不存在 / subject not found: {subject}")
        try:
            row = service.sign(
                s,
                template_id=template_id,
                subject_id=found.id,
                actor=viewer.label,
                channel="paper",
                idempotency_key=None,
                signed_on=signed_on,
                paper_ref=paper_ref or None,
            )
        except service.CommitmentError as exc:
            raise HTTPException(422, detail=str(exc)) from exc
        cid = row.id
    publish(_engine(request), commitment_ids=[cid])
    return RedirectResponse(f"/commitments/{cid}", status_code=303)


@router.get("/commitments/{commitment_id}", response_class=HTMLResponse)
def detail_page(
    request: Request,
    commitment_id: str,
    viewer: Member,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
) -> Response:
    """One commitment: the letter as signed, its state as of the date and every step."""
    day = as_of or clock.today()
    with session_scope(_engine(request)) as s:
        try:
            row = views.visible(s, viewer, commitment_id)
        except service.CommitmentNotFound as exc:
            raise HTTPException(404, detail=f"承诺不存在 / commitment not found: {commitment_id}") from exc
        log_access(
            s,
            viewer,
            row.subject_id,
            purpose_of(request, viewer, row.subject_id),
            "page:commitment",
            detail={"commitment": row.id},
        )
        out = views.commitment_out(s, viewer, row, as_of=day)
        decides = views.may_decide(viewer, row)
    return render(
        request, "commitments/detail.html", viewer=viewer, c=out, decides=decides, today=clock.today()
    )


@router.post("/commitments/{commitment_id}/step")
def step_submit(
    request: Request,
    commitment_id: str,
    viewer: Member,
    event: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    effective_on: Annotated[Day, Form()] = None,
) -> Response:
    """Record kept / breached / expired / withdrawn (a subject: withdraw its own only)."""
    with session_scope(_engine(request)) as s:
        try:
            row = views.visible(s, viewer, commitment_id)
        except service.CommitmentNotFound as exc:
            raise HTTPException(404, detail=f"承诺不存在 / commitment not found: {commitment_id}") from exc
        if not (views.may_decide(viewer, row) or (viewer.role == "subject" and event == "withdrawn")):
            raise HTTPException(403, detail="无权变更该承诺 / you may not change this commitment")
        try:
            service.record_step(
                s,
                commitment_id=row.id,
                event=event,
                actor=viewer.label,
                reason=reason,
                effective_on=effective_on or clock.today(),
            )
        except service.CommitmentError as exc:
            raise HTTPException(409, detail=str(exc)) from exc
    publish(_engine(request), commitment_ids=[commitment_id])
    return RedirectResponse(f"/commitments/{commitment_id}", status_code=303)
