"""The bank workbench (银行工作台): the subjects pushed to the bank login's bank, each need with a form to
record contact, approval (amount in yuan → fen, rate in basis points) or rejection; a subject's page
with the records the bank may see (authorised-level ones only under the subject's authorisation) and
each need's outcome history; and the subject's own page to declare a financing need (/my/financing)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import Db, require_console_role
from xinyong.console.templating import render
from xinyong.disclosure.policy import Viewer
from xinyong.financing import service as fin
from xinyong.incentives.errors import IncentiveError
from xinyong.numbers import whole_number

router = APIRouter(include_in_schema=False)
BankLogin = Annotated[Viewer, Depends(require_console_role("bank"))]
SubjectLogin = Annotated[Viewer, Depends(require_console_role("subject"))]


def _workbench(
    request: Request,
    db: Session,
    viewer: Viewer,
    *,
    error: str | None = None,
    ok: str | None = None,
    status: int = 200,
) -> Response:
    bank_id = fin.bank_of(db, viewer)
    resp = render(
        request,
        "financing/workbench.html",
        rows=fin.bank_subjects(db, viewer=viewer),
        bank_id=bank_id,
        bank_name=fin.bank_name(db, bank_id),
        error=error,
        ok=ok,
    )
    resp.status_code = status
    return resp


@router.get("/bank", response_class=HTMLResponse)
def workbench(request: Request, db: Db, viewer: BankLogin, ok: str | None = Query(None, max_length=40)):
    return _workbench(request, db, viewer, ok=ok)


@router.get("/bank/subjects/{subject_id}", response_class=HTMLResponse)
def bank_subject(request: Request, subject_id: str, db: Db, viewer: BankLogin):
    try:
        view = fin.bank_subject_view(
            db, viewer=viewer, subject_id=subject_id, as_of=clock.today(), surface="page"
        )
    except IncentiveError as exc:
        raise HTTPException(exc.status, detail=exc.message) from exc
    return render(request, "financing/bank_subject.html", view=view)


@router.post("/bank/outcomes", response_class=HTMLResponse)
def post_outcome(
    request: Request,
    db: Db,
    viewer: BankLogin,
    need_id: Annotated[int, Form()],
    event: Annotated[str, Form(max_length=16)],
    amount_yuan: Annotated[str, Form(max_length=24)] = "",
    rate_bp: Annotated[str, Form(max_length=8)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        amount = fin.parse_yuan(amount_yuan) if event == "approved" else None
        rate = whole_number(rate_bp)
        if event == "approved" and rate is None:
            raise IncentiveError(
                "rate_bp", f"利率须为整数基点：{rate_bp!r}", f"rate must be whole basis points: {rate_bp!r}"
            )
        fin.record_outcome(
            db,
            viewer=viewer,
            need_id=need_id,
            event=event,
            idempotency_key=key or f"page:{need_id}:{event}:{amount}:{rate_bp}:{reason}"[:100],
            amount_fen=amount,
            rate_bp=rate if event == "approved" else None,
            reason=reason,
        )
    except IncentiveError as exc:
        db.rollback()
        return _workbench(request, db, viewer, error=exc.message, status=exc.status)
    return RedirectResponse(f"/bank?ok={event}", status_code=303)


# --------------------------------------------------------------------------- the subject's own needs


def _my_financing(
    request: Request,
    db: Session,
    viewer: Viewer,
    *,
    error: IncentiveError | None = None,
    form: dict[str, str] | None = None,
    ok: str | None = None,
) -> Response:
    resp = render(
        request,
        "financing/my_financing.html",
        needs=fin.subject_needs(db, subject_id=viewer.subject_id) if viewer.subject_id else [],
        bound=bool(viewer.subject_id),
        error=error,
        form=form or {},
        key=uuid.uuid4().hex,
        ok=ok,
    )
    resp.status_code = error.status if error else 200
    return resp


@router.get("/my/financing", response_class=HTMLResponse)
def my_financing(request: Request, db: Db, viewer: SubjectLogin, ok: str | None = Query(None, max_length=8)):
    """The subject's financing needs (信易贷需求) with each bank's outcome, and the form to declare one."""
    return _my_financing(request, db, viewer, ok=ok)


@router.post("/my/financing", response_class=HTMLResponse)
def post_my_financing(
    request: Request,
    db: Db,
    viewer: SubjectLogin,
    amount_yuan: Annotated[str, Form(max_length=24)] = "",
    term_months: Annotated[str, Form(max_length=8)] = "",
    purpose: Annotated[str, Form(max_length=500)] = "",
    key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Declare a need: amount in 元 (converted exactly to integer fen), term in months, purpose. A bad
    field re-shows the form with the values typed and a Chinese/English error; nothing is written."""
    form = {"amount_yuan": amount_yuan, "term_months": term_months, "purpose": purpose}
    try:
        if not viewer.subject_id:
            raise IncentiveError("subject_id", "账户未绑定主体", "this login is not bound to a subject", 422)
        if not amount_yuan.strip():
            raise IncentiveError("amount", "请填写金额（元）", "enter the amount in yuan")
        amount = fin.parse_yuan(amount_yuan)
        term = whole_number(term_months)  # text that is not one goes on as typed, refused by declare_need
        fin.declare_need(
            db,
            subject_id=viewer.subject_id,
            amount_fen=amount,
            term_months=term_months.strip() if term is None else term,
            purpose=purpose,
            actor=viewer.label,
            idempotency_key=key or uuid.uuid4().hex,
        )
    except IncentiveError as exc:
        db.rollback()
        return _my_financing(request, db, viewer, error=exc, form=form)
    return RedirectResponse("/my/financing?ok=1", status_code=303)
