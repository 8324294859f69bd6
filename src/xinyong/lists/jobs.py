"""The daily job of credit lists, run by `xinyong worker` (notify.registry.SCHEDULED_JOBS): every list
synced as of today, so memberships follow the day's facts (terms ending, records ageing out of their
windows, grades) without anyone running `xinyong list sync`."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from xinyong import clock
from xinyong.store.db import session_scope

ACTOR = "daily-sync"


def run_daily(engine: Engine, *, now: dt.datetime) -> dict[str, int]:
    """`lists.service.sync_all` as of `clock.today(now)` in one transaction (idempotent for the day).
    Returns the totals {entered, exited, expired, candidates, lapsed_candidates}."""
    from xinyong.lists.service import sync_all

    today = clock.today(now)
    total = {"entered": 0, "exited": 0, "expired": 0, "candidates": 0, "lapsed_candidates": 0}
    with session_scope(engine) as s:
        for r in sync_all(s, as_of=today, actor=ACTOR, now=now):
            for k in total:
                total[k] += getattr(r, k)
    return total
