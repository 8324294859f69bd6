"""Per-client rate limits for anonymous reads (issue 9: 300 public searches in 3.3 s were all answered).

A token bucket per client address, per server process: `XINYONG_PUBLIC_SEARCH_RATE` requests a
minute (default 120) with bursts of a tenth of that. Over the limit a request gets 429 with
`Retry-After` and `{"detail": {"zh", "en"}}`. Logged-in users are not limited here (they are
accountable through the access log). With N worker processes a client gets at most N times the
rate; nginx's `limit_req` (docs/deploy.md) is the shared limit in production.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import OrderedDict

from fastapi import HTTPException, Request

MAX_CLIENTS = 100_000  # least recently seen clients are forgotten beyond this


class TokenBucket:
    """`rate` tokens a minute, at most `burst` saved; `take(key, now)` → 0 or seconds to wait."""

    def __init__(self, rate_per_minute: float, burst: float) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = max(burst, 1.0)
        self._state: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float) -> float:
        with self._lock:
            tokens, last = self._state.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._state[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._state[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._state) > MAX_CLIENTS:
                self._state.popitem(last=False)
            return wait


def _bucket(request: Request) -> TokenBucket:
    bucket = getattr(request.app.state, "search_bucket", None)
    if bucket is None:
        rate = float(os.environ.get("XINYONG_PUBLIC_SEARCH_RATE", "120"))
        bucket = request.app.state.search_bucket = TokenBucket(rate, max(rate / 10.0, 5.0))
    return bucket


def limit_public_search(request: Request) -> None:
    """Dependency of the public search routes: 429 when this client searches faster than allowed."""
    if request.headers.get("authorization") or request.cookies.get("xy_session"):
        return
    client = request.client.host if request.client else "unknown"
    wait = _bucket(request).take(client, time.monotonic())
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(
            429,
            detail={
                "zh": f"查询过于频繁，请 {seconds} 秒后再试",
                "en": f"too many searches from this address; retry in {seconds} seconds",
            },
            headers={"Retry-After": str(seconds)},
        )
