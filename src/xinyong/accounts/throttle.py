"""Login throttling (登录限速): exponential back-off per client, per account and per pair.

Replaces the old hard lock (five wrong passwords locked an account for 15 minutes, so anyone could
lock out anyone, and unknown names kept answering 401 — issue 9). Three counters of failed logins,
each keyed by a SHA-256 digest (table `login_throttle`):

| key | free failures | then wait | at most | stops |
|---|---|---|---|---|
| `pair`: this name from this client | 3 | 1 s, 2 s, 4 s … | 15 min | guessing one account from one place |
| `client`: this client, any name | 10 | 1 s, 2 s, 4 s … | 15 min | one client trying many names |
| `account`: this name, any client | 10 | 1 s, 2 s, 4 s … | **30 s** | guessing one account from many places |

The account-wide wait is capped at 30 s, so an attacker elsewhere can slow the real user down but
never lock them out; their own client's counters are untouched by the attacker's failures. A
counter is forgotten an hour after its last failure, and a successful login clears the pair and
client counters. While any counter asks to wait, the password is not even checked and the answer
is 429 with `Retry-After` — the same for a known and an unknown name, since no key depends on
whether the name exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.accounts.models import LoginThrottle

FORGET_AFTER = dt.timedelta(hours=1)
# kind → (free failures, longest wait in seconds)
RULES = {"pair": (3, 15 * 60), "client": (10, 15 * 60), "account": (10, 30)}


def _keys(username: str, client: str | None) -> dict[str, str]:
    who = client or "unknown"
    raw = {"pair": f"pair:{username}|{who}", "client": f"client:{who}", "account": f"account:{username}"}
    return {kind: hashlib.sha256(text.encode()).hexdigest() for kind, text in raw.items()}


def delay_after(kind: str, failures: int) -> int:
    """Seconds to wait after `failures` failed logins on a key of `kind`: 0 for the free ones, then
    1, 2, 4 … doubling, capped by the kind's maximum."""
    free, cap = RULES[kind]
    if failures <= free:
        return 0
    return min(2 ** min(failures - free - 1, 30), cap)


def wait_seconds(session: Session, *, username: str, client: str | None, now: dt.datetime) -> int:
    """How long this attempt must wait (0: go ahead)."""
    longest = 0
    for key in _keys(username, client).values():
        row = session.get(LoginThrottle, key)
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            longest = max(longest, int((row.blocked_until - now).total_seconds() + 0.999))
    return longest


def record_failure(session: Session, *, username: str, client: str | None, now: dt.datetime) -> None:
    for kind, key in _keys(username, client).items():
        row = session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:  # a concurrent attempt created it first
                row = session.get(LoginThrottle, key)
        if now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = delay_after(kind, row.failures)
        row.blocked_until = now + dt.timedelta(seconds=wait) if wait else None


def record_success(session: Session, *, username: str, client: str | None) -> None:
    for key in _keys(username, client).values():
        row = session.get(LoginThrottle, key)
        if row is not None:
            row.failures, row.blocked_until = 0, None
