"""Tiered supervision (分级分类监管): load schemes, decide each subject's tier and say why.

A scheme (supervision/*.yaml, or its newest version saved from the console) maps the subject's latest
grade under the scheme's credit model as of a date — plus, optionally, its venue type, risk class or
a CEL condition — to a tier with a sampling ratio and an inspection frequency (docs/supervision.md).
Population rules and tier conditions are CEL, evaluated by `xinyong.rules` (the only place that
knows facts); everything that needs a rule goes through `select_population` / `_condition_hits`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.disclosure.policy import Viewer
from xinyong.settings import REPO_ROOT
from xinyong.subjects.models import Subject
from xinyong.supervision.models import SchemeVersion
from xinyong.supervision.schemas import Scheme, Tier

# Kinds that random inspections and supervision tiers apply to (not natural persons).
SUPERVISED_KINDS = ("enterprise", "individual_business", "government")


class SchemeError(ValueError):
    """A scheme that cannot be used, or a rule that cannot be evaluated (message: 中文 / English)."""


@dataclass(frozen=True)
class TierDecision:
    scheme_id: str
    scheme_name: str
    tier: str
    tier_name: str
    ratio_bp: int
    per_year: int
    exempt_except: tuple[str, ...]
    grade: str | None
    model: str
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def schemes_dir() -> Path:
    """XINYONG_SUPERVISION_DIR, default supervision/ at the repository root."""
    return Path(os.environ.get("XINYONG_SUPERVISION_DIR") or REPO_ROOT / "supervision")


def _loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(file)"


def parse_scheme(text: str, name: str = "(text)") -> Scheme:
    """Parse and validate scheme YAML; SchemeError names the file, the field path and the reason."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SchemeError(f"{name}: YAML 语法错误 / YAML syntax error: {exc}") from exc
    if not isinstance(data, dict):
        raise SchemeError(f"{name}: 方案应为映射 / a scheme must be a mapping")
    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as exc:
        raise SchemeError(
            "\n".join(f"{name}: {_loc(e['loc'])}: 字段无效 / {e['msg']}" for e in exc.errors())
        ) from exc
    _check_rules(scheme, name)
    return scheme


def _check_rules(scheme: Scheme, name: str) -> None:
    """Compile every CEL text of the scheme (population, tier conditions) with xinyong.rules, and its
    model's grade as the fact `grade["<model>"]` the tiers read (an officer's decision: a personal
    model — a person's score — is refused there, the same check as a rule naming it)."""
    rules = _rules()
    try:
        rules.check_fact(f'grade["{scheme.model}"]')
    except rules.RuleError as exc:
        raise SchemeError(f"{name}: model: {exc.zh} / {exc.en}") from exc
    texts = [("population", scheme.population)] + [
        (f"tiers.{t.id}.condition", t.condition) for t in scheme.tiers
    ]
    texts = [(where, t) for where, t in texts if t]
    if not texts:
        return
    for where, text in texts:
        try:
            rules.check_expression(text)
        except rules.RuleError as exc:
            raise SchemeError(f"{name}: {where}: {exc.zh} / {exc.en} (position {exc.position})") from exc


def _rules() -> Any:
    try:
        import xinyong.rules as rules
    except ImportError as exc:  # the rules domain is not installed in this build
        raise SchemeError("规则服务不可用 / the rules service (xinyong.rules) is not installed") from exc
    return rules


@lru_cache(maxsize=4)
def _shipped(directory: str) -> dict[str, Scheme]:
    out = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        scheme = parse_scheme(path.read_text(encoding="utf-8"), path.name)
        if not path.stem.startswith(scheme.district):
            raise SchemeError(
                f"{path.name}: 文件名应以区划代码开头 / file name must start with {scheme.district}"
            )
        out[scheme.id] = scheme
    return out


def shipped_schemes() -> dict[str, Scheme]:
    return _shipped(str(schemes_dir()))


def all_schemes(session: Session) -> dict[str, Scheme]:
    """Every scheme in force: the shipped files, each replaced by its newest saved version."""
    out = dict(shipped_schemes())
    newest = select(func.max(SchemeVersion.id)).group_by(SchemeVersion.scheme_id).scalar_subquery()
    for row in session.scalars(select(SchemeVersion).where(SchemeVersion.id.in_(newest))):
        out[row.scheme_id] = parse_scheme(row.text, f"{row.scheme_id} v{row.id}")
    return dict(sorted(out.items()))


def get_scheme(session: Session, scheme_id: str) -> Scheme:
    schemes = all_schemes(session)
    if scheme_id not in schemes:
        raise SchemeError(f"未知的监管方案 {scheme_id} / unknown scheme {scheme_id!r}")
    return schemes[scheme_id]


def scheme_text(session: Session, scheme_id: str) -> str:
    """The YAML in force (saved version, else the shipped file)."""
    row = session.scalar(
        select(SchemeVersion)
        .where(SchemeVersion.scheme_id == scheme_id)
        .order_by(SchemeVersion.id.desc())
        .limit(1)
    )
    if row is not None:
        return row.text
    for path in sorted(schemes_dir().glob("*.yaml")):
        if parse_scheme(path.read_text(encoding="utf-8"), path.name).id == scheme_id:
            return path.read_text(encoding="utf-8")
    raise SchemeError(f"未知的监管方案 {scheme_id} / unknown scheme {scheme_id!r}")


