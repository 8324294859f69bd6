"""`emit`: write an event to the outbox in the caller's transaction (docs/notifications.md)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from xinyong.notify.dialect import insert_ignore
from xinyong.notify.models import PENDING, OutboxEvent


class EmitError(ValueError):
    """A malformed event (bilingual): nothing is written."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def emit(
    session: Session | Connection,
    *,
    kind: str,
    payload: dict,
    subject_id: str | None = None,
    district_code: str | None = None,
    user_ids: list[int] | None = None,
    dedup_key: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Write one outbox row in the caller's transaction; it commits or rolls back with the change
    that caused it, so an event is never lost and never sent for a change that did not happen.

    kind: a dotted event name (e.g. ``alert.raised``, ``repair.decided``), ≤ 64 characters.
    payload: a JSON-serialisable dict; ``title_zh`` / ``title_en`` keys, when present, title the
    inbox item and e-mail. user_ids: inbox (and e-mail, where a contact exists) recipients.
    dedup_key: when given, a second emit with the same key is a no-op (≤ 200 characters).
    Raises EmitError for an empty/long kind, a non-dict or non-JSON payload, a long dedup_key."""
    kind = (kind or "").strip()
    if not kind or len(kind) > 64:
        raise EmitError("事件类型不能为空且不超过64个字符", "kind must be 1-64 characters")
    if not isinstance(payload, dict):
        raise EmitError("事件内容必须是对象", "payload must be a dict")
    try:
        json.dumps(payload, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise EmitError("事件内容无法序列化为JSON", f"payload is not JSON-serialisable: {exc}") from exc
    if dedup_key is not None and not (0 < len(dedup_key) <= 200):
        raise EmitError("去重键须为1至200个字符", "dedup_key must be 1-200 characters")
    insert_ignore(
        session,
        OutboxEvent,
        {
            "kind": kind,
            "payload": payload,
            "subject_id": subject_id,
            "district_code": district_code,
            "user_ids": sorted({int(u) for u in user_ids or []}),
            "dedup_key": dedup_key,
            "created_at": now or _utcnow(),
            "status": PENDING,
            "attempts": 0,
        },
    )
