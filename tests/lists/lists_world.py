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

from xinyong.evaluation.models import EvaluationResult, EvaluationRun
from xinyong.records.models import Record
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

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


def add_record(s, rid: str, sid: str, *, severity: str, occurred: dt.date) -> None:
    s.add(
        Record(
            id=rid,
            kind="penalty",
            subject_id=sid,
            source="t",
            source_record_id=rid,
            occurred_on=occurred,
            publicity_until=None,
            severity=severity,
            polarity="negative",
            disclosure="public",
            fields={},
            original={},
            first_seen=T0,
            last_seen=T0,
        )
    )


def add_run(s, run_id: str, as_of: dt.date, grades: dict[str, str], finished: dt.datetime) -> None:
    s.add(
        EvaluationRun(
            id=run_id,
            model_id="city_enterprise",
            model_version="1",
            model_sha256="0" * 64,
            spec={},
            as_of=as_of,
            engine="duckdb",
            district_code=None,
            subjects=len(grades),
            started_at=finished,
            finished_at=finished,
            seconds=0.0,
        )
    )
    s.flush()
    for sid, grade in grades.items():
        s.add(
            EvaluationResult(
                run_id=run_id,
                subject_id=sid,
                model_id="city_enterprise",
                as_of=as_of,
                district_code=None,
                score={"A": 95.0, "B": 80.0, "C": 65.0, "D": 40.0}[grade],
                grade=grade,
                veto=None,
                points={},
                values={},
                dimensions={},
                reasons=[],
                tags=[],
            )
        )


def build(engine) -> None:
    with session_scope(engine) as s:
        for sid, (kind, district, _) in SUBJECTS.items():
            s.add(
                Subject(
                    id=sid,
                    kind=kind,
                    name=f"主体{sid}",
                    district_code=district,
                    attributes={},
                    source="t",
                    first_seen=T0,
                    last_seen=T0,
                )
            )
        s.flush()
        add_record(s, "r-e2", "E2", severity="general", occurred=dt.date(2026, 1, 10))
        add_record(s, "r-e4", "E4", severity="serious", occurred=dt.date(2025, 3, 1))
        add_run(s, "run1", GRADED, {k: v[2] for k, v in SUBJECTS.items()}, dt.datetime(2026, 7, 1))
