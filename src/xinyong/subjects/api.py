"""Subject merges over HTTP (docs/api.md "Subject merges"): the city administrator (城市信用办) merges
two subjects found to be one, or undoes such a merge; both are decisions kept in history."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong.accounts.deps import DB, require_role
from xinyong.apitypes import RowId
from xinyong.disclosure.policy import Viewer
from xinyong.subjects import merge as service

router = APIRouter(prefix="/api/v1", tags=["subjects"])
MERGE_ROLES = ("city_admin",)  # a judgement on identity across districts and sources: the city's


class MergeIn(BaseModel):
    into: str = Field(..., min_length=1, max_length=24, description="the subject kept / 保留的主体")
    reason: str = Field(..., min_length=1, max_length=500, description="why they are one entity / 理由")


class UndoIn(BaseModel):
    reason: str = Field(..., min_length=1, max_length=500, description="why the merge is undone / 理由")


class MergeOut(BaseModel):
    id: int
    action: str = Field(description="merge | unmerge")
    kept_id: str
    merged_id: str
    undoes: int | None = None
    officer: str
    reason: str
    decided_at: dt.datetime = Field(description="UTC")
    records: int = Field(description="records the decision moved")
    leaf_index: int = Field(description="its subject.merged / subject.unmerged ledger leaf")


def _out(d: object) -> MergeOut:
    return MergeOut(**{k: getattr(d, k) for k in MergeOut.model_fields})


def _refused(exc: service.MergeError) -> HTTPException:
    status = 404 if isinstance(exc, service.MergeNotFound) else 409
    return HTTPException(status, detail={"zh": exc.zh, "en": exc.en})


@router.post("/subjects/{subject_id}/merge", response_model=MergeOut)
def merge(
    subject_id: str,
    body: MergeIn,
    request: Request,
    viewer: Viewer = Depends(require_role(*MERGE_ROLES)),
    session: Session = DB,
) -> MergeOut:
    """Merge `subject_id` into `into` (its records move there; its archive answers with that one).
    404 for an unknown subject, 409 when refused (same subject, one already merged away)."""
    try:
        decision = service.merge_subjects(
            session,
            merged_id=subject_id,
            kept_id=body.into,
            officer=viewer.username or viewer.role,
            reason=body.reason,
        )
    except service.MergeError as exc:
        session.rollback()
        raise _refused(exc) from None
    out = _out(decision)
    session.commit()
    return out


@router.post("/subject-merges/{merge_id}/undo", response_model=MergeOut)
def undo(
    merge_id: RowId,
    body: UndoIn,
    request: Request,
    viewer: Viewer = Depends(require_role(*MERGE_ROLES)),
    session: Session = DB,
) -> MergeOut:
    """Undo a merge decision (the records it moved go back; a new `unmerge` decision is appended).
    404 for an unknown decision, 409 when already undone or its kept subject was merged away since."""
    try:
        decision = service.undo_merge(
            session, merge_id=merge_id, officer=viewer.username or viewer.role, reason=body.reason
        )
    except service.MergeError as exc:
        session.rollback()
        raise _refused(exc) from None
    out = _out(decision)
    session.commit()
    return out


@router.get("/subjects/{subject_id}/merges", response_model=list[MergeOut])
def history(
    subject_id: str,
    viewer: Viewer = Depends(require_role(*MERGE_ROLES)),
    session: Session = DB,
) -> list[MergeOut]:
    """Every merge and undo naming the subject, oldest first; 404 for an unknown subject."""
    from xinyong.subjects.models import Subject

    if session.get(Subject, subject_id) is None:
        raise HTTPException(
            404, detail={"zh": f"信用主体不存在：{subject_id}", "en": f"no subject {subject_id}"}
        )
    return [_out(d) for d in service.merge_history(session, subject_id)]
