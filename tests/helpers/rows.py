"""Subject, record and evaluation rows written straight to the store (the test's world, values chosen
by hand). Defaults are the plain ones every world shares; each world passes its own `seen` time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.evaluation.models import EvaluationResult, EvaluationRun
from xinyong.records.models import Record
from xinyong.subjects.models import Subject


def subject_row(
    sid: str,
    *,
    seen: dt.datetime,
    kind: str = "enterprise",
    name: str | None = None,
    district: str | None = "120101",
    source: str = "t",
    attributes: dict | None = None,
    **columns,
) -> Subject:
    """A subject named 企业<sid> unless `name` is given; other columns (pilot, industry …) as given."""
    return Subject(
        id=sid,
        kind=kind,
        name=f"企业{sid}" if name is None else name,
        district_code=district,
        attributes=attributes or {},
        source=source,
        first_seen=seen,
        last_seen=seen,
        **columns,
    )


def record_row(
    rid: str,
    sid: str,
    *,
    seen: dt.datetime,
    kind: str = "penalty",
    occurred: dt.date | None = None,
    severity: str | None = None,
    polarity: str = "negative",
    disclosure: str = "public",
    source: str = "t",
    source_record_id: str | None = None,
    fields: dict | None = None,
    original: dict | None = None,
    **columns,
) -> Record:
    """A record (its source record id is its id and it has no original row unless given); other
    columns (amount, publicity_until, valid_until …) as given."""
    return Record(
        id=rid,
        kind=kind,
        subject_id=sid,
        source=source,
        source_record_id=rid if source_record_id is None else source_record_id,
        occurred_on=occurred,
        severity=severity,
        polarity=polarity,
        disclosure=disclosure,
        fields=fields or {},
        original=original or {},
        first_seen=seen,
        last_seen=seen,
        **columns,
    )


def add_run(
    s: Session,
    run_id: str,
    *,
    model: str,
    as_of: dt.date,
    results: dict[str, tuple[str, float]],
    finished: dt.datetime,
    engine: str = "duckdb",
    result_district: str | None = None,
) -> None:
    """A finished evaluation run with one result {subject: (grade, score)} each, nothing explained."""
    s.add(
        EvaluationRun(
            id=run_id,
            model_id=model,
            model_version="1",
            model_sha256="0" * 64,
            spec={},
            as_of=as_of,
            engine=engine,
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
                district_code=result_district,
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
