"""Console pages: the inbox (/inbox, every login) and webhooks with dead letters (/webhooks, the
city administrator and district officers — their district's only)."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from xinyong.accounts.deps import Db, require_console_role
from xinyong.console.templating import render
from xinyong.disclosure.policy import LOGIN_ROLES, Viewer
from xinyong.notify import service
from xinyong.notify.models import DELIVERY_STATUSES

# Row ids are 32-bit integers: a larger number (an ID-card number, say) is 422, never a database error.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
router = APIRouter(include_in_schema=False)
Anyone = Annotated[Viewer, Depends(require_console_role(*LOGIN_ROLES))]
Officer = Annotated[Viewer, Depends(require_console_role("city_admin", "district_officer"))]


def _scope(viewer: Viewer) -> dict:
    return {"district_code": viewer.district_code, "city": viewer.role == "city_admin"}


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, db: Db, viewer: Anyone):
    uid = int(viewer.user_id or 0)
    items = service.inbox(db, user_id=uid)
    return render(
        request, "notify/inbox.html", items=items, unread=service.unread_count(db, user_id=uid), viewer=viewer
    )


@router.post("/inbox/{item_id}/read")
def inbox_read(item_id: RowId, db: Db, viewer: Anyone):
    # someone else's or an unknown item: nothing changes, and the same answer
    with contextlib.suppress(service.NotifyError):
        service.mark_read(db, user_id=int(viewer.user_id or 0), item_id=item_id)
    return RedirectResponse("/inbox", status_code=303)


@router.get("/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, db: Db, viewer: Officer):
    return _webhooks(request, db, viewer)


def _webhooks(
    request: Request,
    db: Session,
    viewer: Viewer,
    *,
    error: str | None = None,
    secret: str | None = None,
    secret_for: int | None = None,
):  # noqa: ANN202
    """The page; `secret` only on the answer that created or rotated it (never a query parameter: a
    crafted link could otherwise show any text as "your secret")."""
    return render(
        request,
        "notify/webhooks.html",
        endpoints=service.endpoints(db, **_scope(viewer)),
        dead=service.dead_letters(db, **_scope(viewer)),
        statuses=DELIVERY_STATUSES,
        error=error,
        secret=secret,
        secret_for=secret_for,
        viewer=viewer,
    )


@router.post("/webhooks", response_class=HTMLResponse)
def webhooks_add(
    request: Request,
    db: Db,
    viewer: Officer,
    url: Annotated[str, Form()],
    kinds: Annotated[str, Form()] = "",
    timeout_seconds: Annotated[float, Form()] = 10.0,
):
    try:
        ep = service.add_endpoint(
            db,
            url=url,
            actor=viewer.username or "console",
            district_code=viewer.district_code if viewer.role != "city_admin" else None,
            kinds=kinds.split(","),
            timeout_seconds=timeout_seconds,
        )
    except service.NotifyError as exc:
        response = _webhooks(request, db, viewer, error=f"{exc.zh} / {exc.en}")
        response.status_code = 422
        return response
    return _webhooks(request, db, viewer, secret=ep.secret)


@router.post("/webhooks/deliveries/{delivery_id}/redeliver", response_class=HTMLResponse)
def webhooks_redeliver(request: Request, delivery_id: RowId, db: Db, viewer: Officer):
    try:
        service.redeliver(db, delivery_id=delivery_id, **_scope(viewer))
    except service.NotifyError as exc:
        response = _webhooks(request, db, viewer, error=f"{exc.zh} / {exc.en}")
        response.status_code = 404 if exc.status == 404 else 409
        return response
    return RedirectResponse("/webhooks", status_code=303)


@router.post("/webhooks/{endpoint_id}/disable", response_class=HTMLResponse)
def webhooks_disable(
    request: Request,
    endpoint_id: RowId,
    db: Db,
    viewer: Officer,
    reason: Annotated[str, Form(max_length=300)] = "",
):
    """Stop an endpoint (no new deliveries; queued ones become dead letters) — the webhook service."""
    return _set_enabled(request, db, viewer, endpoint_id, enabled=False, reason=reason)


@router.post("/webhooks/{endpoint_id}/enable", response_class=HTMLResponse)
def webhooks_enable(request: Request, endpoint_id: RowId, db: Db, viewer: Officer):
    return _set_enabled(request, db, viewer, endpoint_id, enabled=True)


def _set_enabled(request: Request, db: Session, viewer: Viewer, endpoint_id: int, **change):  # noqa: ANN202
    try:
        service.set_enabled(db, endpoint_id=endpoint_id, **change, **_scope(viewer))
    except service.NotifyError as exc:
        db.rollback()
        response = _webhooks(request, db, viewer, error=f"{exc.zh} / {exc.en}")
        response.status_code = exc.status
        return response
    return RedirectResponse("/webhooks", status_code=303)


@router.post("/webhooks/{endpoint_id}/rotate", response_class=HTMLResponse)
def webhooks_rotate(request: Request, endpoint_id: RowId, db: Db, viewer: Officer):
    """A new signing secret, shown once on the answer page (never listed again)."""
    try:
        ep = service.rotate_secret(db, endpoint_id=endpoint_id, **_scope(viewer))
    except service.NotifyError as exc:
        db.rollback()
        response = _webhooks(request, db, viewer, error=f"{exc.zh} / {exc.en}")
        response.status_code = exc.status
        return response
    return _webhooks(request, db, viewer, secret=ep.secret, secret_for=ep.id)
