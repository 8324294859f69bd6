"""Console action for subject merges (主体合并): `/subjects/{id}/merge` shows the subject's merge
history, a form to merge it into another subject and, for each subject merged into it, a form to
undo that merge. City administrator only; every form carries the session's CSRF token. The work is
`xinyong.subjects.merge`, as for the CLI and the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.deps import DB, require_console_role
from xinyong.apitypes import RowId
from xinyong.console.templating import render
from xinyong.disclosure.policy import Viewer
from xinyong.subjects import merge as service
from xinyong.subjects.models import Subject

router = APIRouter(tags=["console"])
Officer = Annotated[Viewer, Depends(require_console_role("city_admin"))]


def _page(
    request: Request,
    session: Session,
    subject_id: str,
    *,
    message: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise HTTPException(404, detail=f"信用主体不存在 / subject not found: {subject_id}")
    merged_in = list(
        session.scalars(select(Subject).where(Subject.merged_into == subject_id).order_by(Subject.id))
    )
    response = render(
        request,
        "subjects/merge.html",
        s=subject,
        merged_in=merged_in,
        history=service.merge_history(session, subject_id),
        message=message,
        error=error,
    )
    response.status_code = status
    return response


@router.get("/subjects/{subject_id}/merge", response_class=HTMLResponse)
def merge_page(
    request: Request,
    subject_id: str,
    viewer: Officer,
    session: Session = DB,
) -> Response:
    """The subject's merges and the forms to merge it or undo a merge into it."""
    return _page(request, session, subject_id)


@router.post("/subjects/{subject_id}/merge", response_class=HTMLResponse)
def merge_action(
    request: Request,
    subject_id: str,
    viewer: Officer,
    into: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    session: Session = DB,
) -> Response:
    try:
        d = service.merge_subjects(
            session,
            merged_id=subject_id,
            kept_id=into.strip(),
            officer=viewer.username or viewer.role,
            reason=reason,
        )
    except service.MergeError as exc:
        session.rollback()
        status = 404 if isinstance(exc, service.MergeNotFound) and exc.en.endswith(subject_id) else 422
        return _page(request, session, subject_id, error=f"{exc.zh} / {exc.en}", status=status)
    session.commit()
    return _page(
        request,
        session,
        subject_id,
        message=f"已并入 {d.kept_id}（合并决定 {d.id}，移动记录 {d.records} 条）/ merged",
    )


@router.post("/subject-merges/{merge_id}/undo", response_class=HTMLResponse)
def undo_action(
    request: Request,
    merge_id: RowId,
    viewer: Officer,
    reason: Annotated[str, Form()] = "",
    session: Session = DB,
) -> Response:
    from xinyong.subjects.models import SubjectMerge

    merge = session.get(SubjectMerge, merge_id)
    if merge is None or merge.action != "merge":
        raise HTTPException(404, detail=f"没有编号为 {merge_id} 的合并决定 / no merge decision {merge_id}")
    try:
        d = service.undo_merge(
            session, merge_id=merge_id, officer=viewer.username or viewer.role, reason=reason
        )
    except service.MergeError as exc:
        session.rollback()
        return _page(request, session, merge.kept_id, error=f"{exc.zh} / {exc.en}", status=422)
    session.commit()
    return _page(
        request,
        session,
        d.kept_id,
        message=f"已撤销合并决定 {merge_id}（移回记录 {d.records} 条）/ merge undone",
    )
