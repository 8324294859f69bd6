"""Benefits (信易+) of a subject as of a date, with reasons, and recorded benefit use.

`benefits(...)` → {"subject_id", "as_of", "granted": [...], "withheld": n, "refused": [...]} (docs/incentives.md):
* only scenarios whose `who` covers the subject are listed (a 静海 discount is not "refused" to a 河北 firm);
* a serious-dishonesty list member gets every listed scenario refused with that reason;
* a refusal names each failed condition with the facts it read (`reasons`) and what would make the
  subject eligible (`would_qualify_if`): records that become repairable and the date
  (xinyong.evaluation.repair), the grade once repaired, positive records that would raise the grade
  or score, or the condition's own hint;
* a policy package (西青) lists the policies matched to the subject, each with its matching reasons.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong.accounts.service import utcnow
from xinyong.disclosure.policy import Viewer
from xinyong.evaluation import privacy
from xinyong.evaluation import service as evaluation
from xinyong.incentives import facts as facts_mod
from xinyong.incentives.errors import IncentiveError
from xinyong.incentives.models import BenefitUse
from xinyong.incentives.scenarios import (
    BENEFIT_TYPES,
    FACTS,
    MAP_FACT,
    Condition,
    Improve,
    Scenario,
    ScenarioError,
    applies_to,
    compile_expression,
    get_scenario,
    load_scenarios,
)
from xinyong.subjects.models import Subject

IDENT = re.compile(r"\b([a-z_][a-z0-9_]*)\b")


def holds(condition: Condition, facts: dict[str, Any]) -> bool:
    return bool(compile_expression(condition.expression).execute(facts))


def facts_read(condition: Condition, facts: dict[str, Any]) -> dict[str, Any]:
    """The facts a condition names, with the subject's values (grade.X / score.X flattened)."""
    out: dict[str, Any] = {}
    for m in MAP_FACT.finditer(condition.expression):
        out[f"{m.group(1)}.{m.group(2)}"] = facts[m.group(1)].get(m.group(2))
    for name in IDENT.findall(condition.expression):
        if name in FACTS and name not in ("grade", "score"):
            out[name] = facts[name]
    return out


def _target_met(improve: Improve, grade: str | None, score: float | None) -> bool:
    if improve.grades:
        return grade in improve.grades
    return score is not None and improve.min_score is not None and score >= improve.min_score


def _improvements(
    session: Session, subject_id: str, as_of: dt.date, improve: Improve, cache: dict[str, Any]
) -> list[dict[str, Any]]:
    """What would bring the subject to the condition's grade or score, from evaluation.explain
    (memoised per model in `cache` for one benefits() call)."""
    if improve.model not in cache:
        try:
            cache[improve.model] = evaluation.explain(
                session, subject_id=subject_id, model_id=improve.model, as_of=as_of
            )
        except (ValueError, KeyError):
            cache[improve.model] = None
    ex = cache[improve.model]
    if ex is None:
        return [
            {
                "zh": "该主体尚不适用此评价模型，需先纳入评价",
                "en": "the subject is not graded by this model yet",
            }
        ]
    out = []
    want = "、".join(improve.grades) if improve.grades else f"≥ {improve.min_score}"
    for r in ex["repairs"]:
        if not r["repairable_from"]:
            continue
        met = _target_met(improve, r["grade_after"], r["score_after"])
        out.append(
            {
                "zh": f"{r['occurred_on']} 的{r['kind_zh']}自 {r['repairable_from']} 起可申请信用修复；"
                f"修复后{'等级 ' + str(r['grade_after']) if improve.grades else '得分 ' + str(r['score_after'])}"
                f"{'，满足条件' if met else '，仍不满足 ' + want}",
                "en": f"a {r['kind']} of {r['occurred_on']} becomes repairable on {r['repairable_from']}; "
                f"once repaired the {'grade' if improve.grades else 'score'} would be "
                f"{r['grade_after'] if improve.grades else r['score_after']}"
                f"{' (eligible)' if met else ' (still short of ' + want + ')'}",
                "kind": "repair",
                "record_id": r["record_id"],
                "on": r["repairable_from"],
                "sufficient": met,
            }
        )
    once = ex.get("once_repaired")
    if once and len([r for r in ex["repairs"] if r["repairable_from"]]) > 1:
        met = _target_met(improve, once["grade"], once["score"])
        out.append(
            {
                "zh": f"全部可修复记录修复后：等级 {once['grade']}，得分 {once['score']}",
                "en": f"with every repairable record repaired: grade {once['grade']}, score {once['score']}",
                "kind": "repair_all",
                "sufficient": met,
            }
        )
    for g in ex["positive_gains"]:
        met = _target_met(improve, g["grade_after"], ex["score"] + g["gain"])
        out.append(
            {
                "zh": f"{g['hint_zh'] or g['name_zh']}：加 {g['gain']:g} 分，等级 {g['grade_after']}"
                f"{'，满足条件' if met else ''}",
                "en": f"{g['hint_en'] or g['name_en']}: +{g['gain']:g}, grade {g['grade_after']}"
                f"{' (eligible)' if met else ''}",
                "kind": "positive",
                "indicator": g["indicator"],
                "sufficient": met,
            }
        )
    if not out:
        out.append(
            {
                "zh": f"当前没有可修复或可补充的记录能使其达到 {want}",
                "en": f"no repairable or missing record would reach {want} now",
                "kind": "none",
                "sufficient": False,
            }
        )
    return out


