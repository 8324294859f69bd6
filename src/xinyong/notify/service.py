"""Inbox, webhook endpoints, dead letters and manual redelivery (docs/notifications.md).

Errors are `NotifyError` with a Chinese and an English message; nothing changes when one is raised.
Visibility: a user sees only their own inbox; endpoints and deliveries are scoped by district
(a district officer sees their district's, the city administrator all) — `scope_district`.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlparse

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from xinyong.notify.channels import new_secret
from xinyong.notify.models import DEAD, DISABLED, PENDING, Contact, Delivery, InboxItem, WebhookEndpoint
from xinyong.notify.worker import utcnow


class NotifyError(ValueError):
    def __init__(self, zh: str, en: str, *, status: int = 400) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.status = zh, en, status


# ------------------------------------------------------------------ inbox


def inbox(session: Session, *, user_id: int, unread_only: bool = False, limit: int = 100) -> list[InboxItem]:
    """The user's inbox, newest first."""
    q = select(InboxItem).where(InboxItem.user_id == user_id)
    if unread_only:
        q = q.where(InboxItem.read_at.is_(None))
    return list(session.scalars(q.order_by(InboxItem.id.desc()).limit(limit)))


def unread_count(session: Session, *, user_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(InboxItem)
        .where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))
    )


def mark_read(session: Session, *, user_id: int, item_id: int, now: dt.datetime | None = None) -> InboxItem:
    """Mark one of the user's items read (idempotent). Another user's item is "not found"."""
    item = session.scalars(
        select(InboxItem).where(InboxItem.id == item_id, InboxItem.user_id == user_id)
    ).one_or_none()
    if item is None:
        raise NotifyError("消息不存在", f"inbox item not found: {item_id}", status=404)
    item.read_at = item.read_at or now or utcnow()
    return item


def set_contact(session: Session, *, user_id: int, email: str, digest: bool = True) -> Contact:
    """Set a user's e-mail address for the e-mail channel and the daily digest."""
    email = email.strip()
    if "@" not in email or len(email) > 200 or " " in email:
        raise NotifyError(f"邮箱地址无效：{email}", f"invalid e-mail address: {email}")
    c = session.get(Contact, user_id)
    if c is None:
        c = Contact(user_id=user_id, email=email, digest=digest, created_at=utcnow())
        session.add(c)
    else:
        c.email, c.digest = email, digest
    return c


# ------------------------------------------------------------------ webhook endpoints


def scope_district(query, column, district_code: str | None, *, city: bool):  # noqa: ANN001, ANN201
    """Limit a query to one district unless the viewer is city-wide."""
    return query if city else query.where(column == district_code)


def add_endpoint(
    session: Session,
    *,
    url: str,
    actor: str,
    district_code: str | None = None,
    kinds: list[str] | None = None,
    timeout_seconds: float = 10.0,
    secret: str | None = None,
    now: dt.datetime | None = None,
) -> WebhookEndpoint:
    """Register a webhook receiver. url: http(s) with a host; timeout 0.1–60 s. The secret is
    generated (`whsec_…`) unless given; show it once to the receiver's operator."""
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 500:
        raise NotifyError(f"网址无效（须为http或https）：{url}", f"url must be http(s) with a host: {url}")
    if not 0.1 <= timeout_seconds <= 60:
        raise NotifyError("超时须在0.1至60秒之间", f"timeout must be 0.1-60 seconds, got {timeout_seconds}")
    if secret is not None and not secret.startswith("whsec_"):
        raise NotifyError("签名密钥须以 whsec_ 开头", "secret must start with whsec_")
    ep = WebhookEndpoint(
        url=url.strip(),
        secret=secret or new_secret(),
        district_code=district_code,
        kinds=[k.strip() for k in kinds or [] if k.strip()],
        timeout_seconds=timeout_seconds,
        enabled=True,
        created_by=actor,
        created_at=now or utcnow(),
    )
    session.add(ep)
    session.flush()
    return ep


def endpoints(
    session: Session, *, district_code: str | None = None, city: bool = True
) -> list[WebhookEndpoint]:
    q = scope_district(select(WebhookEndpoint), WebhookEndpoint.district_code, district_code, city=city)
    return list(session.scalars(q.order_by(WebhookEndpoint.id)))


def _endpoint(session: Session, endpoint_id: int, district_code: str | None, city: bool) -> WebhookEndpoint:
    ep = session.get(WebhookEndpoint, endpoint_id)
    if ep is None or (not city and ep.district_code != district_code):
        raise NotifyError("端点不存在", f"webhook endpoint not found: {endpoint_id}", status=404)
    return ep


def set_enabled(
    session: Session,
    *,
    endpoint_id: int,
    enabled: bool,
    reason: str = "",
    district_code: str | None = None,
    city: bool = True,
) -> WebhookEndpoint:
    """Enable or disable an endpoint (disabled endpoints get no new deliveries)."""
    ep = _endpoint(session, endpoint_id, district_code, city)
    ep.enabled = enabled
    ep.disabled_reason = None if enabled else (reason or "手动停用 / disabled by hand")[:300]
    return ep


def rotate_secret(
    session: Session,
    *,
    endpoint_id: int,
    secret: str | None = None,
    district_code: str | None = None,
    city: bool = True,
) -> WebhookEndpoint:
    """Give an endpoint a new signing secret (generated unless given); the old one stops signing at
    once, so deliveries sent from now on carry the new signature. Show the new secret once."""
    if secret is not None and not secret.startswith("whsec_"):
        raise NotifyError("签名密钥须以 whsec_ 开头", "secret must start with whsec_")
    ep = _endpoint(session, endpoint_id, district_code, city)
    ep.secret = secret or new_secret()
    session.flush()
    return ep


# ------------------------------------------------------------------ dead letters


def dead_letters(
    session: Session, *, district_code: str | None = None, city: bool = True, limit: int = 200
) -> list[Delivery]:
    """Deliveries that gave up: dead after the retry schedule, or stopped by a disabled endpoint."""
    q = select(Delivery).where(Delivery.status.in_((DEAD, DISABLED)))
    q = scope_district(q, Delivery.district_code, district_code, city=city)
    return list(session.scalars(q.order_by(Delivery.id.desc()).limit(limit)))


def redeliver(
    session: Session,
    *,
    delivery_id: int,
    district_code: str | None = None,
    city: bool = True,
    now: dt.datetime | None = None,
) -> Delivery:
    """Put a dead (or disabled) delivery back in the queue, due now, with a fresh retry schedule and
    the same message id. Refused while its webhook endpoint is disabled (enable it first)."""
    d = session.get(Delivery, delivery_id)
    if d is None or (not city and d.district_code != district_code):
        raise NotifyError("投递记录不存在", f"delivery not found: {delivery_id}", status=404)
    if d.status == PENDING:
        raise NotifyError("该投递仍在队列中", f"delivery {delivery_id} is still queued", status=409)
    if d.endpoint_id is not None:
        ep = session.get(WebhookEndpoint, d.endpoint_id)
        if ep is None or not ep.enabled:
            raise NotifyError(
                f"端点{d.endpoint_id}已停用，请先启用",
                f"endpoint {d.endpoint_id} is disabled; enable it first",
                status=409,
            )
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            status=PENDING, attempts=0, next_attempt_at=now or utcnow(), lease_until=None, claimed_by=None
        )
    )
    session.refresh(d)
    return d
