"""Console pages of credit repair and objections (docs/repair.md, docs/objections.md):

* `/repair` — a subject account's own negative records: repairable or not, from when and why; the
  application form (statement, the public repair commitment, evidence uploads); objection form; its
  applications with their steps.
* `/repair/review` — the review queue of the city / district office (and a source department's
  objections): deadlines in working days, overdue flagged, decide with a reason; medians per district.
* `/repair/guidance` — 信用修复指导: firms whose records are repairable now or soon.
* `/repair/evidence/{evidence_id}` — one uploaded evidence file, as uploaded (attachment), for those who
  may decide the case (as on the review queue) and the applicant subject; anyone else gets 404.

Every form carries the session's CSRF token; the work runs in the thread pool (docs/deploy.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from xinyong import clock
from xinyong.accounts.deps import log_access, purpose_of, require_console_role
from xinyong.console.templating import render
from xinyong.dates import DateError, day_or_today
from xinyong.disclosure.policy import LOGIN_ROLES, Viewer
from xinyong.records.models import Record
from xinyong.repair import service
from xinyong.repair.api import may_decide
from xinyong.repair.workdays import CalendarError
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

router = APIRouter(include_in_schema=False)
SubjectUser = Annotated[Viewer, Depends(require_console_role("subject"))]
Reviewer = Annotated[Viewer, Depends(require_console_role("city_admin", "district_officer", "department"))]
Officer = Annotated[Viewer, Depends(require_console_role("city_admin", "district_officer"))]
Anyone = Annotated[Viewer, Depends(require_console_role(*LOGIN_ROLES))]


def _as_of(request: Request) -> dt.date:
    try:
        return day_or_today(request.query_params.get("as_of"), field="as_of")
    except DateError as exc:
        raise HTTPException(422, detail=exc.detail()) from None


def _back(path: str, *, msg: str = "", err: str = "") -> RedirectResponse:
    q = f"?msg={quote(msg)}" if msg else (f"?err={quote(err)}" if err else "")
    return RedirectResponse(path + q, status_code=303)


@router.get("/repair", response_class=HTMLResponse)
def repair_page(request: Request, viewer: SubjectUser) -> Response:
    """The subject's repair page."""
    day = _as_of(request)
    with session_scope(request.app.state.engine) as s:
        subject = s.get(Subject, viewer.subject_id) if viewer.subject_id else None
        records = (
            service.subject_records(s, subject_id=viewer.subject_id, as_of=day, viewer=viewer)
            if subject
            else []
        )
        cases = service.list_cases(s, as_of=day, subject_id=viewer.subject_id) if subject else []
        names = {
            r.id: (r.fields or {}).get("decision_no") or r.source_record_id or r.id
            for r in s.scalars(select(Record).where(Record.subject_id == (viewer.subject_id or "")))
        }
    return render(
        request,
        "repair_subject.html",
        viewer=viewer,
        subject=subject,
        records=records,
        cases=cases,
        names=names,
        as_of=day,
        evidence=service.process_rules()["repair"]["evidence"],
        commitment_zh=service.COMMITMENT_TEXT_ZH,
        commitment_en=service.COMMITMENT_TEXT_EN,
        msg=request.query_params.get("msg", ""),
        err=request.query_params.get("err", ""),
    )


async def _files(form: Any, labels: list[str]) -> list[service.Evidence]:
    out = []
    for label in labels:
        up = form.get(label)
        if isinstance(up, UploadFile) and up.filename:
            out.append(service.Evidence(label, up.filename, up.content_type or "", await up.read()))
    return out


@router.post("/repair/apply")
async def repair_apply(request: Request, viewer: SubjectUser) -> Response:
    form = await request.form()
    evidence = await _files(form, list(service.process_rules()["repair"]["evidence"]))
    return await run_in_threadpool(_apply, request, viewer, form, evidence)


