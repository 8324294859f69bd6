"""The delivery worker behind `xinyong worker` (docs/notifications.md).

`run_once(engine, now=...)` is one deterministic pass; time is a parameter, so tests drive retries
and leases by passing `now`. A pass:

1. fans out pending outbox events: claims them (dialect.claim, with a lease), then per event in ONE
   transaction marks it done, runs the registered listeners, inserts the inbox items (unique per
   event and user) and creates the e-mail and webhook deliveries. A crash before the commit leaves
   the event pending; after the lease another worker takes it. The inbox never gets an event twice.
2. delivers due e-mail and webhook deliveries: claims them, sends them in threads (each with its
   own timeout, so a hanging endpoint delays nothing else and never the store), and records each
   outcome as it arrives: delivered; failed → next attempt by `retry.next_attempt_at` or dead;
   HTTP 410 → the endpoint is disabled. A crash between send and bookkeeping re-sends after the lease
   with the same webhook-id (at-least-once).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from sqlalchemy import Engine, and_, or_, select, update

from xinyong.accounts.models import User
from xinyong.notify import channels
from xinyong.notify.dialect import claim, insert_ignore
from xinyong.notify.models import (
    DEAD,
    DELIVERED,
    DISABLED,
    DONE,
    PENDING,
    Contact,
    Delivery,
    InboxItem,
    OutboxEvent,
    WebhookEndpoint,
)
from xinyong.notify.registry import EVENT_LISTENERS, SCHEDULED_JOBS, modules
from xinyong.notify.retry import next_attempt_at
from xinyong.settings import Settings, get_settings
from xinyong.store.db import session_scope

log = logging.getLogger(__name__)

KIND_TITLES: dict[str, tuple[str, str]] = {
    "alert.raised": ("信用风险预警", "Credit risk alert"),
    "digest.daily": ("每日信用动态摘要", "Daily credit digest"),
    "repair.reminder": ("信用修复提醒", "Credit repair reminder"),
    "ingest.batch": ("数据归集批次", "Ingested batch"),
}
EVENT_ROUNDS = 5  # fan-out rounds per pass: listeners may emit events that fan out in the same pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"


def titles(event: OutboxEvent) -> tuple[str, str]:
    zh, en = KIND_TITLES.get(event.kind, (event.kind, event.kind))
    return str(event.payload.get("title_zh") or zh)[:300], str(event.payload.get("title_en") or en)[:300]


def run_once(
    engine: Engine,
    *,
    now: dt.datetime | None = None,
    settings: Settings | None = None,
    worker: str | None = None,
    limit: int = 200,
) -> dict[str, int]:
    """One pass: fan out pending events, then send due deliveries. Returns counts
    {"events", "delivered", "failed", "dead", "disabled"}."""
    now = now or utcnow()
    settings = settings or get_settings()
    worker = worker or worker_id()
    events = 0
    for _ in range(EVENT_ROUNDS):
        n = fan_out(engine, now=now, settings=settings, worker=worker, limit=limit)
        events += n
        if n == 0:
            break
    return {"events": events, **deliver(engine, now=now, settings=settings, worker=worker, limit=limit)}


def fan_out(engine: Engine, *, now: dt.datetime, settings: Settings, worker: str, limit: int) -> int:
    lease = dt.timedelta(seconds=settings.worker_lease)
    with session_scope(engine) as s:
        ids = claim(
            s, OutboxEvent, OutboxEvent.status == PENDING, worker=worker, now=now, lease=lease, limit=limit
        )
    done = 0
    for eid in ids:
        try:
            with session_scope(engine) as s:
                mine = s.execute(
                    update(OutboxEvent)
                    .where(
                        OutboxEvent.id == eid, OutboxEvent.claimed_by == worker, OutboxEvent.status == PENDING
                    )
                    .values(status=DONE, processed_at=now, lease_until=None)
                ).rowcount
                if not mine:
                    continue
                event = s.get(OutboxEvent, eid)
                for listener in modules(EVENT_LISTENERS):
                    if any(event.kind.startswith(k) for k in listener.KINDS):
                        listener.handle(s, event, now=now)
                _fan_out_one(s, event, now=now, settings=settings)
            done += 1
        except Exception as exc:  # noqa: BLE001 - a failing listener must not stop the other events
            log.exception("outbox event %s failed", eid)
            with session_scope(engine) as s:
                s.execute(
                    update(OutboxEvent)
                    .where(OutboxEvent.id == eid, OutboxEvent.claimed_by == worker)
                    .values(
                        attempts=OutboxEvent.attempts + 1,
                        last_error=f"{type(exc).__name__}: {exc}"[:500],
                        lease_until=now + dt.timedelta(minutes=5),  # retried after five minutes
                    )
                )
    return done


def _fan_out_one(s, event: OutboxEvent, *, now: dt.datetime, settings: Settings) -> None:  # noqa: ANN001
    zh, en = titles(event)
    users = (
        list(s.scalars(select(User.id).where(User.id.in_(event.user_ids), User.is_active.is_(True))))
        if event.user_ids
        else []
    )
    if users:
        insert_ignore(
            s,
            InboxItem,
            [
                {
                    "user_id": u,
                    "event_id": event.id,
                    "kind": event.kind,
                    "title_zh": zh,
                    "title_en": en,
                    "body": event.payload,
                    "subject_id": event.subject_id,
                    "district_code": event.district_code,
                    "created_at": now,
                }
                for u in users
            ],
        )
    rows: list[dict] = []
    base = {"event_id": event.id, "district_code": event.district_code, "status": PENDING, "attempts": 0}
    base |= {"next_attempt_at": now, "created_at": now}
    if settings.smtp_host and users:
        for c in s.scalars(select(Contact).where(Contact.user_id.in_(users))):
            rows.append(
                base | {"channel": "email", "target": c.email, "message_id": f"msg_{event.id}.{c.user_id}"}
            )
    local = or_(WebhookEndpoint.district_code.is_(None), WebhookEndpoint.district_code == event.district_code)
    for ep in s.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True), local)):
        if not ep.kinds or any(event.kind.startswith(k) for k in ep.kinds):
            rows.append(
                base
                | {
                    "channel": "webhook",
                    "target": str(ep.id),
                    "endpoint_id": ep.id,
                    "message_id": f"msg_{event.id}",
                }
            )
    if rows:
        for r in rows:
            r.setdefault("endpoint_id", None)
        insert_ignore(s, Delivery, rows)


@dataclass(frozen=True)
class _Job:
    id: int
    channel: str
    target: str
    message_id: str
    endpoint_id: int | None
    url: str | None
    secret: str | None
    timeout: float
    subject: str
    body: str


def deliver(
    engine: Engine, *, now: dt.datetime, settings: Settings, worker: str, limit: int
) -> dict[str, int]:
    counts = {"delivered": 0, "failed": 0, "dead": 0, "disabled": 0}
    lease = dt.timedelta(seconds=settings.worker_lease)
    due = and_(Delivery.status == PENDING, Delivery.next_attempt_at <= now)
    jobs: list[_Job] = []
    with session_scope(engine) as s:
        ids = claim(s, Delivery, due, worker=worker, now=now, lease=lease, limit=limit)
        for d, ev, ep in s.execute(
            select(Delivery, OutboxEvent, WebhookEndpoint)
            .join(OutboxEvent, OutboxEvent.id == Delivery.event_id)
            .outerjoin(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
            .where(Delivery.id.in_(ids))
            .order_by(Delivery.id)
        ):
            if d.channel == "webhook" and (ep is None or not ep.enabled):
                d.status, d.lease_until = DISABLED, None
                d.last_error = "端点已停用 / endpoint disabled"
                counts["disabled"] += 1
                continue
            zh, en = titles(ev)
            data = {"subject_id": ev.subject_id, "district_code": ev.district_code, "payload": ev.payload}
            body = (
                channels.webhook_body(event_id=ev.id, kind=ev.kind, created_at=ev.created_at, data=data)
                if d.channel == "webhook"
                else _email_text(zh, en, ev)
            )
            jobs.append(
                _Job(
                    d.id,
                    d.channel,
                    d.target,
                    d.message_id,
                    d.endpoint_id,
                    ep.url if ep else None,
                    ep.secret if ep else None,
                    ep.timeout_seconds if ep else settings.smtp_timeout,
                    f"{zh} / {en}",
                    body,
                )
            )
    if not jobs:
        return counts
    with ThreadPoolExecutor(max_workers=min(8, len(jobs))) as pool:
        futures = {pool.submit(_send, job, now, settings): job for job in jobs}
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                outcome = fut.result()
            except Exception as exc:  # noqa: BLE001 - a bug in one send is that delivery's failure
                outcome = channels.Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500])
            counts[_record(engine, job, outcome, now=now, worker=worker)] += 1
    return counts


def _send(job: _Job, now: dt.datetime, settings: Settings) -> channels.Outcome:
    if job.channel == "webhook":
        return channels.send_webhook(
            url=job.url or "",
            secret=job.secret or "",
            message_id=job.message_id,
            at=now,
            body=job.body,
            timeout=job.timeout,
        )
    return channels.send_email(
        settings, to=job.target, subject=job.subject, text=job.body, message_id=job.message_id
    )


def _email_text(zh: str, en: str, ev: OutboxEvent) -> str:
    lines = [zh, en, ""]
    lines += [f"{k}: {v}" for k, v in sorted(ev.payload.items()) if k not in ("title_zh", "title_en")]
    if ev.subject_id:
        lines.append(f"subject: {ev.subject_id}")
    return "\n".join(lines) + "\n"


def _record(engine: Engine, job: _Job, outcome: channels.Outcome, *, now: dt.datetime, worker: str) -> str:
    with session_scope(engine) as s:
        d = s.scalars(
            select(Delivery).where(Delivery.id == job.id, Delivery.claimed_by == worker)
        ).one_or_none()
        if d is None:  # our lease ran out and another worker took it over; it records its own attempt
            return "delivered" if outcome.ok else "failed"
        d.attempts += 1
        d.lease_until = None
        d.last_status_code = outcome.status_code
        if outcome.ok:
            d.status, d.delivered_at, d.last_error = DELIVERED, now, None
            return "delivered"
        d.last_error = outcome.error
        if outcome.gone and job.endpoint_id is not None:
            d.status = DISABLED
            s.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id == job.endpoint_id)
                .values(enabled=False, disabled_reason=f"HTTP 410 ({now:%Y-%m-%d %H:%M} UTC)")
            )
            return "disabled"
        nxt = next_attempt_at(d.attempts, now)
        if nxt is None:
            d.status = DEAD
            return "dead"
        d.next_attempt_at = nxt
        return "failed"


def run_daily(engine: Engine, *, now: dt.datetime | None = None) -> dict[str, dict]:
    """Run every SCHEDULED_JOBS module's `run_daily` (digest, reminders, watchlist scans)."""
    now = now or utcnow()
    return {m.__name__: m.run_daily(engine, now=now) for m in modules(SCHEDULED_JOBS)}
