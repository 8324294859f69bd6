"""The two outside channels: e-mail over SMTP and webhooks signed in the Standard Webhooks scheme.

Each send returns an `Outcome`; nothing here touches the database, so the worker runs sends in
threads with their own timeouts while the store stays free (a hanging endpoint blocks nothing).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import httpx
from standardwebhooks.webhooks import Webhook

from xinyong.settings import Settings


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None  # HTTP status of a webhook answer
    error: str | None = None
    gone: bool = False  # HTTP 410: the receiver asks us to stop (the endpoint is disabled)


def new_secret() -> str:
    """A fresh signing secret, `whsec_` + base64 of 24 random bytes (Standard Webhooks format)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def webhook_body(*, event_id: int, kind: str, created_at: dt.datetime, data: dict) -> str:
    """The JSON body: {"type", "timestamp" (ISO 8601 UTC), "data"} as the spec recommends; compact
    and key-sorted so the same event always has the same bytes (and the same signature per attempt
    timestamp)."""
    doc = {"type": kind, "timestamp": created_at.isoformat() + "Z", "data": {"event_id": event_id, **data}}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def signed_headers(*, secret: str, message_id: str, at: dt.datetime, body: str) -> dict[str, str]:
    """webhook-id / webhook-timestamp (Unix seconds) / webhook-signature (`v1,` + base64 of
    HMAC-SHA256 over `id.timestamp.body`), computed by the `standardwebhooks` package."""
    at = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
        "content-type": "application/json",
    }


def send_webhook(
    *, url: str, secret: str, message_id: str, at: dt.datetime, body: str, timeout: float
) -> Outcome:
    """POST one signed webhook. 2xx: delivered; 410: gone (disable); anything else or a
    timeout/connection error: failed (retried with back-off)."""
    headers = signed_headers(secret=secret, message_id=message_id, at=at, body=body)
    try:
        answer = httpx.post(url, content=body.encode(), headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= answer.status_code < 300:
        return Outcome(True, answer.status_code)
    return Outcome(False, answer.status_code, f"HTTP {answer.status_code}", gone=answer.status_code == 410)


def send_email(settings: Settings, *, to: str, subject: str, text: str, message_id: str) -> Outcome:
    """Send one plain-text e-mail through XINYONG_SMTP_HOST; `message_id` is the same on every
    attempt so a receiver can drop a duplicate after a crash between send and bookkeeping."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}@xinyong>"
    msg.set_content(text)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(True)
