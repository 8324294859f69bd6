"""Tables of the notification outbox and its deliveries (docs/notifications.md).

- `outbox_events`: one row per event, written by `emit` in the caller's transaction. The worker
  fans it out once (status pending → done) into inbox items and delivery rows, in one transaction.
- `inbox_items`: the in-app inbox (站内信); unique per (event, user), so a crashed or second worker
  never puts an event twice into a user's inbox.
- `notify_deliveries`: one e-mail or webhook delivery of one event, retried with back-off until it
  is delivered or dead (死信); webhooks keep the same `message_id` on every attempt.
- `webhook_endpoints`: registered receivers with their signing secret and timeout.
- `notify_contacts`: the e-mail address of a user and whether the user gets the daily digest.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.store.base import Base, JsonType

PENDING, DONE = "pending", "done"  # outbox event status
DELIVERED, DEAD, DISABLED = "delivered", "dead", "disabled"  # delivery status (besides pending)
DELIVERY_STATUSES: dict[str, tuple[str, str]] = {
    PENDING: ("待投递", "pending"),
    DELIVERED: ("已投递", "delivered"),
    DEAD: ("死信", "dead letter"),
    DISABLED: ("端点已停用", "endpoint disabled"),
}


class OutboxEvent(Base):
    """One event to deliver, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))  # e.g. alert.raised, repair.decided
    payload: Mapped[dict] = mapped_column(JsonType)
    subject_id: Mapped[str | None] = mapped_column(String(64))
    district_code: Mapped[str | None] = mapped_column(String(6))
    user_ids: Mapped[list] = mapped_column(JsonType, default=list)  # inbox / e-mail recipients
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)  # a second emit is a no-op
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)  # pending | done
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_outbox_events_status", "status", "id"),)


class InboxItem(Base):
    """One message in one user's in-app inbox (站内信)."""

    __tablename__ = "inbox_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"))
    kind: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    body: Mapped[dict] = mapped_column(JsonType)
    subject_id: Mapped[str | None] = mapped_column(String(64))
    district_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("event_id", "user_id", name="uq_inbox_items_event_user"),
        Index("ix_inbox_items_user", "user_id", "read_at", "id"),
    )


class WebhookEndpoint(Base):
    """A receiver of signed webhooks; `kinds` are event-kind prefixes (empty: every kind)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))  # whsec_<base64>, Standard Webhooks
    district_code: Mapped[str | None] = mapped_column(String(6))  # None: city-wide events only by admins
    kinds: Mapped[list] = mapped_column(JsonType, default=list)
    timeout_seconds: Mapped[float] = mapped_column(Float, default=10.0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Delivery(Base):
    """One e-mail or webhook delivery of one event."""

    __tablename__ = "notify_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id"))
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    target: Mapped[str] = mapped_column(String(300))  # e-mail address, or the endpoint id
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoints.id"))
    district_code: Mapped[str | None] = mapped_column(String(6))
    message_id: Mapped[str] = mapped_column(String(64))  # webhook-id / Message-ID, same on every attempt
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("event_id", "channel", "target", name="uq_notify_deliveries_event_target"),
        Index("ix_notify_deliveries_due", "status", "next_attempt_at"),
    )


class Contact(Base):
    """A user's e-mail address (e-mail channel) and daily-digest choice."""

    __tablename__ = "notify_contacts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    digest: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
