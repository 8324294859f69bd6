"""Webhook and e-mail retry schedule: exponential back-off over about three days.

Attempt 1 is immediate; after failure n the next attempt waits RETRY_DELAYS[n-1]. After the last
delay's attempt fails the delivery is dead (死信) and waits for manual redelivery. The delays grow
roughly ×3 to ×6 at first (5 s → 5 min → 30 min → 2 h → 5 h) and then by smaller steps, as in the
Standard Webhooks / Svix schedule, extended so the total is about three days (71 h 35 min 5 s).
"""

from __future__ import annotations

import datetime as dt

_S, _M, _H = 1, 60, 3600
RETRY_DELAYS: tuple[dt.timedelta, ...] = tuple(
    dt.timedelta(seconds=s)
    for s in (5 * _S, 5 * _M, 30 * _M, 2 * _H, 5 * _H, 10 * _H, 14 * _H, 20 * _H, 20 * _H)
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def next_attempt_at(attempts: int, now: dt.datetime) -> dt.datetime | None:
    """When to try again after `attempts` failed attempts (≥ 1), counted from `now`; None: dead."""
    if attempts < 1:
        raise ValueError("attempts must be ≥ 1")
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_DELAYS[attempts - 1]
