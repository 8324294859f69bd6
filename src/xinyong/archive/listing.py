"""The columns and sort orders of a district's subject list: grade, negative records, pilot.

* `negatives` — the subject's negative records the viewer may see (`record_filter`) that are still
  in their publicity period on `as_of` (no end date, or an end date on or after it);
* `grade` — the newest result of the list's credit model (default `city_enterprise`), with the
  model's band label (B 良好).

Both are correlated scalar subqueries, so a page sorts by them in SQL (SQLite and PostgreSQL alike)
and the page's own columns are read once for its ≤ PAGE_SIZE ids.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from xinyong.disclosure.policy import Viewer, record_filter
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

DEFAULT_MODEL = "city_enterprise"
SORTS = {
    "name": "名称 Name",
    "grade": "等级 Grade",
    "negatives": "失信信息数 Negative records",
}


def negatives_sql(viewer: Viewer, as_of: dt.date) -> Any:
    return (
        select(func.count())
        .select_from(Record)
        .where(
            Record.subject_id == Subject.id,
            Record.polarity == "negative",
            record_filter(viewer, as_of),
            or_(Record.publicity_until.is_(None), Record.publicity_until >= as_of),
        )
        .correlate(Subject)
        .scalar_subquery()
    )


def grade_sql(model_id: str, viewer: Viewer) -> Any:
    """The subject's newest grade by `model_id`, NULL when the viewer may not see it (a person's score:
    evaluation.privacy.result_filter)."""
    from xinyong.evaluation.models import EvaluationResult

    return (
        select(EvaluationResult.grade)
        .where(
            EvaluationResult.subject_id == Subject.id,
            EvaluationResult.model_id == model_id,
            result_filter(viewer),
        )
        .order_by(EvaluationResult.as_of.desc())
        .limit(1)
        .correlate(Subject)
        .scalar_subquery()
    )


def result_filter(viewer: Viewer) -> Any:
    """evaluation.privacy.result_filter over EvaluationResult (the evaluation domain is imported lazily:
    it is optional for the archive)."""
    from xinyong.evaluation.models import EvaluationResult
    from xinyong.evaluation.privacy import result_filter as privacy_filter

    return privacy_filter(viewer, model_id=EvaluationResult.model_id, subject_id=EvaluationResult.subject_id)


def order_by(sort: str, viewer: Viewer, as_of: dt.date, model_id: str = DEFAULT_MODEL) -> list[Any]:
    """ORDER BY of `sort` (a key of SORTS; anything else sorts by name). Grades sort best first
    (A before B, letters compare as text) with ungraded subjects last; negatives most first."""
    if sort == "negatives":
        return [negatives_sql(viewer, as_of).desc(), Subject.name, Subject.id]
    if sort == "grade":
        grade = grade_sql(model_id, viewer)
        return [case((grade.is_(None), 1), else_=0), grade, Subject.name, Subject.id]
    return [Subject.name, Subject.id]


def list_columns(
    session: Session, *, viewer: Viewer, ids: list[str], as_of: dt.date, model_id: str = DEFAULT_MODEL
) -> dict[str, dict[str, Any]]:
    """{subject id: {"grade", "grade_label", "negatives"}} for one page of a list."""
    if not ids:
        return {}
    rows = session.execute(
        select(Subject.id, grade_sql(model_id, viewer), negatives_sql(viewer, as_of)).where(
            Subject.id.in_(ids)
        )
    ).all()
    labels = _band_labels(model_id)
    return {
        sid: {"grade": grade, "grade_label": labels.get(grade or ""), "negatives": int(n or 0)}
        for sid, grade, n in rows
    }


def _band_labels(model_id: str) -> dict[str, str]:
    try:
        from xinyong.evaluation.service import load_models
    except ImportError:  # the evaluation domain is optional for the archive
        return {}
    spec = load_models().get(model_id)
    return {b.grade: b.label_zh for b in spec.decision_bands} if spec else {}