def save_scheme(
    session: Session,
    *,
    text: str,
    actor: str,
    reason: str,
    district_code: str | None = None,
    now: dt.datetime | None = None,
) -> SchemeVersion:
    """Validate and append a new version (never overwrites). `district_code`, when given, must be the
    scheme's district (a district officer saves only its own). Raises SchemeError; nothing is saved."""
    if not reason.strip():
        raise SchemeError("保存方案须说明理由 / a reason is required to save a scheme")
    scheme = parse_scheme(text)
    if district_code is not None and scheme.district != district_code:
        raise SchemeError(
            f"只能保存本区方案（{district_code}） / may only save schemes of district {district_code}"
        )
    row = SchemeVersion(
        scheme_id=scheme.id,
        district_code=scheme.district,
        text=text,
        actor=actor,
        reason=reason.strip(),
        saved_at=now or clock.utcnow_naive(),
    )
    session.add(row)
    session.flush()
    return row


def scheme_versions(session: Session, scheme_id: str) -> list[SchemeVersion]:
    return list(
        session.scalars(
            select(SchemeVersion).where(SchemeVersion.scheme_id == scheme_id).order_by(SchemeVersion.id)
        )
    )


# --------------------------------------------------------------------------- population and tiers


def select_population(
    session: Session, *, district_code: str, expression: str | None, as_of: dt.date
) -> list[str]:
    """Subject ids (sorted) of the district's supervised subjects for which the CEL `expression` holds
    as of the date (all of them when None). The one place a draw's population is chosen."""
    ids = list(
        session.scalars(
            select(Subject.id)
            .where(Subject.district_code == district_code, Subject.kind.in_(SUPERVISED_KINDS))
            .order_by(Subject.id)
        )
    )
    if not expression or not ids:
        return ids
    hits = _rules().evaluate_many(session, expression=expression, as_of=as_of, subject_ids=ids)
    return [s for s in ids if hits.get(s)]


def latest_grades(
    session: Session, *, model_id: str, subject_ids: list[str], as_of: dt.date
) -> dict[str, str]:
    """{subject id: grade} of the newest run of the model with as_of ≤ the date that graded it."""
    from xinyong.evaluation.models import EvaluationResult, EvaluationRun

    out: dict[str, tuple[dt.date, dt.datetime, str]] = {}
    wanted = set(subject_ids)
    stmt = (
        select(
            EvaluationResult.subject_id,
            EvaluationResult.grade,
            EvaluationRun.as_of,
            EvaluationRun.finished_at,
        )
        .join(EvaluationRun, EvaluationRun.id == EvaluationResult.run_id)
        .where(EvaluationRun.model_id == model_id, EvaluationRun.as_of <= as_of)
    )
    if len(wanted) <= 1000:
        stmt = stmt.where(EvaluationResult.subject_id.in_(sorted(wanted)))
    for sid, grade, day, finished in session.execute(stmt):
        if sid in wanted and (sid not in out or (day, finished) > out[sid][:2]):
            out[sid] = (day, finished, grade)
    return {s: v[2] for s, v in out.items()}


def _matches(tier: Tier, grade: str | None, attrs: dict, condition_hit: bool) -> bool:
    if tier.grades is not None and grade not in tier.grades:
        return False
    if tier.venue_types is not None and attrs.get("venue_type") not in tier.venue_types:
        return False
    if tier.risk_classes is not None and attrs.get("risk_class") not in tier.risk_classes:
        return False
    return not (tier.condition and not condition_hit)


def _reason(scheme: Scheme, tier: Tier, grade: str | None, attrs: dict) -> tuple[str, str]:
    zh = [f"{scheme.model} 评价等级 {grade}" if grade else f"{scheme.model} 尚无评价等级"]
    en = [f"grade {grade} under {scheme.model}" if grade else f"no grade under {scheme.model}"]
    if tier.venue_types is not None:
        zh.append(f"场所类型 {attrs.get('venue_type')}")
        en.append(f"venue type {attrs.get('venue_type')}")
    if tier.risk_classes is not None:
        zh.append(f"风险分类 {attrs.get('risk_class')}")
        en.append(f"risk class {attrs.get('risk_class')}")
    if tier.condition:
        zh.append(f"满足条件 {tier.condition}")
        en.append(f"condition {tier.condition} holds")
    pct = f"{tier.ratio_bp / 100:g}%"
    if tier.per_year == 0:
        act_zh = "不再单独检查" + (f"（{'、'.join(tier.exempt_except)} 除外）" if tier.exempt_except else "")
        act_en = "no separate inspection" + (
            f" (except {', '.join(tier.exempt_except)})" if tier.exempt_except else ""
        )
    else:
        act_zh, act_en = (
            f"抽查比例 {pct}，每年 {tier.per_year} 次",
            f"sampling ratio {pct}, {tier.per_year}×/year",
        )
    return (
        f"{'，'.join(zh)} → {tier.name_zh}：{act_zh}（依据：{scheme.name_zh}）",
        f"{'; '.join(en)} → {tier.name_en}: {act_en} (scheme {scheme.id})",
    )