def _apply(request: Request, viewer: Viewer, form: Any, evidence: list[service.Evidence]) -> Response:
    record_id = str(form.get("record_id") or "")
    with session_scope(request.app.state.engine) as s:
        record = s.get(Record, record_id)
        if record is None or record.subject_id != viewer.subject_id:
            raise HTTPException(404, detail=f"记录不存在 / record not found: {record_id}")
        try:
            case = service.apply_repair(
                s,
                record_id=record_id,
                applicant=viewer.label,
                statement=str(form.get("statement") or ""),
                evidence=evidence,
                accept_commitment=form.get("accept_commitment") == "on",
                as_of=clock.today(),
                now=clock.utcnow_naive(),
            )
        except (service.RepairError, CalendarError) as exc:
            s.rollback()
            return _back("/repair", err=str(exc))
        cid = case.id
    return _back("/repair", msg=f"已提交信用修复申请（编号 {cid}）/ application {cid} submitted")


@router.post("/repair/resubmit/{case_id}")
async def repair_resubmit(request: Request, case_id: int, viewer: SubjectUser) -> Response:
    form = await request.form()
    evidence = await _files(form, list(service.process_rules()["repair"]["evidence"]))
    return await run_in_threadpool(_resubmit, request, viewer, case_id, str(form.get("note") or ""), evidence)


def _resubmit(request: Request, viewer: Viewer, case_id: int, note: str, evidence: list) -> Response:
    with session_scope(request.app.state.engine) as s:
        case = s.get(service.RepairCase, case_id)
        if case is None or case.subject_id != viewer.subject_id:
            raise HTTPException(404, detail=f"申请不存在 / application not found: {case_id}")
        try:
            service.resubmit(
                s, case_id=case_id, applicant=viewer.label, note=note, evidence=evidence,
                as_of=clock.today(), now=clock.utcnow_naive(),
            )  # fmt: skip
        except (service.RepairError, CalendarError) as exc:
            s.rollback()
            return _back("/repair", err=str(exc))
    return _back("/repair", msg=f"已补充材料（编号 {case_id}）/ evidence added to {case_id}")


@router.post("/repair/object")
def repair_object(
    request: Request,
    viewer: SubjectUser,
    record_id: Annotated[str, Form()] = "",
    statement: Annotated[str, Form()] = "",
) -> Response:
    """Open an objection (信用异议) against one of the subject's own records."""
    with session_scope(request.app.state.engine) as s:
        record = s.get(Record, record_id)
        if record is None or record.subject_id != viewer.subject_id:
            raise HTTPException(404, detail=f"记录不存在 / record not found: {record_id}")
        try:
            case = service.open_objection(
                s, record_id=record_id, applicant=viewer.label, statement=statement, evidence=[],
                as_of=clock.today(), now=clock.utcnow_naive(),
            )  # fmt: skip
        except (service.RepairError, CalendarError, ValueError) as exc:
            s.rollback()
            return _back("/repair", err=str(exc))
        cid = case.id
    return _back("/repair", msg=f"已提出异议（编号 {cid}），记录显示“异议处理中” / objection {cid} opened")


def _reviewable(s: Any, viewer: Viewer, day: dt.date) -> list[dict[str, Any]]:
    district = viewer.district_code if viewer.role == "district_officer" else None
    rows = service.list_cases(s, as_of=day, district_code=district, open_only=True)
    out = []
    for c in rows:
        record, subject = s.get(Record, c["record_id"]), s.get(Subject, c["subject_id"])
        if may_decide(viewer, c["kind"], record, subject):
            out.append({**c, "subject_name": subject.name, "severity": record.severity})
    return out


def evidence_labels() -> dict[str, str]:
    """Evidence label → its Chinese name (process.yaml repair.evidence, the text before " / ")."""
    return {k: str(v).split(" / ")[0] for k, v in service.process_rules()["repair"]["evidence"].items()}


