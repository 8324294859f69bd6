"""REST endpoints of record status (记录状态): read a record's status and history, and record a
decision (repair, objection, revocation, erasure). Reads answer 404 for a record the viewer may not
see (the disclosure policy decides), exactly as for an unknown id."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import Db, current_viewer, require_role
from xinyong.apitypes import Day
from xinyong.disclosure.policy import Viewer, record_filter, subject_filter
from xinyong.records.models import Record
from xinyong.status import service
from xinyong.status.models import EVENTS, STATUSES, StatusEvent
from xinyong.status.schemas import RecordStatusOut, StatusChangeIn, StatusEventOut
from xinyong.subjects.models import Subject

router = APIRouter(prefix="/api/v1", tags=["status"])
Decider = Annotated[Viewer, Depends(require_role("city_admin", "district_officer", "department"))]


def _not_found(record_id: str) -> HTTPException:
    return HTTPException(404, detail=f"记录不存在 / record not found: {record_id}")


def _visible(db: Session, viewer: Viewer, record_id: str, as_of: dt.date) -> tuple[Record, Subject]:
    row = db.execute(
        select(Record, Subject)
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.id == record_id, record_filter(viewer, as_of), subject_filter(viewer))
    ).first()
    if row is None:
        raise _not_found(record_id)
    return row[0], row[1]


def may_decide(viewer: Viewer, record: Record, subject: Subject) -> bool:
    """Who records status decisions: the city; the district office of the subject's district; the
    department that supplies the record's kind (it decided the record, so it revokes it)."""
    if viewer.role == "city_admin":
        return True
    if viewer.role == "district_officer":
        return viewer.district_code is not None and subject.district_code == viewer.district_code
    return viewer.role == "department" and record.kind in (viewer.kinds or ())


def event_out(e: StatusEvent) -> StatusEventOut:
    return StatusEventOut(
        id=e.id,
        record_id=e.record_id,
        event=e.event,
        event_zh=EVENTS[e.event][0],
        status=e.status,
        status_zh=STATUSES[e.status][0],
        effective_on=e.effective_on,
        actor=e.actor,
        reason=e.reason,
        recorded_at=e.recorded_at,
        leaf_index=e.leaf_index,
    )


def status_out(db: Session, record_id: str, as_of: dt.date) -> RecordStatusOut:
    status = service.status_of(db, record_id=record_id, as_of=as_of)
    events = [event_out(e) for e in service.history(db, record_id=record_id)]
    return RecordStatusOut(
        record_id=record_id, as_of=as_of, status=status, status_zh=STATUSES[status][0], events=events
    )


@router.get("/records/{record_id}/status", response_model=RecordStatusOut)
def get_status(
    request: Request,
    record_id: str,
    db: Db,
    as_of: Annotated[Day, Query(description="YYYY-MM-DD; default today")] = None,
) -> RecordStatusOut:
    """A record's status as of a date and its status events (记录状态与变更历史)."""
    day = as_of or clock.today()
    _visible(db, current_viewer(request), record_id, day)
    return status_out(db, record_id, day)


@router.post("/records/{record_id}/status", response_model=RecordStatusOut, status_code=201)
def post_status(record_id: str, body: StatusChangeIn, db: Db, viewer: Decider) -> RecordStatusOut:
    """Record a status decision (信用修复、异议、撤销、依法删除); 409 for a transition that makes no sense."""
    record, subject = _visible(db, viewer, record_id, max(clock.today(), body.effective_on))
    if not may_decide(viewer, record, subject):
        raise HTTPException(403, detail="无权变更该记录状态 / you may not change this record's status")
    try:
        service.change_status(
            db,
            record_id=record_id,
            event=body.event,
            reason=body.reason,
            effective_on=body.effective_on,
            actor=body.actor or viewer.label,
        )
    except service.RecordNotFound as exc:
        raise _not_found(record_id) from exc
    except service.StatusError as exc:
        raise HTTPException(409, detail=str(exc)) from exc
    return status_out(db, record_id, body.effective_on)
