"""Daily digest per district officer (每日信用动态摘要): what happened in the officer's district in
the 24 hours before the run, counted by event kind, as one inbox item (and e-mail where the
officer has a contact). Idempotent: one digest per officer and local day (dedup key)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import Engine, select

from xinyong import clock
from xinyong.accounts.models import User
from xinyong.notify.models import Contact, OutboxEvent
from xinyong.notify.outbox import emit
from xinyong.store.db import session_scope


def run_daily(engine: Engine, *, now: dt.datetime) -> dict[str, int]:
    """Emit today's digest for every active district officer (not for those who opted out with
    `notify_contacts.digest = false`). Returns {"digests": n} (0 on a second run the same day)."""
    day = clock.today(now)
    since = now - dt.timedelta(days=1)
    sent = 0
    with session_scope(engine) as s:
        opted_out = set(s.scalars(select(Contact.user_id).where(Contact.digest.is_(False))))
        officers = s.scalars(
            select(User).where(
                User.role == "district_officer", User.is_active.is_(True), User.district_code.is_not(None)
            )
        ).all()
        for u in officers:
            if u.id in opted_out:
                continue
            kinds = Counter(
                s.scalars(
                    select(OutboxEvent.kind).where(
                        OutboxEvent.district_code == u.district_code,
                        OutboxEvent.created_at >= since,
                        OutboxEvent.created_at < now,
                        OutboxEvent.kind != "digest.daily",
                    )
                )
            )
            key = f"digest:{u.id}:{day.isoformat()}"
            before = s.scalar(select(OutboxEvent.id).where(OutboxEvent.dedup_key == key))
            emit(
                s,
                kind="digest.daily",
                payload={
                    "title_zh": f"每日信用动态摘要 {day.isoformat()}（共{sum(kinds.values())}条）",
                    "title_en": f"Daily credit digest {day.isoformat()} ({sum(kinds.values())} events)",
                    "day": day.isoformat(),
                    "counts": dict(sorted(kinds.items())),
                },
                district_code=u.district_code,
                user_ids=[u.id],
                dedup_key=key,
                now=now,
            )
            sent += before is None
    return {"digests": sent}