@router.get("/repair/evidence/{evidence_id}")
def evidence_file(request: Request, evidence_id: int, viewer: Anyone) -> Response:
    """One evidence file of a case, as uploaded (Content-Disposition: attachment, so a browser never
    renders an uploaded HTML file in the console's origin). Who may open it: whoever may decide the case
    (`may_decide`: the city, the subject's district office; for an objection the source department)
    and the applicant subject's own account. Anyone else — and an unknown id — gets the same 404."""
    with session_scope(request.app.state.engine) as s:
        ev = s.get(service.RepairEvidence, evidence_id)
        case = s.get(service.RepairCase, ev.case_id) if ev is not None else None
        if case is not None:
            record, subject = s.get(Record, case.record_id), s.get(Subject, case.subject_id)
            own = viewer.role == "subject" and viewer.subject_id == case.subject_id
            if not (own or may_decide(viewer, case.kind, record, subject)):
                case = None
        if ev is None or case is None:
            raise HTTPException(404, detail=f"材料不存在 / evidence not found: {evidence_id}")
        if viewer.subject_id != case.subject_id:  # an officer reading a subject's file: access log
            log_access(
                s, viewer, case.subject_id, purpose_of(request, viewer, case.subject_id), "page:repair-evidence",
                detail={"case_id": case.id, "evidence_id": ev.id},
            )  # fmt: skip
        data, filename, content_type = ev.data, ev.filename, ev.content_type
    return Response(
        content=data,
        media_type=content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/repair/review", response_class=HTMLResponse)
def review_page(request: Request, viewer: Reviewer) -> Response:
    """Officers' review queue with overdue flags and per-district medians."""
    day = _as_of(request)
    with session_scope(request.app.state.engine) as s:
        queue = _reviewable(s, viewer, day)
        medians = service.median_processing(s)
    return render(
        request,
        "repair_review.html",
        viewer=viewer,
        queue=queue,
        medians=medians,
        evidence_labels=evidence_labels(),
        as_of=day,
        msg=request.query_params.get("msg", ""),
        err=request.query_params.get("err", ""),
    )


@router.post("/repair/review/{case_id}")
def review_decide(
    request: Request,
    case_id: int,
    viewer: Reviewer,
    decision: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    with session_scope(request.app.state.engine) as s:
        case = s.get(service.RepairCase, case_id)
        if case is None:
            raise HTTPException(404, detail=f"申请不存在 / application not found: {case_id}")
        record, subject = s.get(Record, case.record_id), s.get(Subject, case.subject_id)
        if not may_decide(viewer, case.kind, record, subject):
            raise HTTPException(404, detail=f"申请不存在 / application not found: {case_id}")
        try:
            if case.kind == "repair":
                service.decide_repair(
                    s, case_id=case_id, decision=decision, actor=viewer.label, reason=reason,
                    as_of=clock.today(), now=clock.utcnow_naive(),
                )  # fmt: skip
            else:
                service.decide_objection(
                    s, case_id=case_id, outcome=decision, actor=viewer.label, reason=reason,
                    as_of=clock.today(), now=clock.utcnow_naive(),
                )  # fmt: skip
        except (service.RepairError, CalendarError, ValueError) as exc:
            s.rollback()
            return _back("/repair/review", err=str(exc))
        subject_id = case.subject_id
    if decision == "approved":
        service.recompute_grades(request.app.state.engine, subject_id=subject_id, as_of=clock.today())
    return _back("/repair/review", msg=f"申请 {case_id} 已处理 / application {case_id} decided: {decision}")


@router.get("/repair/guidance", response_class=HTMLResponse)
def guidance_page(request: Request, viewer: Officer) -> Response:
    """信用修复指导 queue."""
    day = _as_of(request)
    district = viewer.district_code if viewer.role == "district_officer" else None
    with session_scope(request.app.state.engine) as s:
        rows = service.guidance_queue(s, as_of=day, district_code=district)
    return render(
        request,
        "repair_guidance.html",
        viewer=viewer,
        rows=rows,
        as_of=day,
        days=service.process_rules()["guidance_days"],
    )
