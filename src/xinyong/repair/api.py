"""REST endpoints of credit repair and objections (docs/api.md "Repair and objections").

Who may do what ("谁认定、谁修复"): a subject account applies and objects for its own subject's
records; the city and the district office of the subject's district review and decide (the
department that supplies the record's kind decides objections too: it is the source). A record,
subject or case the viewer may not act on answers 404 exactly like an unknown id.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import Db, log_access, purpose_of, require_role
from xinyong.apitypes import Day
from xinyong.disclosure.policy import Viewer
from xinyong.records.models import Record
from xinyong.repair import service
from xinyong.repair.workdays import CalendarError
from xinyong.status.service import RecordNotFound
from xinyong.subjects.models import Subject

router = APIRouter(prefix="/api/v1", tags=["repair"])
SubjectUser = Annotated[Viewer, Depends(require_role("subject"))]
Officer = Annotated[Viewer, Depends(require_role("city_admin", "district_officer"))]
Decider = Annotated[Viewer, Depends(require_role("city_admin", "district_officer", "department"))]
Reader = Annotated[Viewer, Depends(require_role("subject", "city_admin", "district_officer"))]


def _nf(what: str) -> HTTPException:
    return HTTPException(404, detail=f"不存在 / not found: {what}")


def _refused(exc: service.RepairError | CalendarError) -> HTTPException:
    if isinstance(exc, service.RepairError):
        detail: Any = {
            "zh": exc.zh,
            "en": exc.en,
            "missing": exc.missing,
            "repairable_from": exc.repairable_from.isoformat() if exc.repairable_from else None,
        }
    else:
        detail = str(exc)
    return HTTPException(422, detail=detail)


def may_see_subject(viewer: Viewer, subject: Subject) -> bool:
    """The subject itself, the city, the subject's district office."""
    if viewer.role == "city_admin":
        return True
    if viewer.role == "district_officer":
        return viewer.district_code is not None and viewer.district_code == subject.district_code
    return viewer.role == "subject" and viewer.subject_id == subject.id


def may_decide(viewer: Viewer, case_kind: str, record: Record, subject: Subject) -> bool:
    """Repair: city or the subject's district office. Objection: also the source department."""
    if viewer.role in ("city_admin", "district_officer"):
        return may_see_subject(viewer, subject)
    return case_kind == "objection" and viewer.role == "department" and record.kind in (viewer.kinds or ())


def _own_record(db: Session, viewer: Viewer, record_id: str) -> Record:
    record = db.get(Record, record_id)
    if record is None or viewer.subject_id != record.subject_id:
        raise _nf(record_id)
    return record


def _case(db: Session, viewer: Viewer, case_id: int, *, decide: bool = False) -> service.RepairCase:
    case = db.get(service.RepairCase, case_id)
    if case is None:
        raise _nf(str(case_id))
    record, subject = db.get(Record, case.record_id), db.get(Subject, case.subject_id)
    ok = may_decide(viewer, case.kind, record, subject)
    if not decide:
        ok = ok or may_see_subject(viewer, subject)
    if not ok:
        raise _nf(str(case_id))
    return case


class WhenOut(BaseModel):
    rule_set: str
    min_period_end: dt.date
    max_period_end: dt.date | None
    first_repairable_on: dt.date


@router.get("/repair/when", response_model=WhenOut)
def repair_when(
    severity: str = Query(..., description="minor | general | serious"),
    decided: dt.date = Query(..., description="decision date"),
    as_of: Annotated[Day, Query()] = None,
    domain: list[str] = Query([], description="penalty domains (fire-safety …)"),  # noqa: B008
) -> WhenOut:
    """Which rule set applies and when the minimum / maximum publicity end (public rule lookup)."""
    from xinyong.evaluation.repair import RepairRuleError, periods

    try:
        p = periods(severity=severity, decided=decided, as_of=as_of or clock.today(), domains=domain)
    except RepairRuleError as exc:
        raise HTTPException(422, detail=str(exc)) from None
    return WhenOut(
        rule_set=p.rule_set,
        min_period_end=p.min_period_end,
        max_period_end=p.max_period_end,
        first_repairable_on=p.first_repairable_on,
    )


@router.get("/subjects/{subject_id}/repair")
def subject_repair(
    request: Request, subject_id: str, db: Db, viewer: Reader, as_of: dt.date | None = None
) -> dict[str, Any]:
    """Each negative record of the subject: repairable or not, from when, why; and its cases. An officer's
    read (beyond the public view) is written to the access log (`?purpose=`); the subject's own is not."""
    subject = db.get(Subject, subject_id)
    if subject is None or not may_see_subject(viewer, subject):
        raise _nf(subject_id)
    day = as_of or clock.today()
    if viewer.subject_id != subject_id:
        log_access(
            db,
            viewer,
            subject_id,
            purpose_of(request, viewer, subject_id),
            "api:repair",
            detail={"as_of": day.isoformat()},
        )
    return {
        "subject_id": subject_id,
        "as_of": day.isoformat(),
        "records": service.subject_records(db, subject_id=subject_id, as_of=day, viewer=viewer),
        "cases": service.list_cases(db, as_of=day, subject_id=subject_id),
    }


async def _evidence(files: list[tuple[str, UploadFile | None]]) -> list[service.Evidence]:
    out = []
    for label, up in files:
        if up is not None and up.filename:
            out.append(service.Evidence(label, up.filename, up.content_type or "", await up.read()))
    return out


