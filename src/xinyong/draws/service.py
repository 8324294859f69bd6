"""Random inspections (双随机、一公开): inspectors, plans, committed draws, reveal, replay, results.

The life of a draw (docs/draws.md):

1. `commit_draw` freezes the numbered pool snapshot (population by rule, tier by scheme, avoidance
   data) and the plan document, draws a 32-byte secret and publishes — as a `draw.committed` ledger
   leaf and on the public page — the pool digest, the plan digest and SHA-256(secret).
2. `run_draw` mixes in the optional outside value (a lottery number or beacon value the officer
   types), computes the draw (xinyong.draws.compute) and reveals the secret (`draw.revealed` or
   `draw.failed` leaf). A pool that cannot satisfy avoidance fails naming the shortfall and draws
   nothing.
3. `enter_result` turns each target's result into an inspection record through the ingest service,
   so it reaches the archive and the next evaluation (一公开).
4. `replay` recomputes a draw from its published document alone (`xinyong draw replay`).

Every function takes the caller's session and never commits, except `enter_result`, whose record
goes through `ingest_rows` (its own transaction) before the result row is written.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.draws import compute
from xinyong.draws.models import Draw, DrawResult, DrawReveal, DrawTarget, InspectionPlan, Inspector
from xinyong.draws.sampler import ALGORITHM
from xinyong.ledger.service import append_event, canonical_json
from xinyong.subjects.models import Subject
from xinyong.supervision.service import SchemeError, assign_tiers, get_scheme, select_population

RESULTS = ("passed", "rectify", "failed", "not_found")  # catalogue inspection.result values
NEGATIVE_RESULTS = ("rectify", "failed")


class DrawError(ValueError):
    """Bad input or a step out of order (message: 中文 / English); nothing was changed."""


@dataclass
class Outcome:
    draw_id: str
    status: str  # drawn / failed
    targets: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None
    shortfalls: list[dict[str, Any]] = field(default_factory=list)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or clock.utcnow_naive()


# --------------------------------------------------------------------------- inspectors and plans


def add_inspector(
    session: Session,
    *,
    inspector_id: str,
    name: str,
    department: str,
    district_code: str,
    unit: str,
    affiliations: list[str] | None = None,
    now: dt.datetime | None = None,
) -> Inspector:
    """Add an inspector to the roster (执法检查人员名录库); idempotent on the id when unchanged.
    `affiliations`: subject ids of the inspector's own unit or other ties (avoidance)."""
    for label, value in (
        ("inspector_id", inspector_id),
        ("name", name),
        ("department", department),
        ("unit", unit),
    ):
        if not value or not str(value).strip():
            raise DrawError(f"检查人员 {label} 不能为空 / inspector {label} is required")
    for v in [inspector_id, *(affiliations or [])]:
        if any(c in v for c in "\t\n,"):
            raise DrawError(
                f"标识符含制表符、换行或逗号：{v!r} / identifier contains a tab, newline or comma"
            )
    existing = session.get(Inspector, inspector_id)
    if existing is not None:
        return existing
    row = Inspector(
        id=inspector_id,
        name=name,
        department=department,
        district_code=district_code,
        unit=unit,
        affiliations=sorted(set(affiliations or [])),
        active=True,
        created_at=_now(now),
    )
    session.add(row)
    session.flush()
    return row


def inspectors_of(session: Session, *, district_code: str, department: str) -> list[Inspector]:
    return list(
        session.scalars(
            select(Inspector)
            .where(
                Inspector.district_code == district_code, Inspector.department == department, Inspector.active
            )
            .order_by(Inspector.id)
        )
    )


