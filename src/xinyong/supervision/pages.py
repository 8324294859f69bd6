"""Console pages of tiered supervision: the schemes of the officer's district, the scheme editor
(YAML, saved as a new version with a reason) and its rule tester (which tier a subject falls in
under the text being edited, with the reason and the facts the population rule read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import DB, require_console_role
from xinyong.apitypes import Day
from xinyong.console.templating import render
from xinyong.disclosure.policy import Viewer
from xinyong.supervision import service

router = APIRouter(include_in_schema=False)
Officer = Annotated[Viewer, Depends(require_console_role("city_admin", "district_officer"))]


def _scope(viewer: Viewer) -> str | None:
    return None if viewer.role == "city_admin" else (viewer.district_code or "-")


def _scheme_or_404(session: Session, viewer: Viewer, scheme_id: str) -> service.Scheme:
    scheme = service.all_schemes(session).get(scheme_id[:64])
    district = _scope(viewer)
    if scheme is None or (district is not None and scheme.district != district):
        raise HTTPException(404, detail=f"监管方案不存在 / scheme not found: {scheme_id}")
    return scheme


@router.get("/supervision", response_class=HTMLResponse)
def supervision_index(request: Request, viewer: Officer, session: Session = DB) -> Response:
    district = _scope(viewer)
    schemes = [s for s in service.all_schemes(session).values() if district is None or s.district == district]
    return render(request, "supervision/index.html", schemes=schemes, viewer=viewer)


def _editor(
    request: Request,
    viewer: Viewer,
    session: Session,
    scheme: service.Scheme,
    *,
    text: str | None = None,
    test: dict | None = None,
    error: str | None = None,
    message: str | None = None,
    status: int = 200,
) -> Response:
    response = render(
        request,
        "supervision/editor.html",
        scheme=scheme,
        text=text or service.scheme_text(session, scheme.id),
        versions=service.scheme_versions(session, scheme.id),
        test=test,
        error=error,
        message=message,
        today=clock.today().isoformat(),
        viewer=viewer,
    )
    response.status_code = status
    return response


@router.get("/supervision/{scheme_id}", response_class=HTMLResponse)
def supervision_editor(
    request: Request,
    scheme_id: str,
    viewer: Officer,
    session: Session = DB,
) -> Response:
    return _editor(request, viewer, session, _scheme_or_404(session, viewer, scheme_id))


@router.post("/supervision/{scheme_id}/test", response_class=HTMLResponse)
def supervision_test(
    request: Request,
    scheme_id: str,
    viewer: Officer,
    text: Annotated[str, Form(max_length=100_000)] = "",
    subject_id: Annotated[str, Form(max_length=24)] = "",
    as_of: Annotated[Day, Form()] = None,
    session: Session = DB,
) -> Response:
    """Rule tester: the tier of one subject under the text in the editor (not saved)."""
    scheme = _scheme_or_404(session, viewer, scheme_id)
    try:
        day = as_of or clock.today()
        result = service.test_scheme(
            session, text=text, subject_id=subject_id.strip(), as_of=day, viewer=viewer
        )
    except ValueError as exc:  # SchemeError
        return _editor(request, viewer, session, scheme, text=text, error=str(exc), status=422)
    return _editor(request, viewer, session, scheme, text=text, test=result)


@router.post("/supervision/{scheme_id}", response_class=HTMLResponse)
def supervision_save(
    request: Request,
    scheme_id: str,
    viewer: Officer,
    text: Annotated[str, Form(max_length=100_000)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    session: Session = DB,
) -> Response:
    """Save the edited scheme as a new version (its id must stay the same)."""
    scheme = _scheme_or_404(session, viewer, scheme_id)
    try:
        parsed = service.parse_scheme(text)
        if parsed.id != scheme.id:
            raise service.SchemeError(
                f"方案编号不可修改（{scheme.id}） / the scheme id must stay {scheme.id}"
            )
        service.save_scheme(
            session,
            text=text,
            actor=viewer.username or viewer.role,
            reason=reason,
            district_code=_scope(viewer) or scheme.district,
        )
        session.commit()
    except service.SchemeError as exc:
        session.rollback()
        return _editor(request, viewer, session, scheme, text=text, error=str(exc), status=422)
    return RedirectResponse(f"/supervision/{scheme.id}?saved=1", status_code=303)