def _refusal_of(
    session: Session, subject_id: str, as_of: dt.date, c: Condition, facts: dict, cache: dict
) -> tuple[dict, list]:
    reason = {"condition": c.id, "zh": c.zh, "en": c.en, "facts": facts_read(c, facts)}
    would: list[dict[str, Any]] = []
    if c.improve is not None:
        would = _improvements(session, subject_id, as_of, c.improve, cache)
    if c.hint_zh:
        would.append({"zh": c.hint_zh, "en": c.hint_en or c.hint_zh, "kind": "hint", "condition": c.id})
    for w in would:
        w.setdefault("condition", c.id)
    return reason, would


def _entry(sc: Scenario) -> dict[str, Any]:
    zh, en = BENEFIT_TYPES[sc.benefit.type]
    return {
        "scenario": sc.id,
        "name_zh": sc.name_zh,
        "name_en": sc.name_en,
        "district": sc.district,
        "benefit": {
            "type": sc.benefit.type,
            "type_zh": zh,
            "type_en": en,
            "zh": sc.benefit.zh,
            "en": sc.benefit.en,
        },
    }


def _policies(sc: Scenario, facts: dict) -> list[dict[str, Any]]:
    base = [{"zh": c.zh, "en": c.en} for c in sc.conditions]
    out = []
    for p in sc.policies:
        if p.roles and facts["role"] not in p.roles:
            continue
        if all(holds(c, facts) for c in p.conditions):
            out.append(
                {
                    "id": p.id,
                    "name_zh": p.name_zh,
                    "name_en": p.name_en,
                    "reasons": [*base, *({"zh": c.zh, "en": c.en} for c in p.conditions)],
                }
            )
    return out


def names_personal_score(expression: str) -> bool:
    """The condition reads a personal score: `person_score`, or grade./score. of a personal model
    (evaluation.privacy.personal_models)."""
    personal = privacy.personal_models()
    return "person_score" in IDENT.findall(expression) or any(
        m.group(2) in personal for m in MAP_FACT.finditer(expression)
    )


def uses_personal_score(sc: Any) -> bool:
    """The scenario's conditions read a personal score (its improvement model or an expression)."""
    personal = privacy.personal_models()
    return any(
        names_personal_score(c.expression) or (c.improve is not None and c.improve.model in personal)
        for c in sc.all_conditions()
    )