def create_plan(
    session: Session,
    *,
    plan_id: str,
    district_code: str,
    department: str,
    name: str,
    items: str,
    scheme_id: str,
    inspectors_per_target: int,
    actor: str,
    population: str | None = None,
    ratios_bp: dict[str, int] | None = None,
    avoid_own_unit: bool = True,
    avoid_last_inspector: bool = True,
    max_targets_per_inspector: int | None = None,
    now: dt.datetime | None = None,
) -> InspectionPlan:
    """Define an inspection plan (抽查计划). Raises DrawError naming the field; nothing is saved."""
    import re

    if not re.fullmatch(r"[a-z0-9_\-]{1,64}", plan_id or ""):
        raise DrawError("plan_id 须为 1–64 位小写字母、数字、-、_ / plan_id must be 1–64 of [a-z0-9_-]")
    if session.get(InspectionPlan, plan_id) is not None:
        raise DrawError(f"抽查计划 {plan_id} 已存在 / plan {plan_id} exists")
    for label, value in (("name", name), ("department", department), ("items", items)):
        if not value or not value.strip():
            raise DrawError(f"{label} 不能为空 / {label} is required")
    try:
        scheme = get_scheme(session, scheme_id)
    except SchemeError as exc:
        raise DrawError(str(exc)) from exc
    if scheme.district != district_code:
        raise DrawError(
            f"方案 {scheme_id} 不属于 {district_code} / scheme {scheme_id} is not of district {district_code}"
        )
    tiers = {t.id for t in scheme.tiers}
    for tier, bp in (ratios_bp or {}).items():
        if tier not in tiers:
            raise DrawError(f"ratios_bp: 未知分级 {tier} / unknown tier {tier!r} (one of {sorted(tiers)})")
        if not isinstance(bp, int) or not 0 <= bp <= 10000:
            raise DrawError(f"ratios_bp.{tier}: 应为 0–10000 的整数 / must be an integer 0–10000")
    if not isinstance(inspectors_per_target, int) or not 1 <= inspectors_per_target <= 20:
        raise DrawError("inspectors_per_target: 应为 1–20 / must be 1–20 (国发〔2019〕5号: at least 2 usual)")
    if max_targets_per_inspector is not None and max_targets_per_inspector < 1:
        raise DrawError("max_targets_per_inspector: 应 ≥ 1 / must be ≥ 1")
    if population:
        try:
            import xinyong.rules as rules
        except ImportError as exc:
            raise DrawError("规则服务不可用 / the rules service is not installed") from exc
        try:
            rules.check_expression(population)
        except rules.RuleError as exc:
            raise DrawError(f"population: {exc.zh} / {exc.en} (position {exc.position})") from exc
    plan = InspectionPlan(
        id=plan_id,
        district_code=district_code,
        department=department.strip(),
        name=name.strip(),
        items=items.strip(),
        scheme_id=scheme_id,
        population=population or None,
        ratios_bp=dict(ratios_bp or {}),
        inspectors_per_target=inspectors_per_target,
        avoid_own_unit=avoid_own_unit,
        avoid_last_inspector=avoid_last_inspector,
        max_targets_per_inspector=max_targets_per_inspector,
        created_by=actor,
        created_at=_now(now),
    )
    session.add(plan)
    session.flush()
    return plan


def plan_document(session: Session, plan: InspectionPlan, as_of: dt.date) -> dict[str, Any]:
    """The plan as published with a draw (its SHA-256 over canonical JSON is the plan digest)."""
    scheme = get_scheme(session, plan.scheme_id)
    return {
        "plan_id": plan.id,
        "district": plan.district_code,
        "department": plan.department,
        "items": plan.items,
        "as_of": as_of.isoformat(),
        "scheme": {"id": scheme.id, "version": scheme.version, "model": scheme.model},
        "population": plan.population or scheme.population,
        "tiers": [
            {"id": t.id, "name_zh": t.name_zh, "ratio_bp": int(plan.ratios_bp.get(t.id, t.ratio_bp))}
            for t in scheme.tiers
        ],
        "inspectors_per_target": plan.inspectors_per_target,
        "avoid_own_unit": plan.avoid_own_unit,
        "avoid_last_inspector": plan.avoid_last_inspector,
        "max_targets_per_inspector": plan.max_targets_per_inspector,
        "algorithm": ALGORITHM,
    }


# --------------------------------------------------------------------------- commit, run, reveal


def _last_inspectors(
    session: Session, *, department: str, subject_ids: set[str]
) -> dict[str, tuple[str, ...]]:
    """Each subject's inspectors in its most recent drawn draw of the department."""
    stmt = (
        select(DrawTarget.subject_id, DrawTarget.inspector_ids, Draw.committed_at, Draw.id)
        .join(Draw, Draw.id == DrawTarget.draw_id)
        .join(DrawReveal, DrawReveal.draw_id == Draw.id)
        .where(Draw.department == department, DrawReveal.status == "drawn")
    )
    best: dict[str, tuple[dt.datetime, str, tuple[str, ...]]] = {}
    for sid, ids, at, did in session.execute(stmt):
        if sid in subject_ids and (sid not in best or (at, did) > best[sid][:2]):
            best[sid] = (at, did, tuple(sorted(ids or [])))
    return {s: v[2] for s, v in best.items()}


