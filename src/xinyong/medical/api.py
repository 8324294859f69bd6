"""Credit-medical API (docs/medical.md, docs/api.md).

* `POST /api/v1/medical/charges` — a hospital posts a charge with ITS OWN API key (a `subject` user of
  a registered hospital subject) and a signature: `X-Xinyong-Timestamp` (Unix seconds, ±300 s) and
  `X-Xinyong-Signature: sha256=<hex HMAC-SHA256(api key, "<timestamp>.<raw body>")>`. The key of the
  charge (`idempotency_key`) is per hospital: a retry returns the first result, another amount under
  the same key is 409.
* sign-up and repayment by the person (role `subject`) or the city; statements to the person, the
  district office of their district and the city (personal data: 404 for anyone else).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import Db, current_viewer, get_auth, require_role
from xinyong.apitypes import Day
from xinyong.books import service as books
from xinyong.books.service import BooksError, ConflictError
from xinyong.disclosure.policy import Viewer, sees_personal_data, subject_visible
from xinyong.medical import service
from xinyong.medical.models import MedicalHospital
from xinyong.medical.schemas import (
    ChargeIn,
    ChargeOut,
    LineOut,
    PatientOut,
    RepaymentIn,
    SignUpIn,
    StatementOut,
)
from xinyong.subjects.models import Subject

router = APIRouter(prefix="/api/v1/medical", tags=["medical"])
SIGNATURE_WINDOW = 300


def refused(exc: BooksError) -> HTTPException:
    status = 409 if isinstance(exc, ConflictError) else 422
    return HTTPException(status, detail=exc.as_dict())


def _not_found(subject_id: str) -> HTTPException:
    return HTTPException(404, detail=f"主体不存在 / subject not found: {subject_id}")


def personal_subject(db: Session, viewer: Viewer, subject_id: str) -> Subject:
    """The subject when `viewer` may see its personal data (itself, its district office, the city);
    404 otherwise, exactly as for an unknown id."""
    subject = db.get(Subject, subject_id)
    if subject is None or not subject_visible(viewer, subject) or not sees_personal_data(viewer, subject):
        raise _not_found(subject_id)
    return subject


def _may_act_for(viewer: Viewer, subject_id: str) -> bool:
    return viewer.role == "city_admin" or (viewer.role == "subject" and viewer.subject_id == subject_id)


async def verify_signature(request: Request) -> bytes:
    """The raw body, when the request is signed with the API key it presents (401 otherwise)."""
    header = request.headers.get("authorization", "")
    key = header.partition(" ")[2].strip()
    ts = request.headers.get("x-xinyong-timestamp", "")
    sig = request.headers.get("x-xinyong-signature", "")
    body = await request.body()
    try:
        fresh = abs(time.time() - int(ts)) <= SIGNATURE_WINDOW
    except ValueError:
        fresh = False
    expected = "sha256=" + hmac.new(key.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not key or not fresh or not hmac.compare_digest(expected, sig):
        raise HTTPException(
            401,
            detail={
                "zh": "请求签名无效或已过期（X-Xinyong-Timestamp / X-Xinyong-Signature）",
                "en": "request signature invalid or stale (X-Xinyong-Timestamp / X-Xinyong-Signature)",
            },
        )
    return body


def sign(key: str, body: bytes, ts: int | None = None) -> dict[str, str]:
    """Headers a hospital sends (the reference for client authors and tests)."""
    ts = int(time.time()) if ts is None else ts
    mac = hmac.new(key.encode(), str(ts).encode() + b"." + body, hashlib.sha256).hexdigest()
    return {
        "Authorization": f"Bearer {key}",
        "X-Xinyong-Timestamp": str(ts),
        "X-Xinyong-Signature": f"sha256={mac}",
        "Content-Type": "application/json",
    }


@router.post("/charges", response_model=ChargeOut)
def post_charge(request: Request, body: ChargeIn, db: Db, _raw: bytes = Depends(verify_signature)):
    """A hospital's charge on a patient's line (API key of the hospital's own account, signed)."""
    auth = get_auth(request)
    viewer = auth.viewer
    if (
        auth.via != "api_key"
        or viewer.role != "subject"
        or db.get(MedicalHospital, viewer.subject_id) is None
    ):
        raise HTTPException(
            403,
            detail={
                "zh": "只有接入的医疗机构可用其 API 密钥记账",
                "en": "only a hospital on the scheme, with its API key",
            },
        )
    try:  # own transaction, retried when a parallel retry of the same charge got there first
        result = books.run(
            request.app.state.engine,
            lambda s: service.charge(
                s,
                hospital_id=viewer.subject_id,
                patient_id=body.patient_id,
                amount_fen=body.amount_fen,
                idempotency_key=body.idempotency_key,
                charged_on=body.charged_on,
                visit_no=body.visit_no,
            ),
        )
    except BooksError as exc:
        raise refused(exc) from exc
    return ChargeOut(
        transaction_id=result.transaction_id, replayed=result.replayed, available_fen=result.available_fen
    )


@router.post("/signup", response_model=LineOut)
def post_signup(body: SignUpIn, db: Db, viewer: Viewer = Depends(require_role("subject", "city_admin"))):
    """Sign up for a line (the person, or the city on their behalf)."""
    if not _may_act_for(viewer, body.subject_id):
        raise _not_found(body.subject_id)
    try:
        line = service.sign_up(
            db, subject_id=body.subject_id, viewer=viewer, as_of=body.as_of or clock.today()
        )
    except BooksError as exc:
        raise refused(exc) from exc
    return LineOut(
        subject_id=line.subject_id,
        score=line.score,
        line_fen=line.line_fen,
        status=line.status,
        signed_on=line.signed_on,
    )


@router.post("/repayments")
def post_repayment(
    request: Request, body: RepaymentIn, viewer: Viewer = Depends(require_role("subject", "city_admin"))
):
    """A repayment (no interest or fee within the interest-free period)."""
    if not _may_act_for(viewer, body.subject_id):
        raise _not_found(body.subject_id)
    try:
        posted = books.run(
            request.app.state.engine,
            lambda s: service.repay(
                s,
                patient_id=body.subject_id,
                amount_fen=body.amount_fen,
                idempotency_key=body.idempotency_key,
                paid_on=body.paid_on,
            ),
        )
    except BooksError as exc:
        raise refused(exc) from exc
    return {"transaction_id": posted.transaction_id, "replayed": posted.replayed}


def patient_view(db: Session, subject_id: str, as_of: dt.date) -> PatientOut:
    line = service._line(db, subject_id)
    sts = service.statements(db, subject_id, as_of)
    return PatientOut(
        subject_id=subject_id,
        line_fen=line.line_fen,
        available_fen=service.available(db, line),
        status=line.status,
        statements=[
            StatementOut(
                month=s.month,
                due_on=s.due_on,
                charged_fen=s.charged_fen,
                paid_fen=s.paid_fen,
                outstanding_fen=s.outstanding_fen,
                interest_fen=s.interest_fen,
                overdue_days=s.overdue_days,
                status=s.status,
                charges=[{**c, "on": c["on"].isoformat()} for c in s.charges],
            )
            for s in sts
        ],
    )


@router.get("/patients/{subject_id}", response_model=PatientOut)
def get_patient(
    subject_id: str,
    db: Db,
    viewer: Viewer = Depends(current_viewer),
    as_of: Annotated[Day, Query()] = None,
):
    """A patient's line and monthly statements (the person, their district office, the city)."""
    personal_subject(db, viewer, subject_id)
    try:
        return patient_view(db, subject_id, as_of or clock.today())
    except BooksError as exc:
        raise _not_found(subject_id) from exc


@router.get("/dashboard")
def get_dashboard(
    db: Db,
    viewer: Viewer = Depends(require_role("city_admin", "district_officer")),
    as_of: Annotated[Day, Query()] = None,
    district: str | None = Query(None, max_length=6),
):
    """Credit-medical use of a district (a district office: its own; the city: any or all)."""
    code = viewer.district_code if viewer.role == "district_officer" else (district or None)
    return {"district_code": code, **service.dashboard(db, district_code=code, as_of=as_of or clock.today())}
