"""A small store for the lists tests, written directly (the test's world; values chosen by hand).

Subjects (all enterprises unless noted), city_enterprise grades from a run as of 2026-06-30:
  E1 和平 A, clean                → red list
  E2 和平 A, one general penalty 2026-01-10 → not red (negative record), focus? no (one record)
  E3 河西 B, clean                → not red
  E4 和平 A, serious penalty 2025-03-01 → serious_dishonesty candidate; not red
  E5 西青 C                       → focus (grade C)
  P1 person, A                    → outside every list's scope
"""

from __future__ import annotations

import datetime as dt

from helpers import rows
from helpers.rows import record_row
from xinyong.store.db import session_scope

T0 = dt.datetime(2024, 1, 1)
GRADED = dt.date(2026, 6, 30)
SUBJECTS = {
    "E1": ("enterprise", "120101", "A"),
    "E2": ("enterprise", "120101", "A"),
    "E3": ("enterprise", "120103", "B"),
    "E4": ("enterprise", "120101", "A"),
    "E5": ("enterprise", "120111", "C"),
    "P1": ("person", "120101", "A"),
}


SCORES = {"A": 95.0, "B": 80.0, "C": 65.0, "D": 40.0}  # the score each run gives a grade


def add_record(s, rid: str, sid: str, *, severity: str, occurred: dt.date) -> None:
    s.add(record_row(rid, sid, seen=T0, occurred=occurred, severity=severity))


def add_run(s, run_id: str, as_of: dt.date, grades: dict[str, str], finished: dt.datetime) -> None:
    results = {sid: (grade, SCORES[grade]) for sid, grade in grades.items()}
    rows.add_run(s, run_id, model="city_enterprise", as_of=as_of, results=results, finished=finished)


def build(engine) -> None:
    with session_scope(engine) as s:
        for sid, (kind, district, _) in SUBJECTS.items():
            s.add(rows.subject_row(sid, seen=T0, kind=kind, name=f"主体{sid}", district=district))
        s.flush()
        add_record(s, "r-e2", "E2", severity="general", occurred=dt.date(2026, 1, 10))
        add_record(s, "r-e4", "E4", severity="serious", occurred=dt.date(2025, 3, 1))
        add_run(s, "run1", GRADED, {k: v[2] for k, v in SUBJECTS.items()}, dt.datetime(2026, 7, 1))
