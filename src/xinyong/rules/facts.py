"""Subject facts (主体事实): the vocabulary rules are written in, and its values as of a date.

Base vocabulary (this module; docs/rules.md has the table):

| fact | type | value |
|---|---|---|
| `kind` | string | subject kind (enterprise, individual_business, person, …) |
| `district` | string | 6-digit district code ("" when unknown) |
| `industry` | string | industry text ("" when unknown) |
| `pilots` | list<string> | programme pilots the subject belongs to |
| `grade["<model>"]` | string | newest grade by that evaluation model with run as-of ≤ the date ("" ungraded) |
| `score["<model>"]` | double | its score (-1.0 ungraded) |
| `records.<sel>_<sev>_<win>` | int | records counted as below |

Personal facts: `grade`/`score` of a personal model (evaluation.privacy.personal_models: a person's
score, `person_haihe`) and any provider fact marked `personal=True` (`person.score`) are seen only by
the person or a grant holder. A rule reads them only when it acts for the person themself
(`for_person=True`: 信易+ benefits shown to the person); every officer-facing rule (lists, supervision,
draws, alerts, whitelists, the CLI) is refused at check time (`personal_refusal`) — docs/rules.md.

Record counts: `<sel>` is `negative`, `positive`, `neutral`, `any` or a catalogue kind id
(`penalty`, `judgment_debtor`, …); `<sev>` is `any`, `minor`, `general` or `serious`; `<win>` is
`1y`, `2y`, `3y`, `5y` (occurred on or after the same day N years before the date) or `all`. A record
counts when, as of the date, it has occurred, is inside its publicity window and is not withdrawn
(repaired, objection upheld, revoked, erased) — the disclosure policy's `occurred_by`, `in_publicity`
and `counts_in_evaluation`, the same definition the evaluation engine uses. A repaired record is no fact.

Higher domains add facts without this package importing them: `FACT_PROVIDERS` lists module names;
each module defines `VOCABULARY: dict[str, FactSpec]` and
`provide(session, *, subject_ids: list[str] | None, as_of) -> dict[subject_id, dict[fact, value]]`
(subject_ids None = every subject; a subject or fact left out takes the FactSpec's default).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from xinyong.disclosure.policy import (
    OPERATOR,
    WITHDRAWN_STATUSES,
    counts_in_evaluation,
    in_publicity,
    occurred_by,
    record_filter,
)
from xinyong.records.models import Record
from xinyong.settings import get_settings
from xinyong.status.models import StatusEvent
from xinyong.subjects.models import Subject

# Modules adding facts (one line each, like cli.py's COMMAND_MODULES).
FACT_PROVIDERS: list[str] = [
    "xinyong.lists.facts",
    "xinyong.commitments.facts",
    "xinyong.incentives.rulefacts",
]

SELECTORS_POLARITY = ("any", "negative", "positive", "neutral")
SEVERITIES = ("any", "minor", "general", "serious")
WINDOWS = {"1y": 1, "2y": 2, "3y": 3, "5y": 5, "all": None}


@dataclass(frozen=True)
class FactSpec:
    """One fact: `type` ("string", "int", "double", "bool", "list<string>", "map<string,string>",
    "map<string,double>"), labels, the value when nothing is known, allowed map keys, provenance."""

    type: str
    zh: str
    en: str
    default: Any = None
    keys: tuple[str, ...] | None = None
    source: str = ""
    personal: bool = False  # the whole fact is personal data (a person's score): for_person rules only
    personal_keys: tuple[str, ...] = ()  # map keys whose values are personal (a personal model's id)

    def is_personal(self, key: str | None = None) -> bool:
        return self.personal or (key is not None and key in self.personal_keys)


@lru_cache(maxsize=8)
def _kind_ids(catalogue_dir: Path) -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in (catalogue_dir / "kinds").glob("*.yaml")))


@lru_cache(maxsize=8)
def _model_ids(models_dir: Path) -> tuple[str, ...]:
    ids = []
    for p in sorted(models_dir.glob("*.yaml")):
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            ids.append(data["id"])
    return tuple(sorted(ids))


def kind_ids() -> tuple[str, ...]:
    return _kind_ids(Path(get_settings().catalogue_dir))


def model_ids() -> tuple[str, ...]:
    return _model_ids(Path(get_settings().models_dir))


def personal_model_ids() -> tuple[str, ...]:
    """The models whose grades and scores are personal data (evaluation.privacy.personal_models, the
    one decision), among the installed ones."""
    from xinyong.evaluation.privacy import personal_models

    return tuple(sorted(set(personal_models()) & set(model_ids())))


def display_name(fact: str, key: str | None = None) -> str:
    """How a rule writes the fact: `kind`, `score["person_haihe"]`."""
    return f'{fact}["{key}"]' if key is not None else fact


def personal_refusal(fact: str, key: str | None) -> tuple[str, str]:
    """The bilingual reason an officer-facing rule may not read a personal fact."""
    name = display_name(fact, key)
    return (
        f"事实 {name} 是个人信用积分（或由其得出的等级），仅本人或获本人授权者可见"
        "（evaluation/privacy.py）：面向工作人员的规则（名单、分级监管、双随机抽查、预警、白名单等）"
        "不能读取它",
        f"fact {name} is a person's credit score (or the grade derived from it), seen only by the person "
        "or a holder of the person's grant (evaluation/privacy.py): a rule acting for officers (lists, "
        "supervision tiers, draws, alerts, whitelists …) may not read it",
    )


def record_fact(selector: str, severity: str, window: str) -> str:
    return f"records.{selector}_{severity}_{window}"


def base_vocabulary() -> dict[str, FactSpec]:
    models = model_ids()
    personal = personal_model_ids()
    vocab = {
        "kind": FactSpec("string", "主体类别", "subject kind", "", source="subjects.kind"),
        "district": FactSpec(
            "string", "所属区（行政区划代码）", "district code", "", source="subjects.district_code"
        ),
        "industry": FactSpec("string", "行业", "industry", "", source="subjects.industry"),
        "pilots": FactSpec("list<string>", "所属试点", "programme pilots", (), source="subjects.pilot"),
        "grade": FactSpec(
            "map<string,string>",
            "各模型最新等级",
            "newest grade per model",
            "",
            models,
            "evaluation_results.grade",
            personal_keys=personal,
        ),
        "score": FactSpec(
            "map<string,double>",
            "各模型最新得分",
            "newest score per model",
            -1.0,
            models,
            "evaluation_results.score",
            personal_keys=personal,
        ),
    }
    selectors = SELECTORS_POLARITY + kind_ids()
    for sel in selectors:
        for sev in SEVERITIES:
            for win in WINDOWS:
                vocab[record_fact(sel, sev, win)] = FactSpec(
                    "int",
                    f"记录数（{sel}，{sev}，{win}）",
                    f"records ({sel}, severity {sev}, window {win})",
                    0,
                    source="records",
                )
    return vocab


def _provider_modules() -> list[Any]:
    return [importlib.import_module(name) for name in FACT_PROVIDERS]


def vocabulary(name: str = "subject") -> dict[str, FactSpec]:
    """Every fact a rule of this vocabulary may read: the base facts plus each provider's."""
    from xinyong.rules.lang import RuleError

    if name != "subject":
        raise RuleError(f"未知的事实词汇表 {name!r}", f"unknown vocabulary {name!r} (known: subject)")
    vocab = base_vocabulary()
    for module in _provider_modules():
        vocab.update(module.VOCABULARY)
    return vocab


