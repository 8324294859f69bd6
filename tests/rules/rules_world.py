"""A small store for the rules tests: subjects, records with known dates/severities, a status event,
and an evaluation run — all written directly (the test's world), values chosen by hand."""

from __future__ import annotations

import datetime as dt

from xinyong.evaluation.models import EvaluationResult, EvaluationRun
from xinyong.records.models import Record
from xinyong.status.models import StatusEvent
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

T0 = dt.datetime(2024, 1, 1)
AS_OF = dt.date(2026, 10, 31)


def subject(
    s, sid: str, *, kind: str = "enterprise", district: str = "120101", pilot: str | None = None
) -> None:
    s.add(
        Subject(
            id=sid,
            kind=kind,
            name=f"企业{sid}",
            district_code=district,
            industry="餐饮" if sid.endswith("1") else None,
            pilot=pilot,
            attributes={},
            source="t",
            first_seen=T0,
            last_seen=T0,
        )
    )


def record(
    s,
    rid: str,
    sid: str,
    *,
    kind: str = "penalty",
    severity: str | None = "general",
    polarity: str = "negative",
    occurred: dt.date | None = dt.date(2025, 6, 1),
    publicity_until: dt.date | None = None,
    disclosure: str = "public",
) -> None:
    s.add(
        Record(
            id=rid,
            kind=kind,
            subject_id=sid,
            source="t",
            source_record_id=rid,
            occurred_on=occurred,
            publicity_until=publicity_until,
            severity=severity,
            polarity=polarity,
            disclosure=disclosure,
            fields={},
            original={},
            first_seen=T0,
            last_seen=T0,
        )
    )


def run(
    s, run_id: str, model: str, as_of: dt.date, results: dict[str, tuple[str, float]], finished: dt.datetime
) -> None:
    s.add(
        EvaluationRun(
            id=run_id,
            model_id=model,
            model_version="1",
            model_sha256="0" * 64,
            spec={},
            as_of=as_of,
            engine="duckdb",
            district_code=None,
            subjects=len(results),
            started_at=finished,
            finished_at=finished,
            seconds=0.0,
        )
    )
    s.flush()
    for sid, (grade, score) in results.items():
        s.add(
            EvaluationResult(
                run_id=run_id,
                subject_id=sid,
                model_id=model,
                as_of=as_of,
                district_code=None,
                score=score,
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