@router.post("/repair/applications", status_code=201)
async def apply_repair(
    db: Db,
    viewer: SubjectUser,
    record_id: Annotated[str, Form()],
    statement: Annotated[str, Form()] = "",
    accept_commitment: Annotated[bool, Form()] = False,
    correction: Annotated[UploadFile | None, File()] = None,
    obligations: Annotated[UploadFile | None, File()] = None,
) -> dict[str, Any]:
    """Apply for repair (multipart): statement, the commitment accepted, evidence files
    `correction` and `obligations`. 422 names the repairable date or lists what is missing."""
    _own_record(db, viewer, record_id)
    evidence = await _evidence([("correction", correction), ("obligations", obligations)])
    try:
        case = service.apply_repair(
            db,
            record_id=record_id,
            applicant=viewer.label,
            statement=statement,
            evidence=evidence,
            accept_commitment=accept_commitment,
            as_of=clock.today(),
            now=clock.utcnow_naive(),
        )
    except (service.RepairError, CalendarError) as exc:
        db.rollback()
        raise _refused(exc) from None
    return service.case_view(db, case, as_of=clock.today())


@router.post("/repair/applications/{case_id}/evidence")
async def resubmit(
    case_id: int,
    db: Db,
    viewer: SubjectUser,
    note: Annotated[str, Form()] = "",
    correction: Annotated[UploadFile | None, File()] = None,
    obligations: Annotated[UploadFile | None, File()] = None,
) -> dict[str, Any]:
    """Supply evidence an officer requested; the case returns to review with a new deadline."""
    case = _case(db, viewer, case_id)
    evidence = await _evidence([("correction", correction), ("obligations", obligations)])
    try:
        service.resubmit(
            db,
            case_id=case.id,
            applicant=viewer.label,
            note=note,
            evidence=evidence,
            as_of=clock.today(),
            now=clock.utcnow_naive(),
        )
    except (service.RepairError, CalendarError) as exc:
        db.rollback()
        raise _refused(exc) from None
    return service.case_view(db, case, as_of=clock.today())


@router.get("/repair/applications")
def list_applications(
    db: Db,
    viewer: Officer,
    district: str | None = Query(None, pattern=r"^\d{6}$"),
    open_only: bool = Query(False, alias="open"),
    as_of: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Repair applications and objections (newest first) with deadline and overdue flag; a district
    officer sees its own district only."""
    if viewer.role == "district_officer":
        if district not in (None, viewer.district_code):
            return []
        district = viewer.district_code
    return service.list_cases(db, as_of=as_of or clock.today(), district_code=district, open_only=open_only)


@router.get("/repair/applications/{case_id}")
def get_application(
    case_id: int,
    db: Db,
    viewer: Annotated[
        Viewer, Depends(require_role("subject", "city_admin", "district_officer", "department"))
    ],
) -> dict[str, Any]:
    """One case: state, deadline, steps and evidence (names and SHA-256, not the files)."""
    case = _case(db, viewer, case_id)
    return service.case_view(db, case, as_of=clock.today())


class DecisionIn(BaseModel):
    decision: str = Field(
        ...,
        description="repair: approved | more_requested | rejected; objection: corrected | revoked | confirmed",
    )
    reason: str = Field(..., max_length=2000)
    corrected_version: int | None = Field(None, description="objection `corrected`: the ingested new version")


@router.post("/repair/applications/{case_id}/decision")
def decide(case_id: int, body: DecisionIn, db: Db, viewer: Decider) -> dict[str, Any]:
    """Decide a repair application (city / district office) or an objection (also the source
    department). Approval marks the record repaired through the status service."""
    case = _case(db, viewer, case_id, decide=True)
    try:
        if case.kind == "repair":
            service.decide_repair(
                db,
                case_id=case.id,
                decision=body.decision,
                actor=viewer.label,
                reason=body.reason,
                as_of=clock.today(),
                now=clock.utcnow_naive(),
            )
        else:
            service.decide_objection(
                db,
                case_id=case.id,
                outcome=body.decision,
                actor=viewer.label,
                reason=body.reason,
                as_of=clock.today(),
                now=clock.utcnow_naive(),
                corrected_version=body.corrected_version,
            )
    except (service.RepairError, CalendarError) as exc:
        db.rollback()
        raise _refused(exc) from None
    return service.case_view(db, case, as_of=clock.today())


class ObjectionIn(BaseModel):
    record_id: str = Field(..., max_length=64)
    statement: str = Field(..., max_length=4000, description="why the record is wrong")


@router.post("/objections", status_code=201)
def open_objection(body: ObjectionIn, db: Db, viewer: SubjectUser) -> dict[str, Any]:
    """Dispute one of the subject's own records: it shows 异议中 on every surface until decided."""
    _own_record(db, viewer, body.record_id)
    try:
        case = service.open_objection(
            db,
            record_id=body.record_id,
            applicant=viewer.label,
            statement=body.statement,
            evidence=[],
            as_of=clock.today(),
            now=clock.utcnow_naive(),
        )
    except (service.RepairError, CalendarError, RecordNotFound) as exc:
        db.rollback()
        raise _refused(exc) if not isinstance(exc, RecordNotFound) else _nf(body.record_id) from None
    except ValueError as exc:  # a refused status change (StatusError)
        db.rollback()
        raise HTTPException(422, detail=str(exc)) from None
    return service.case_view(db, case, as_of=clock.today())


@router.get("/repair/guidance")
def guidance(
    db: Db, viewer: Officer, district: str | None = Query(None, pattern=r"^\d{6}$"), days: int | None = None
) -> list[dict[str, Any]]:
    """信用修复指导: firms whose negative records are repairable now or within `days` (default from
    catalogue/repair_process/process.yaml); a district officer sees its own district."""
    if viewer.role == "district_officer":
        district = viewer.district_code
    return service.guidance_queue(db, as_of=clock.today(), district_code=district, days=days)


@router.get("/repair/median")
def median(db: Db, viewer: Officer) -> dict[str, Any]:
    """Median working days from application to decision per district (decided repairs)."""
    return service.median_processing(db)