def benefits(
    session: Session,
    *,
    subject_id: str,
    as_of: dt.date,
    with_reasons: bool = True,
    scenario_ids: list[str] | None = None,
    hide_personal: bool = False,
) -> dict[str, Any]:
    """Granted and refused scenarios of one subject as of a date (shape in the module docstring).

    `hide_personal=True` (a viewer who may not read the person's score, evaluation.privacy) leaves
    out every scenario whose conditions read a personal score (`person_score`, a personal model's
    grade or score): granting or refusing it would tell the score's range. `withheld` counts them.

    `with_reasons=False` (the public card) leaves out refusals entirely. Raises IncentiveError 404
    for an unknown subject and 422 for an unknown scenario id."""
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise IncentiveError("subject_id", f"主体 {subject_id} 不存在", f"no subject {subject_id}", 404)
    try:
        chosen = [get_scenario(s) for s in scenario_ids] if scenario_ids else list(load_scenarios())
    except ScenarioError as exc:
        raise IncentiveError("scenario_id", exc.zh, exc.en) from None
    role = (subject.attributes or {}).get("role")
    scope = [
        sc
        for sc in chosen
        if applies_to(sc, kind=subject.kind, district=subject.district_code, pilot=subject.pilot, role=role)
    ]
    withheld = 0
    if hide_personal:
        kept = [sc for sc in scope if not uses_personal_score(sc)]
        withheld, scope = len(scope) - len(kept), kept
    if not scope:  # no shipped scenario serves this subject (or may be told): no facts to read
        empty: dict[str, Any] = {
            "subject_id": subject_id,
            "as_of": as_of.isoformat(),
            "granted": [],
            "withheld": withheld,
        }
        return empty | ({"refused": [], "excluded": None} if with_reasons else {})
    models = set().union(*(sc.models() for sc in scope))
    facts = facts_mod.subject_facts(session, subject_id=subject_id, as_of=as_of, models=models)
    excluded = facts_mod.excluded_from_benefits(session, subject_id=subject_id, as_of=as_of, facts=facts)
    granted, refused = [], []
    cache: dict[str, Any] = {}
    for sc in scope:
        if excluded:
            refused.append(
                {
                    **_entry(sc),
                    "reasons": [{"condition": "excluded", **excluded, "facts": {"lists": facts["lists"]}}],
                    "would_qualify_if": [
                        {
                            "zh": "移出严重失信主体名单（履行义务后依法移出或经信用修复）",
                            "en": "leaving the serious-dishonesty list (after performing the obligation, or by credit repair)",
                            "kind": "hint",
                            "condition": "excluded",
                        }
                    ],
                }
            )
            continue
        failed = [c for c in sc.conditions if not holds(c, facts)]
        if not failed:
            entry = _entry(sc)
            entry["reasons"] = [{"condition": c.id, "zh": c.zh, "en": c.en} for c in sc.conditions]
            if sc.policies:
                entry["policies"] = _policies(sc, facts)
            granted.append(entry)
            continue
        if not with_reasons:
            continue
        reasons, would = [], []
        for c in failed:
            r, w = _refusal_of(session, subject_id, as_of, c, facts, cache)
            reasons.append(r)
            would.extend(w)
        refused.append({**_entry(sc), "reasons": reasons, "would_qualify_if": would})
    out: dict[str, Any] = {
        "subject_id": subject_id,
        "as_of": as_of.isoformat(),
        "granted": granted,
        "withheld": withheld,
    }
    if with_reasons:
        out["refused"] = refused
        out["excluded"] = excluded
    return out


# --------------------------------------------------------------------------- benefit use