def commit_draw(
    session: Session,
    *,
    plan_id: str,
    as_of: dt.date,
    actor: str,
    now: dt.datetime | None = None,
    secret_hex: str | None = None,
) -> Draw:
    """Freeze the pool and publish the commitment (before the draw). `secret_hex` is for tests only.

    Refused (DrawError naming the shortfall in Chinese and English; no draw, no ledger leaf) when the
    inspector pool cannot satisfy the plan as far as is knowable before the seed
    (`compute.feasibility`): too few inspectors of the department for the inspectors per target, the
    targets × inspectors per target over the pool × the per-inspector cap, or a candidate of a
    sampled tier with too few inspectors left after avoidance."""
    plan = session.get(InspectionPlan, plan_id)
    if plan is None:
        raise DrawError(f"抽查计划不存在 / plan not found: {plan_id}")
    at = _now(now)
    doc = plan_document(session, plan, as_of)
    try:
        scheme = get_scheme(session, plan.scheme_id)
        ids = select_population(
            session, district_code=plan.district_code, expression=doc["population"], as_of=as_of
        )
        tiers = assign_tiers(session, scheme, subject_ids=ids, as_of=as_of)
    except SchemeError as exc:
        raise DrawError(str(exc)) from exc
    parents = {
        sid: p
        for sid, p in session.execute(
            select(Subject.id, Subject.parent_id).where(Subject.district_code == plan.district_code)
        )
    }
    last = (
        _last_inspectors(session, department=plan.department, subject_ids=set(ids))
        if plan.avoid_last_inspector
        else {}
    )
    candidates = [
        compute.Candidate(
            sid, tiers[sid].tier, tuple(u for u in (sid, parents.get(sid)) if u), last.get(sid, ())
        )
        for sid in ids
    ]
    inspectors = [
        compute.Inspector(i.id, tuple(sorted(set(i.affiliations or []))))
        for i in inspectors_of(session, district_code=plan.district_code, department=plan.department)
    ]
    problems = compute.feasibility(candidates, inspectors, doc)
    if problems:
        raise DrawError(
            f"检查人员名录不能满足抽查计划 {plan.id}（{plan.department}），未承诺、未抽取、未记录 / "
            f"the inspector pool cannot satisfy plan {plan.id} ({plan.department}); nothing was committed, "
            f"drawn or logged: " + " | ".join(problems)
        )
    text = compute.pool_text(candidates, inspectors)
    secret_hex = secret_hex or secrets.token_hex(32)
    pool_digest, plan_digest = compute.sha256_hex(text), compute.sha256_hex(canonical_json(doc))
    commitment = compute.commitment_of(secret_hex)
    draw_id = f"{plan.district_code}-{at:%Y%m%d%H%M%S}-{commitment[:6]}"
    leaf = append_event(
        session,
        {
            "type": "draw.committed",
            "draw_id": draw_id,
            "plan_id": plan.id,
            "algorithm": ALGORITHM,
            "pool_digest": pool_digest,
            "plan_digest": plan_digest,
            "commitment": commitment,
            "pool_targets": len(candidates),
            "pool_inspectors": len(inspectors),
        },
        at=at,
    )
    draw = Draw(
        id=draw_id,
        plan_id=plan.id,
        district_code=plan.district_code,
        department=plan.department,
        as_of=as_of,
        algorithm=ALGORITHM,
        plan_doc=doc,
        plan_digest=plan_digest,
        pool_text=text,
        pool_digest=pool_digest,
        pool_targets=len(candidates),
        pool_inspectors=len(inspectors),
        commitment=commitment,
        secret=secret_hex,
        committed_by=actor,
        committed_at=at,
        committed_leaf=leaf,
    )
    session.add(draw)
    session.flush()
    return draw


