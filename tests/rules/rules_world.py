"""A small store for the rules tests: subjects, records with known dates/severities, a status event,
and an evaluation run — all written directly (the test's world), values chosen by hand."""

from __future__ import annotations

import datetime as dt

from helpers.rows import add_run, record_row, subject_row
from xinyong.status.models import StatusEvent
from xinyong.store.db import session_scope

T0 = dt.datetime(2024, 1, 1)
AS_OF = dt.date(2026, 10, 31)


def subject(
    s, sid: str, *, kind: str = "enterprise", district: str = "120101", pilot: str | None = None
) -> None:
    industry = "餐饮" if sid.endswith("1") else None
    s.add(subject_row(sid, seen=T0, kind=kind, district=district, industry=industry, pilot=pilot))


def record(
    s,
    rid: str,
    sid: str,
    *,
    severity: str | None = "general",
    occurred: dt.date | None = dt.date(2025, 6, 1),
    **columns,
) -> None:
    """A public negative penalty unless told (kind, polarity, disclosure, publicity_until …)."""
    s.add(record_row(rid, sid, seen=T0, severity=severity, occurred=occurred, **columns))


def run(
    s, run_id: str, model: str, as_of: dt.date, results: dict[str, tuple[str, float]], finished: dt.datetime
) -> None:
    add_run(s, run_id, model=model, as_of=as_of, results=results, finished=finished)


def build(engine) -> None:
    """S1: two serious penalties in 3 years (one repaired on 2026-03-01), one general 2022 penalty,
    one honour, a government-level judgment debtor; S2: a serious penalty outside the 3-year window
    and a minor one whose publicity ended; S3: nothing. Grades: S1 'B'/72.5 (newer run) and S2 'A'."""
    with session_scope(engine) as s:
        subject(s, "S1", pilot="heping_pilot")
        subject(s, "S2", district="120103")
        subject(s, "S3", kind="person")
        s.flush()
        record(s, "r1", "S1", severity="serious", occurred=dt.date(2025, 6, 1))
        record(s, "r2", "S1", severity="serious", occurred=dt.date(2024, 2, 1))
        record(s, "r3", "S1", severity="general", occurred=dt.date(2022, 5, 1))
        record(s, "r4", "S1", kind="honour", severity=None, polarity="positive", occurred=dt.date(2026, 1, 5))
        record(s, "r5", "S1", kind="judgment_debtor", severity="serious", disclosure="government")
        record(s, "r6", "S2", severity="serious", occurred=dt.date(2023, 10, 30))
        record(
            s, "r7", "S2", severity="minor", occurred=dt.date(2026, 5, 1), publicity_until=dt.date(2026, 8, 1)
        )
        record(s, "r8", "S2", severity="serious", occurred=dt.date(2026, 11, 20))  # after the as-of date
        s.flush()
        s.add(
            StatusEvent(
                record_id="r2",
                event="repaired",
                status="repaired",
                effective_on=dt.date(2026, 3, 1),
                actor="t",
                reason="t",
                recorded_at=T0,
                leaf_index=0,
            )
        )
        run(
            s,
            "run1",
            "city_enterprise",
            dt.date(2026, 6, 30),
            {"S1": ("C", 55.0), "S2": ("A", 91.0)},
            dt.datetime(2026, 7, 1),
        )
        run(s, "run2", "city_enterprise", dt.date(2026, 9, 30), {"S1": ("B", 72.5)}, dt.datetime(2026, 10, 1))
        run(s, "run3", "city_enterprise", dt.date(2026, 12, 31), {"S1": ("D", 10.0)}, dt.datetime(2027, 1, 1))