def assign_tiers(
    session: Session, scheme: Scheme, *, subject_ids: list[str], as_of: dt.date
) -> dict[str, TierDecision]:
    """The tier of every given subject under the scheme as of the date (first matching tier)."""
    if not subject_ids:
        return {}
    grades = latest_grades(session, model_id=scheme.model, subject_ids=subject_ids, as_of=as_of)
    attrs: dict[str, dict] = {}
    for chunk_start in range(0, len(subject_ids), 5000):
        chunk = subject_ids[chunk_start : chunk_start + 5000]
        for sid, a in session.execute(select(Subject.id, Subject.attributes).where(Subject.id.in_(chunk))):
            attrs[sid] = a or {}
    hits: dict[str, dict[str, bool]] = {}
    for tier in scheme.tiers:
        if tier.condition:
            hits[tier.id] = _rules().evaluate_many(
                session, expression=tier.condition, as_of=as_of, subject_ids=subject_ids
            )
    out = {}
    for sid in subject_ids:
        grade, a = grades.get(sid), attrs.get(sid, {})
        tier = next(t for t in scheme.tiers if _matches(t, grade, a, hits.get(t.id, {}).get(sid, False)))
        zh, en = _reason(scheme, tier, grade, a)
        out[sid] = TierDecision(
            scheme.id,
            scheme.name_zh,
            tier.id,
            tier.name_zh,
            tier.ratio_bp,
            tier.per_year,
            tuple(tier.exempt_except),
            grade,
            scheme.model,
            zh,
            en,
        )
    return out


def tiers_of_subject(session: Session, *, subject: Subject, as_of: dt.date) -> list[TierDecision]:
    """The subject's tier under every scheme of its district whose population includes it."""
    out = []
    for scheme in all_schemes(session).values():
        if scheme.district != subject.district_code or subject.kind not in SUPERVISED_KINDS:
            continue
        if scheme.population:
            hit = _rules().evaluate_many(
                session, expression=scheme.population, as_of=as_of, subject_ids=[subject.id]
            )
            if not hit.get(subject.id):
                continue
        out.append(assign_tiers(session, scheme, subject_ids=[subject.id], as_of=as_of)[subject.id])
    return out


def archive_section(session: Session, *, subject: Subject, as_of: dt.date, viewer: Viewer) -> dict | None:
    """Archive hook (xinyong.archive.service.ARCHIVE_SECTIONS): the subject's supervision tiers with
    their reasons, for officers, departments and the subject itself (not the public, not banks)."""
    if viewer.is_public or viewer.role == "bank":
        return None
    try:
        decisions = tiers_of_subject(session, subject=subject, as_of=as_of)
    except ValueError:  # SchemeError, RuleError: a broken saved scheme must not break the archive
        return None
    if not decisions:
        return None
    return {
        "id": "supervision",
        "title_zh": "分级分类监管",
        "title_en": "Tiered supervision",
        "items": [
            {"label": d.scheme_name, "value": d.tier_name, "note": d.reason_zh, "note_en": d.reason_en}
            for d in decisions
        ],
    }


def test_scheme(
    session: Session, *, text: str, subject_id: str, as_of: dt.date, viewer: Viewer
) -> dict[str, Any]:
    """The rule tester: parse `text` (not saved) and decide one subject's tier under it.

    Returns {"subject": {id, name}, "in_population": bool, "facts": {fact: value read by the population
    rule}, "decision": TierDecision dict | None}. SchemeError for a bad text, an unknown subject or one
    the viewer may not see, or a subject of another district."""
    from xinyong.archive.service import SubjectNotFound, visible_subject
    from xinyong.disclosure.policy import present_subject

    scheme = parse_scheme(text)
    try:
        subject = visible_subject(session, subject_id=subject_id, viewer=viewer)
    except SubjectNotFound as exc:
        raise SchemeError(exc.message) from exc
    if subject.district_code != scheme.district or subject.kind not in SUPERVISED_KINDS:
        raise SchemeError(
            f"该主体不属于方案所在区或不在监管范围 / subject is not a supervised subject of {scheme.district}"
        )
    facts: dict[str, Any] = {}
    inside = True
    if scheme.population:
        decision = _rules().evaluate(
            session, expression=scheme.population, subject_id=subject.id, as_of=as_of
        )
        inside, facts = bool(decision.result), dict(decision.facts)
    tier = (
        assign_tiers(session, scheme, subject_ids=[subject.id], as_of=as_of)[subject.id] if inside else None
    )
    return {
        "subject": {"id": subject.id, "name": present_subject(viewer, subject)["name"]},
        "in_population": inside,
        "facts": facts,
        "decision": tier.as_dict() if tier else None,
    }