def record_benefit_use(
    session: Session,
    *,
    scenario_id: str,
    subject_id: str,
    actor: str,
    detail: dict | None = None,
    idempotency_key: str,
    used_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> BenefitUse:
    """A department granted the scenario's benefit to the subject (an approval under 容缺受理, a waived
    inspection, a discount, a subsidy). Append-only; the same idempotency_key returns the first row
    (IncentiveError 409 if it was used for another scenario or subject). Unknown scenario (422) or
    subject (404), empty actor or key (422): nothing is written."""
    try:
        sc = get_scenario(scenario_id)
    except ScenarioError as exc:
        raise IncentiveError("scenario_id", exc.zh, exc.en) from None
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise IncentiveError(
            "idempotency_key", "幂等键必填且不超过100字符", "idempotency_key is required (≤ 100 characters)"
        )
    if not (actor or "").strip():
        raise IncentiveError("actor", "必须写明授予部门或人员", "actor is required")
    if session.get(Subject, subject_id) is None:
        raise IncentiveError("subject_id", f"主体 {subject_id} 不存在", f"no subject {subject_id}", 404)
    prior = session.scalar(select(BenefitUse).where(BenefitUse.idempotency_key == key))
    if prior is not None:
        if prior.scenario_id != scenario_id or prior.subject_id != subject_id:
            raise IncentiveError(
                "idempotency_key",
                "该幂等键已用于另一条记录",
                "idempotency_key already used for another use",
                409,
            )
        return prior
    now = now or utcnow()
    use = BenefitUse(
        scenario_id=sc.id,
        subject_id=subject_id,
        district_code=sc.district,
        actor=actor.strip()[:100],
        detail=detail or {},
        used_on=used_on or now.date(),
        recorded_at=now,
        idempotency_key=key,
    )
    try:
        with session.begin_nested():
            session.add(use)
            session.flush()
    except IntegrityError:  # a concurrent call with the same key won
        return session.scalar(select(BenefitUse).where(BenefitUse.idempotency_key == key))
    return use


def use_dict(u: BenefitUse) -> dict[str, Any]:
    return {
        "id": u.id,
        "scenario": u.scenario_id,
        "subject_id": u.subject_id,
        "district": u.district_code,
        "actor": u.actor,
        "detail": u.detail,
        "used_on": u.used_on.isoformat(),
        "recorded_at": u.recorded_at.isoformat(),
        "idempotency_key": u.idempotency_key,
    }


def list_uses(
    session: Session,
    *,
    scenario_id: str | None = None,
    subject_id: str | None = None,
    district: str | None = None,
    limit: int = 200,
    viewer: Viewer | None = None,
) -> list[BenefitUse]:
    """Recorded uses, newest first. With a `viewer`: a use of a scenario that reads a person's score
    (静海 ≥ 700, 津南 ≥ 600) tells the score's range, so it is listed only when the viewer may read that
    person's score (evaluation.privacy.result_filter: the person, a live grant holder). `viewer=None`
    is for internal computation only."""
    from xinyong.incentives.person import PERSON_MODEL

    q = select(BenefitUse).order_by(BenefitUse.recorded_at.desc(), BenefitUse.id.desc())
    gated = sorted(sc.id for sc in load_scenarios() if uses_personal_score(sc))
    if viewer is not None and gated:
        q = q.where(
            or_(
                BenefitUse.scenario_id.not_in(gated),
                privacy.result_filter(
                    viewer, model_id=literal(PERSON_MODEL), subject_id=BenefitUse.subject_id
                ),
            )
        )
    if scenario_id:
        q = q.where(BenefitUse.scenario_id == scenario_id)
    if subject_id:
        q = q.where(BenefitUse.subject_id == subject_id)
    if district:
        q = q.where(BenefitUse.district_code == district)
    return list(session.scalars(q.limit(limit)))


def usage_stats(session: Session, *, district: str | None = None) -> dict[str, Any]:
    """Per scenario: uses and distinct subjects served; per district: scenarios launched (a scenario
    with at least one recorded use) and users served — the figures the plans count."""
    q = select(
        BenefitUse.scenario_id, func.count(BenefitUse.id), func.count(func.distinct(BenefitUse.subject_id))
    ).group_by(BenefitUse.scenario_id)
    if district:
        q = q.where(BenefitUse.district_code == district)
    per = {sid: {"uses": int(n), "subjects": int(m)} for sid, n, m in session.execute(q)}
    known = {sc.id: sc for sc in load_scenarios()}
    districts: dict[str, dict[str, Any]] = {}
    for sc in known.values():
        if district and sc.district != district:
            continue
        d = districts.setdefault(sc.district or "city", {"scenarios": 0, "launched": 0, "users_served": 0})
        d["scenarios"] += 1
        if sc.id in per:
            d["launched"] += 1
    uq = select(BenefitUse.district_code, func.count(func.distinct(BenefitUse.subject_id))).group_by(
        BenefitUse.district_code
    )
    if district:
        uq = uq.where(BenefitUse.district_code == district)
    for code, n in session.execute(uq):
        districts.setdefault(code or "city", {"scenarios": 0, "launched": 0, "users_served": 0})[
            "users_served"
        ] = int(n)
    return {
        "scenarios": [
            {"scenario": sid, "name_zh": known[sid].name_zh if sid in known else sid, **v}
            for sid, v in sorted(per.items())
        ],
        "districts": districts,
    }


def scenario_list() -> list[dict[str, Any]]:
    """Every shipped scenario as data (who, conditions, benefit, policies)."""
    out = []
    for sc in load_scenarios():
        e = _entry(sc)
        e.update(
            {
                "programme_scenario": sc.programme_scenario,
                "department": sc.department,
                "who": sc.who.model_dump(),
                "rule": sc.expression,
                "conditions": [c.model_dump(exclude_none=True) for c in sc.conditions],
                "policies": [p.model_dump(exclude_none=True) for p in sc.policies],
            }
        )
        out.append(e)
    return out
