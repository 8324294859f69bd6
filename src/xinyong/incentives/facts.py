"""The facts a scenario condition reads (vocabulary: scenarios.FACTS), for one subject as of a date.

Record facts are counted over the subject's records the *public* may see as of the date (in their
publicity period, not repaired, revoked or erased; disclosure.policy.record_filter), so every fact a
reason names is itself public. Grades and scores come from the evaluation engine run on the subject
as of the date (python engine), for the models the scenarios name; a model that does not grade the
subject gives grade "" and score -1.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from xinyong.disclosure.policy import PUBLIC, record_filter
from xinyong.evaluation import service as evaluation
from xinyong.evaluation.schemas import ModelSpec
from xinyong.records.models import Record
from xinyong.subjects.models import Subject


def _applies(spec: ModelSpec, subject: Subject) -> bool:
    if subject.kind not in spec.subject_kinds:
        return False
    attrs = subject.attributes or {}
    return all(attrs.get(k) in v for k, v in spec.subject_attributes.items())


def record_facts(session: Session, subject_id: str, as_of: dt.date) -> dict[str, Any]:
    three = as_of - dt.timedelta(days=1095)
    one = as_of - dt.timedelta(days=365)
    active_debtor = (Record.kind == "judgment_debtor") & (
        func.coalesce(Record.valid_until, dt.date(9999, 12, 31)) > as_of
    )
    row = session.execute(
        select(
            func.sum(case((active_debtor, 1), else_=0)),
            func.sum(
                case(
                    (
                        (Record.kind == "penalty")
                        & (Record.severity == "serious")
                        & (Record.occurred_on > three),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.sum(case(((Record.kind == "penalty") & (Record.occurred_on > one), 1), else_=0)),
            func.sum(case(((Record.kind == "commitment") & (Record.polarity == "positive"), 1), else_=0)),
            func.sum(case(((Record.kind == "honour") & (Record.occurred_on > three), 1), else_=0)),
        )
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.subject_id == subject_id, record_filter(PUBLIC, as_of))
    ).one()
    debtor, serious, penalties, _, honours = (int(x or 0) for x in row)
    # a commitment counts when signed or kept (not breached): read the status field in Python
    statuses = session.scalars(
        select(Record.fields)
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.subject_id == subject_id, Record.kind == "commitment", record_filter(PUBLIC, as_of))
    ).all()
    signed = any((f or {}).get("status") in ("signed", "kept") for f in statuses)
    return {
        "judgment_debtor": debtor > 0,
        "serious_penalties": serious,
        "penalties": penalties,
        "commitment_signed": signed,
        "honours": honours,
    }


def subject_facts(
    session: Session,
    *,
    subject_id: str,
    as_of: dt.date,
    models: set[str],
    specs: dict[str, ModelSpec] | None = None,
) -> dict[str, Any]:
    """All facts of one subject (KeyError for an unknown subject)."""
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise KeyError(subject_id)
    specs = specs or evaluation.load_models()
    attrs = subject.attributes or {}
    grade: dict[str, str] = {}
    score: dict[str, int] = {}
    for model_id in sorted(models | {"person_haihe"} if subject.kind == "person" else models):
        spec = specs.get(model_id)
        row = None
        if spec is not None and _applies(spec, subject):
            row = evaluation.evaluate_subject(
                session, subject_id=subject_id, model_id=model_id, as_of=as_of, models=specs
            )
        grade[model_id] = row["grade"] if row else ""
        score[model_id] = row["score_units"] // 10**spec.decimals if row else -1
    return {
        "kind": subject.kind,
        "district": subject.district_code or "",
        "pilot": subject.pilot or "",
        "role": str(attrs.get("role") or ""),
        "industry": subject.industry or "",
        "grade": grade,
        "score": score,
        "person_score": score.get("person_haihe", -1) if subject.kind == "person" else -1,
        "lists": list_ids(session, subject_id=subject_id, as_of=as_of),
        **record_facts(session, subject_id, as_of),
    }


def list_ids(session: Session, *, subject_id: str, as_of: dt.date) -> list[str]:
    """The ids of the lists (红黑名单) the subject is in, from the lists domain when it is installed."""
    try:
        from xinyong.lists import service as lists  # noqa: PLC0415 - optional lower domain
    except ImportError:
        return []
    fn = getattr(lists, "memberships_as_of", None)
    return sorted(fn(session, subject_ids=[subject_id], as_of=as_of).get(subject_id, [])) if fn else []


def excluded_from_benefits(
    session: Session, *, subject_id: str, as_of: dt.date, facts: dict[str, Any]
) -> dict | None:
    """Why a subject gets no benefit at all (a serious-dishonesty list member), or None: the lists
    domain's `excluded_from_benefits` (严重失信主体名单), or a judgment debtor not removed (失信被执行人 is
    a serious-dishonesty list by law, whether or not the lists have been synced)."""
    try:
        from xinyong.lists import service as lists  # noqa: PLC0415 - optional lower domain
    except ImportError:
        lists = None
    fn = getattr(lists, "excluded_from_benefits", None) if lists else None
    if fn is not None and fn(session, subject_id=subject_id, as_of=as_of):
        return {
            "zh": "列入严重失信主体名单，不享受任何激励",
            "en": "on a serious-dishonesty list: no benefit",
        }
    if facts.get("judgment_debtor"):  # 失信被执行人 is a serious-dishonesty list by law, synced or not
        return {
            "zh": "列入失信被执行人名单（严重失信主体），不享受任何激励",
            "en": "listed as a dishonest judgment debtor (serious dishonesty): no benefit",
        }
    return None