# --------------------------------------------------------------------------- record counts


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _parse_count(fact: str) -> tuple[str, str, str]:
    body = fact.removeprefix("records.")
    rest, win = body.rsplit("_", 1)
    sel, sev = rest.rsplit("_", 1)
    return sel, sev, win


def count_matches(
    fact: str, kind: str, polarity: str, severity: str | None, occurred_on: dt.date | None, as_of: dt.date
) -> bool:
    """Python reference: does a (visible, counting) record with these attributes count in `fact`?"""
    sel, sev, win = _parse_count(fact)
    if sel != "any" and sel not in (kind, polarity):
        return False
    if sev != "any" and severity != sev:
        return False
    years = WINDOWS[win]
    if years is None:
        return True
    return occurred_on is not None and occurred_on >= years_before(as_of, years)


def _count_condition(fact: str, as_of: dt.date) -> Any:
    sel, sev, win = _parse_count(fact)
    conds = []
    if sel in SELECTORS_POLARITY[1:]:
        conds.append(Record.polarity == sel)
    elif sel != "any":
        conds.append(Record.kind == sel)
    if sev != "any":
        conds.append(Record.severity == sev)
    years = WINDOWS[win]
    if years is not None:
        conds.append(and_(Record.occurred_on.is_not(None), Record.occurred_on >= years_before(as_of, years)))
    return and_(*conds) if conds else None


