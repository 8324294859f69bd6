"""The daily job of risk early warning, run by `xinyong worker` (notify.registry.SCHEDULED_JOBS):
scan every watchlist (baseline first, then differences) and send the periodic pushes due today."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from xinyong import clock
from xinyong.store.db import session_scope


def run_daily(engine: Engine, *, now: dt.datetime) -> dict[str, int]:
    from xinyong.alerts.models import Watchlist
    from xinyong.alerts.rules import load_rules
    from xinyong.alerts.service import push_digest, scan

    today = clock.today(now)
    rules = load_rules()
    total = {"scanned": 0, "findings": 0, "pushes": 0}
    with session_scope(engine) as s:
        ids = list(s.scalars(select(Watchlist.id).order_by(Watchlist.id)))
    for wl_id in ids:  # one transaction per list: a failing list does not undo the others
        with session_scope(engine) as s:
            out = scan(s, watchlist_id=wl_id, as_of=today, now=now, rules=rules)
            total["scanned"] += out["members"]
            total["findings"] += out["findings"]
            total["pushes"] += push_digest(s, watchlist_id=wl_id, today=today, now=now)
    return total
