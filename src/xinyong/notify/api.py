"""REST endpoints of notifications: the caller's own inbox (站内信); webhook endpoints, dead letters
and redelivery for the city administrator and district officers (their district's only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from xinyong.accounts.deps import Db, require_role
from xinyong.disclosure.policy import LOGIN_ROLES, Viewer
from xinyong.notify import service
from xinyong.notify.models import Delivery, InboxItem, WebhookEndpoint
from xinyong.notify.schemas import (
    DeliveryOut,
    EndpointCreated,
    EndpointIn,
    EndpointOut,
    InboxItemOut,
    InboxOut,
    UnreadOut,
)

# Row ids are 32-bit integers: a larger number (an ID-card number, say) is 422, never a database error.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
router = APIRouter(prefix="/api/v1", tags=["notifications"])
Anyone = Annotated[Viewer, Depends(require_role(*LOGIN_ROLES))]
Officer = Annotated[Viewer, Depends(require_role("city_admin", "district_officer"))]


def _uid(viewer: Viewer) -> int:
    return int(viewer.user_id or 0)


def _http(exc: service.NotifyError) -> HTTPException:
    return HTTPException(exc.status, detail=f"{exc.zh} / {exc.en}")


def item_out(i: InboxItem) -> InboxItemOut:
    return InboxItemOut.model_validate(i, from_attributes=True)


def endpoint_out(ep: WebhookEndpoint) -> EndpointOut:
    return EndpointOut.model_validate(ep, from_attributes=True)


def delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut.model_validate(d, from_attributes=True)


def scope(viewer: Viewer) -> dict:
    return {"district_code": viewer.district_code, "city": viewer.role == "city_admin"}


@router.get("/inbox", response_model=InboxOut)
def get_inbox(db: Db, viewer: Anyone, unread: Annotated[bool, Query()] = False) -> InboxOut:
    """The caller's inbox, newest first (at most 100), and the unread count."""
    items = service.inbox(db, user_id=_uid(viewer), unread_only=unread)
    return InboxOut(unread=service.unread_count(db, user_id=_uid(viewer)), items=[item_out(i) for i in items])


@router.get("/inbox/unread-count", response_model=UnreadOut)
def get_unread(db: Db, viewer: Anyone) -> UnreadOut:
    """How many of the caller's inbox items are unread (未读)."""
    return UnreadOut(unread=service.unread_count(db, user_id=_uid(viewer)))


@router.post("/inbox/{item_id}/read", response_model=InboxItemOut)
def post_read(item_id: RowId, db: Db, viewer: Anyone) -> InboxItemOut:
    """Mark one of the caller's items read; another user's item is 404."""
    try:
        return item_out(service.mark_read(db, user_id=_uid(viewer), item_id=item_id))
    except service.NotifyError as exc:
        raise _http(exc) from exc


@router.get("/webhooks", response_model=list[EndpointOut])
def get_webhooks(db: Db, viewer: Officer) -> list[EndpointOut]:
    """Webhook endpoints (a district officer: their district's); secrets are never listed."""
    return [endpoint_out(ep) for ep in service.endpoints(db, **scope(viewer))]


@router.post("/webhooks", response_model=EndpointCreated, status_code=201)
def post_webhook(body: EndpointIn, db: Db, viewer: Officer) -> EndpointCreated:
    """Register an endpoint; the answer carries its signing secret once. A district officer's
    endpoint receives their district's events only."""
    district = body.district_code if viewer.role == "city_admin" else viewer.district_code
    try:
        ep = service.add_endpoint(
            db,
            url=body.url,
            actor=viewer.username or "api",
            district_code=district,
            kinds=body.kinds,
            timeout_seconds=body.timeout_seconds,
        )
    except service.NotifyError as exc:
        raise HTTPException(422, detail=f"{exc.zh} / {exc.en}") from exc
    return EndpointCreated(**endpoint_out(ep).model_dump(), secret=ep.secret)


@router.get("/webhooks/dead-letters", response_model=list[DeliveryOut])
def get_dead_letters(db: Db, viewer: Officer) -> list[DeliveryOut]:
    """Dead letters (死信): deliveries that exhausted their retries or met a disabled endpoint."""
    return [delivery_out(d) for d in service.dead_letters(db, **scope(viewer))]


@router.post("/webhooks/deliveries/{delivery_id}/redeliver", response_model=DeliveryOut)
def post_redeliver(delivery_id: RowId, db: Db, viewer: Officer) -> DeliveryOut:
    """Queue a dead letter again (same message id); 409 while its endpoint is disabled."""
    try:
        return delivery_out(service.redeliver(db, delivery_id=delivery_id, **scope(viewer)))
    except service.NotifyError as exc:
        raise _http(exc) from exc