def _clean_outside(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > 200 or any(c in value for c in "\t\r\n|"):
        raise DrawError(
            "外部随机值须为不含竖线和换行的 200 字以内文本 / outside value: ≤ 200 chars, no '|' or newline"
        )
    return value


def run_draw(
    session: Session,
    *,
    draw_id: str,
    actor: str,
    outside_value: str | None = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """Draw targets and inspectors, reveal the secret. A shortfall is a `failed` outcome (nothing drawn)."""
    draw = session.get(Draw, draw_id)
    if draw is None:
        raise DrawError(f"抽查不存在 / draw not found: {draw_id}")
    if session.get(DrawReveal, draw_id) is not None:
        raise DrawError(f"该抽查已执行 / draw {draw_id} has already been run")
    outside = _clean_outside(outside_value)
    at = _now(now)
    candidates, inspectors = compute.parse_pool(draw.pool_text)
    seed = compute.derive_seed(
        secret_hex=draw.secret, outside=outside, pool_digest=draw.pool_digest, plan_digest=draw.plan_digest
    )
    try:
        result = compute.run_draw(candidates=candidates, inspectors=inspectors, plan=draw.plan_doc, seed=seed)
    except compute.DrawShortfall as exc:
        leaf = append_event(
            session,
            {
                "type": "draw.failed",
                "draw_id": draw_id,
                "secret": draw.secret,
                "outside_value": outside,
                "seed": seed.hex(),
                "shortfalls": len(exc.shortfalls),
            },
            at=at,
        )
        session.add(
            DrawReveal(
                draw_id=draw_id,
                status="failed",
                outside_value=outside,
                seed=seed.hex(),
                result_digest=None,
                failure=str(exc),
                revealed_by=actor,
                revealed_at=at,
                revealed_leaf=leaf,
            )
        )
        session.flush()
        return Outcome(draw_id, "failed", failure=str(exc), shortfalls=[vars(s) for s in exc.shortfalls])
    digest = result.digest()
    leaf = append_event(
        session,
        {
            "type": "draw.revealed",
            "draw_id": draw_id,
            "secret": draw.secret,
            "outside_value": outside,
            "seed": seed.hex(),
            "result_digest": digest,
            "targets": len(result.targets),
        },
        at=at,
    )
    session.add(
        DrawReveal(
            draw_id=draw_id,
            status="drawn",
            outside_value=outside,
            seed=seed.hex(),
            result_digest=digest,
            failure=None,
            revealed_by=actor,
            revealed_at=at,
            revealed_leaf=leaf,
        )
    )
    targets = []
    for pos, (sid, tier) in enumerate(result.targets):
        ids = result.assignments.get(sid, [])
        session.add(DrawTarget(draw_id=draw_id, position=pos, subject_id=sid, tier=tier, inspector_ids=ids))
        targets.append({"position": pos, "subject_id": sid, "tier": tier, "inspectors": ids})
    session.flush()
    return Outcome(draw_id, "drawn", targets=targets)


# --------------------------------------------------------------------------- publication and replay


def get_draw(session: Session, draw_id: str, district_code: str | None = None) -> Draw:
    """The draw; DrawError (as not found) when unknown or of another district than `district_code`."""
    draw = session.get(Draw, draw_id)
    if draw is None or (district_code is not None and draw.district_code != district_code):
        raise DrawError(f"抽查不存在 / draw not found: {draw_id}")
    return draw


def targets_of(session: Session, draw_id: str) -> list[DrawTarget]:
    return list(
        session.scalars(select(DrawTarget).where(DrawTarget.draw_id == draw_id).order_by(DrawTarget.position))
    )


def results_of(session: Session, draw_id: str) -> dict[str, DrawResult]:
    return {r.subject_id: r for r in session.scalars(select(DrawResult).where(DrawResult.draw_id == draw_id))}


def published_document(session: Session, draw_id: str, *, district_code: str | None = None) -> dict[str, Any]:
    """Everything published about a draw: before the draw the digests and the commitment; after it
    also the secret, the outside value, the seed and the targets with their inspectors. An outsider
    replays it with `xinyong draw replay FILE` (no access to the store needed)."""
    draw = get_draw(session, draw_id, district_code)
    reveal = session.get(DrawReveal, draw_id)
    doc: dict[str, Any] = {
        "draw_id": draw.id,
        "plan_id": draw.plan_id,
        "district": draw.district_code,
        "department": draw.department,
        "as_of": draw.as_of.isoformat(),
        "algorithm": draw.algorithm,
        "plan": draw.plan_doc,
        "plan_digest": draw.plan_digest,
        "pool_digest": draw.pool_digest,
        "pool_targets": draw.pool_targets,
        "pool_inspectors": draw.pool_inspectors,
        "commitment": draw.commitment,
        "committed_at": draw.committed_at.isoformat(),
        "committed_leaf": draw.committed_leaf,
        "status": "committed",
        "pool": draw.pool_text,
    }
    if reveal is not None:
        doc.update(
            status=reveal.status,
            secret=draw.secret,
            outside_value=reveal.outside_value,
            seed=reveal.seed,
            result_digest=reveal.result_digest,
            failure=reveal.failure,
            revealed_at=reveal.revealed_at.isoformat(),
            revealed_leaf=reveal.revealed_leaf,
            targets=[
                {"subject_id": t.subject_id, "tier": t.tier, "inspectors": list(t.inspector_ids)}
                for t in targets_of(session, draw_id)
            ],
        )
    return doc


def replay(doc: dict[str, Any]) -> dict[str, Any]:
    """Recompute a draw from its published document. {"ok": bool, "checks": {name: bool}, "problems": [...]}.

    ok only when: the algorithm is known, SHA-256(pool) is the pool digest, the plan's digest matches,
    SHA-256(secret) is the commitment, and the recomputed targets and inspectors (or the failure)
    equal the published ones."""
    checks: dict[str, bool] = {}
    problems: list[str] = []
    checks["algorithm"] = doc.get("algorithm") == ALGORITHM
    if doc.get("status") not in ("drawn", "failed") or "secret" not in doc:
        return {"ok": False, "checks": checks, "problems": ["抽查尚未执行 / the draw has not been run yet"]}
    pool = doc.get("pool", "")
    checks["pool_digest"] = compute.sha256_hex(pool) == doc.get("pool_digest")
    checks["plan_digest"] = compute.sha256_hex(canonical_json(doc.get("plan", {}))) == doc.get("plan_digest")
    checks["commitment"] = compute.commitment_of(doc["secret"]) == doc.get("commitment")
    seed = compute.derive_seed(
        secret_hex=doc["secret"],
        outside=doc.get("outside_value", ""),
        pool_digest=compute.sha256_hex(pool),
        plan_digest=compute.sha256_hex(canonical_json(doc.get("plan", {}))),
    )
    checks["seed"] = seed.hex() == doc.get("seed")
    candidates, inspectors = compute.parse_pool(pool)
    try:
        result = compute.run_draw(candidates=candidates, inspectors=inspectors, plan=doc["plan"], seed=seed)
        recomputed = [
            {"subject_id": s, "tier": t, "inspectors": result.assignments.get(s, [])}
            for s, t in result.targets
        ]
        checks["status"] = doc["status"] == "drawn"
        published = doc.get("targets", [])
        checks["targets"] = [(r["subject_id"], r["tier"]) for r in recomputed] == [
            (p["subject_id"], p["tier"]) for p in published
        ]
        checks["inspectors"] = [r["inspectors"] for r in recomputed] == [
            list(p["inspectors"]) for p in published
        ]
        if not checks["targets"]:
            problems.append("抽中对象与公布结果不一致 / drawn targets differ from the published ones")
        elif not checks["inspectors"]:
            problems.append("检查人员与公布结果不一致 / inspectors differ from the published ones")
    except compute.DrawShortfall:
        checks["status"] = doc["status"] == "failed"
        checks["targets"] = checks["inspectors"] = not doc.get("targets")
    for name, ok in checks.items():
        if not ok and name not in ("targets", "inspectors"):
            problems.append(f"{name} 校验失败 / {name} check failed")
    return {"ok": all(checks.values()), "checks": checks, "problems": problems}


def list_draws(session: Session, *, district_code: str | None = None) -> list[dict[str, Any]]:
    """Draws, newest first, with status and counts ({draw_id, plan_id, district, department, as_of,
    status, items, committed_at, commitment, pool_targets, targets, results})."""
    stmt = select(Draw).order_by(Draw.committed_at.desc(), Draw.id)
    if district_code is not None:
        stmt = stmt.where(Draw.district_code == district_code)
    out = []
    for d in session.scalars(stmt):
        reveal = session.get(DrawReveal, d.id)
        out.append(
            {
                "draw_id": d.id,
                "plan_id": d.plan_id,
                "district": d.district_code,
                "department": d.department,
                "as_of": d.as_of.isoformat(),
                "status": reveal.status if reveal else "committed",
                "items": d.plan_doc.get("items", ""),
                "committed_at": d.committed_at,
                "algorithm": d.algorithm,
                "commitment": d.commitment,
                "pool_digest": d.pool_digest,
                "pool_targets": d.pool_targets,
                "pool_inspectors": d.pool_inspectors,
                "targets": len(targets_of(session, d.id)) if reveal else 0,
                "results": len(results_of(session, d.id)),
            }
        )
    return out


# --------------------------------------------------------------------------- results (一公开)


def enter_result(
    engine: Engine,
    *,
    draw_id: str,
    subject_id: str,
    result: str,
    inspection_date: dt.date,
    actor: str,
    findings: str | None = None,
    district_code: str | None = None,
    now: dt.datetime | None = None,
) -> DrawResult:
    """Record one target's inspection result and publish it as an `inspection` record (ingest).

    Raises DrawError (nothing written) for an unknown draw/target, a result not in RESULTS, a date
    before the draw or after today, or a second result for the same target."""
    from xinyong.ingest.service import ingest_rows

    at = _now(now)
    with Session(engine) as session:
        draw = get_draw(session, draw_id, district_code)
        reveal = session.get(DrawReveal, draw_id)
        if reveal is None or reveal.status != "drawn":
            raise DrawError(f"抽查 {draw_id} 未成功执行 / draw {draw_id} has not been drawn")
        target = session.scalar(
            select(DrawTarget).where(DrawTarget.draw_id == draw_id, DrawTarget.subject_id == subject_id)
        )
        if target is None:
            raise DrawError(f"{subject_id} 不是本次抽查对象 / {subject_id} is not a target of {draw_id}")
        if result not in RESULTS:
            raise DrawError(f"result: 应为 {'/'.join(RESULTS)} / result must be one of {RESULTS}")
        if inspection_date < clock.today(draw.committed_at) or inspection_date > clock.today(at):
            raise DrawError(
                "检查日期须在抽查之后、今天之前 / inspection_date must be between the draw and today"
            )
        if session.scalar(
            select(DrawResult.id).where(DrawResult.draw_id == draw_id, DrawResult.subject_id == subject_id)
        ):
            raise DrawError(f"{subject_id} 的结果已录入 / a result for {subject_id} is already entered")
        subject = session.get(Subject, subject_id)
        plan_items = draw.plan_doc.get("items", "")
        inspection_no = f"{draw_id}-{target.position:05d}"
        row = {
            "subject_name": subject.name,
            "uscc": subject.uscc,
            "local_code": subject.local_code,
            "subject_kind": subject.kind,
            "inspection_no": inspection_no,
            "inspection_type": "random",
            "inspection_date": inspection_date,
            "inspector_org": draw.department,
            "items": plan_items,
            "result": result,
            "findings": findings or None,
            "venue_type": (subject.attributes or {}).get("venue_type"),
        }
    batch = ingest_rows(
        engine=engine,
        rows=[row],
        source=draw.department,
        kind="inspection",
        filename=f"draw-{draw_id}",
        submitted_by=actor,
        now=at,
    )
    if batch.rejected or not (batch.record_ids or batch.duplicates):
        raise DrawError(
            f"检查结果未被接收（见待处理数据） / the result was not accepted (see quarantine): batch {batch.batch}"
        )
    record_id = batch.record_ids[0] if batch.record_ids else None
    with Session(engine) as session, session.begin():
        out = DrawResult(
            draw_id=draw_id,
            subject_id=subject_id,
            result=result,
            findings=findings or None,
            inspection_date=inspection_date,
            inspection_no=inspection_no,
            record_id=record_id,
            entered_by=actor,
            entered_at=at,
        )
        session.add(out)
        session.flush()
        session.expunge(out)
    return out