def counting_records(as_of: dt.date) -> Any:
    """Where-clause: records that are facts as of the date (SQL form of `record_counts`' test)."""
    withdrawn = (
        exists()
        .where(
            StatusEvent.record_id == Record.id,
            StatusEvent.effective_on <= as_of,
            StatusEvent.status.in_(sorted(WITHDRAWN_STATUSES)),
        )
        .correlate(Record)
    )
    publicity = or_(Record.publicity_until.is_(None), Record.publicity_until >= as_of)
    return and_(record_filter(OPERATOR, as_of), publicity, ~withdrawn)


def record_counts_sql(
    session: Session, facts: list[str], as_of: dt.date, subject_ids: list[str] | None
) -> dict[str, tuple[int, ...]]:
    """{subject id: counts in `facts` order} for subjects with at least one counting record."""
    if not facts:
        return {}
    cols = []
    for f in facts:
        cond = _count_condition(f, as_of)
        cols.append(func.count() if cond is None else func.sum(case((cond, 1), else_=0)))
    stmt = (
        select(Record.subject_id, *cols)
        .join(Subject, Subject.id == Record.subject_id)
        .where(counting_records(as_of))
    )
    if subject_ids is not None:
        stmt = stmt.where(Record.subject_id.in_(subject_ids))
    stmt = stmt.group_by(Record.subject_id)
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in session.execute(stmt)}


def record_counts_reference(
    session: Session, subject_id: str, facts: list[str], as_of: dt.date
) -> dict[str, int]:
    """The same counts for one subject through the disclosure policy's Python reference functions."""
    from xinyong.status.service import statuses

    records = list(session.scalars(select(Record).where(Record.subject_id == subject_id)))
    status = statuses(session, record_ids=[r.id for r in records], as_of=as_of)
    live = [
        r
        for r in records
        if occurred_by(r, as_of) and in_publicity(r, as_of) and counts_in_evaluation(status[r.id])
    ]
    return {
        f: sum(count_matches(f, r.kind, r.polarity, r.severity, r.occurred_on, as_of) for r in live)
        for f in facts
    }


# --------------------------------------------------------------------------- grades


def latest_results(
    session: Session, model_id: str, as_of: dt.date, subject_ids: list[str] | None
) -> dict[str, tuple[str, float]]:
    """{subject id: (grade, score)} from the newest run of `model_id` with as_of ≤ the date that graded
    the subject (newest by run as_of, then finish time, like evaluation.latest_grades)."""
    from xinyong.evaluation.models import EvaluationResult, EvaluationRun

    rank = (
        func.row_number()
        .over(
            partition_by=EvaluationResult.subject_id,
            order_by=(EvaluationRun.as_of.desc(), EvaluationRun.finished_at.desc(), EvaluationRun.id),
        )
        .label("rank")
    )
    inner = (
        select(EvaluationResult.subject_id, EvaluationResult.grade, EvaluationResult.score, rank)
        .join(EvaluationRun, EvaluationRun.id == EvaluationResult.run_id)
        .where(EvaluationRun.model_id == model_id, EvaluationRun.as_of <= as_of)
    )
    if subject_ids is not None:
        inner = inner.where(EvaluationResult.subject_id.in_(subject_ids))
    sub = inner.subquery()
    rows = session.execute(select(sub.c.subject_id, sub.c.grade, sub.c.score).where(sub.c.rank == 1))
    return {sid: (grade, float(score)) for sid, grade, score in rows}
