"""Console pages of random inspections (双随机、一公开) and the public result page.

* `/draws` — plans and draws of the officer's district; define a plan, commit a draw.
* `/draws/{id}` — one draw: the published commitment and digests, the run form (outside value),
  the targets with their inspectors and the result entry form per target.
* `/p/draws` (anonymous) — every published draw, newest first, linking to its result page.
* `/p/draws/{id}` (anonymous) — the public result page: commitment, seed, targets (names masked per the
  disclosure policy), inspectors (names masked), results; `/p/draws/{id}/document.json` is the
  document `xinyong draw replay FILE` checks.

District officers see and act on their own district only (another district's draw is "not found");
the city administrator sees all.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import DB, require_console_role
from xinyong.apitypes import Day
from xinyong.console.templating import render
from xinyong.disclosure.policy import PUBLIC, Viewer, present_record, present_subject, record_filter
from xinyong.draws import service
from xinyong.draws.models import InspectionPlan, Inspector
from xinyong.numbers import whole_number
from xinyong.records.models import Record
from xinyong.subjects.identifiers import mask_name
from xinyong.subjects.models import Subject
from xinyong.supervision.service import all_schemes

router = APIRouter(include_in_schema=False)
DRAW_ROLES = ("city_admin", "district_officer")
Officer = Annotated[Viewer, Depends(require_console_role(*DRAW_ROLES))]
RESULT_LABELS = {
    "passed": "合格",
    "rectify": "责令整改",
    "failed": "不合格",
    "not_found": "未发现开展经营活动",
}


def scope(viewer: Viewer) -> str | None:
    """The district a viewer acts on (None: every district, the city)."""
    return None if viewer.role == "city_admin" else (viewer.district_code or "-")


def _not_found(draw_id: str) -> HTTPException:
    return HTTPException(404, detail=f"抽查不存在 / draw not found: {draw_id}")


def departments(session: Session, district: str | None) -> list[str]:
    """The departments with at least one active inspector (in the district; all for the city): the
    only choices of a plan's department, since a plan of any other could never be drawn."""
    stmt = select(Inspector.department).where(Inspector.active).distinct().order_by(Inspector.department)
    if district is not None:
        stmt = stmt.where(Inspector.district_code == district)
    return list(session.scalars(stmt))


def tier_names(session: Session, doc: dict) -> dict[str, str]:
    """{tier id: Chinese name} of a draw's plan: the names published in the plan document, else (older
    documents) those of the supervision scheme it names, else the id."""
    names = {t["id"]: t.get("name_zh") for t in doc.get("plan", {}).get("tiers", [])}
    if not all(names.values()):
        try:
            scheme = all_schemes(session).get(doc["plan"]["scheme"]["id"])
        except (KeyError, TypeError):
            scheme = None
        for t in scheme.tiers if scheme else []:
            names[t.id] = names.get(t.id) or t.name_zh
    return {k: v or k for k, v in names.items()}


def _index(
    request: Request, viewer: Viewer, session: Session, error: str | None = None, status: int = 200
) -> Response:
    district = scope(viewer)
    plans = select(InspectionPlan).order_by(InspectionPlan.created_at.desc())
    inspectors = select(Inspector)
    if district is not None:
        plans = plans.where(InspectionPlan.district_code == district)
        inspectors = inspectors.where(Inspector.district_code == district)
    schemes = [s for s in all_schemes(session).values() if district is None or s.district == district]
    response = render(
        request,
        "draws/index.html",
        departments=departments(session, district),
        plans=list(session.scalars(plans)),
        draws=service.list_draws(session, district_code=district),
        schemes=schemes,
        inspectors=len(list(session.scalars(inspectors))),
        today=clock.today().isoformat(),
        error=error,
        viewer=viewer,
    )
    response.status_code = status
    return response


@router.get("/draws", response_class=HTMLResponse)
def draws_index(request: Request, viewer: Officer, session: Session = DB) -> Response:
    return _index(request, viewer, session)


@router.post("/draws/plans", response_class=HTMLResponse)
def draws_plan_create(
    request: Request,
    viewer: Officer,
    plan_id: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    department: Annotated[str, Form(max_length=100)] = "",
    items: Annotated[str, Form(max_length=2000)] = "",
    scheme_id: Annotated[str, Form(max_length=64)] = "",
    inspectors_per_target: Annotated[int, Form(ge=0, le=100)] = 2,
    population: Annotated[str, Form(max_length=2000)] = "",
    ratios: Annotated[str, Form(max_length=2000)] = "",
    max_per_inspector: Annotated[str, Form(max_length=6)] = "",
    session: Session = DB,
) -> Response:
    """Define a plan in the viewer's district (ratios: one `tier=basis points` per line)."""
    district = scope(viewer)
    scheme = all_schemes(session).get(scheme_id)
    try:
        choices = departments(session, district or (scheme.district if scheme else None))
        if department.strip() not in choices:
            raise service.DrawError(
                f"检查部门 {department.strip() or '（空）'} 没有检查人员，可选：{'、'.join(choices) or '无'} / "
                f"department {department.strip()!r} has no inspectors; choose one of {choices}"
            )
        overrides = {}
        for line in ratios.replace(",", "\n").splitlines():
            if line.strip():
                tier, _, bp = line.partition("=")
                basis_points = whole_number(bp)
                if basis_points is None or basis_points < 0:
                    raise service.DrawError(
                        f"比例格式应为 分级=基点：{line} / ratios: expected tier=basis points"
                    )
                overrides[tier.strip()] = basis_points
        cap = whole_number(max_per_inspector)
        if max_per_inspector.strip() and (cap is None or cap < 0):
            raise service.DrawError("每名检查人员上限应为整数 / max per inspector must be an integer")
        service.create_plan(
            session,
            plan_id=plan_id.strip(),
            district_code=district or (scheme.district if scheme else ""),
            department=department,
            name=name,
            items=items,
            scheme_id=scheme_id,
            inspectors_per_target=inspectors_per_target,
            population=population.strip() or None,
            ratios_bp=overrides,
            max_targets_per_inspector=cap,
            actor=viewer.username or viewer.role,
        )
        session.commit()
    except service.DrawError as exc:
        session.rollback()
        return _index(request, viewer, session, error=str(exc), status=422)
    return RedirectResponse("/draws", status_code=303)


@router.post("/draws/plans/{plan_id}/commit", response_class=HTMLResponse)
def draws_commit(
    request: Request,
    plan_id: str,
    viewer: Officer,
    as_of: Annotated[Day, Form()] = None,
    session: Session = DB,
) -> Response:
    """Freeze the pool and publish the commitment; then go to the draw page."""
    plan = session.get(InspectionPlan, plan_id[:64])
    district = scope(viewer)
    if plan is None or (district is not None and plan.district_code != district):
        raise HTTPException(404, detail=f"抽查计划不存在 / plan not found: {plan_id}")
    try:
        day = as_of or clock.today()
        draw = service.commit_draw(session, plan_id=plan.id, as_of=day, actor=viewer.username or viewer.role)
        session.commit()
    except ValueError as exc:  # DrawError is a ValueError, so is a malformed date
        session.rollback()
        return _index(request, viewer, session, error=str(exc), status=422)
    return RedirectResponse(f"/draws/{draw.id}", status_code=303)


def _visible_results(session: Session, viewer: Viewer, results: dict, subjects: dict) -> dict[str, dict]:
    """{subject id: result fields} of the inspection records the viewer may see today — the
    disclosure policy decides (a revoked or expired result leaves the public page), and masks."""
    ids = [r.record_id for r in results.values() if r.record_id]
    if not ids:
        return {}
    stmt = (
        select(Record)
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.id.in_(ids), record_filter(viewer, clock.today()))
    )
    return {
        rec.subject_id: present_record(viewer, rec, subjects.get(rec.subject_id))["fields"]
        for rec in session.scalars(stmt)
    }


def _targets(session: Session, draw_id: str, viewer: Viewer) -> list[dict]:
    results = service.results_of(session, draw_id)
    targets = service.targets_of(session, draw_id)
    subjects = {
        s.id: s
        for s in session.scalars(select(Subject).where(Subject.id.in_([t.subject_id for t in targets])))
    }
    shown_results = _visible_results(session, viewer, results, subjects)
    wanted = {x for t in targets for x in t.inspector_ids}
    names = {i.id: i.name for i in session.scalars(select(Inspector).where(Inspector.id.in_(wanted)))}
    rows = []
    for t in targets:
        shown = present_subject(viewer, subjects[t.subject_id]) if t.subject_id in subjects else {"name": ""}
        fields = shown_results.get(t.subject_id)
        entered = results.get(t.subject_id)
        rows.append(
            {
                "position": t.position,
                "subject_id": t.subject_id,
                "name": shown["name"],
                "uscc": shown.get("uscc"),
                "tier": t.tier,
                "inspectors": [
                    (i, mask_name(names.get(i, "")) if viewer.is_public else names.get(i, i))
                    for i in t.inspector_ids
                ],
                "entered": entered is not None,
                "result": fields.get("result") if fields else None,
                "result_zh": RESULT_LABELS.get(fields.get("result")) if fields else None,
                "findings": fields.get("findings") if fields else None,
                "date": fields.get("inspection_date") if fields else None,
            }
        )
    return rows


def _draw_page(
    request: Request,
    viewer: Viewer,
    session: Session,
    draw_id: str,
    error: str | None = None,
    status: int = 200,
) -> Response:
    try:
        doc = service.published_document(session, draw_id, district_code=scope(viewer))
    except service.DrawError:
        raise _not_found(draw_id) from None
    doc.pop("pool", None)
    response = render(
        request,
        "draws/draw.html",
        d=doc,
        tier_names=tier_names(session, doc),
        targets=_targets(session, draw_id, viewer),
        results=RESULT_LABELS,
        today=clock.today().isoformat(),
        error=error,
        viewer=viewer,
    )
    response.status_code = status
    return response


@router.get("/draws/{draw_id}", response_class=HTMLResponse)
def draw_page(
    request: Request,
    draw_id: str,
    viewer: Officer,
    session: Session = DB,
    error: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    return _draw_page(request, viewer, session, draw_id[:40], error=error or None)


@router.post("/draws/{draw_id}/run", response_class=HTMLResponse)
def draw_run(
    request: Request,
    draw_id: str,
    viewer: Officer,
    outside_value: Annotated[str, Form(max_length=200)] = "",
    session: Session = DB,
) -> Response:
    """Run the draw with the optional outside value and reveal the secret."""
    try:
        service.get_draw(session, draw_id[:40], scope(viewer))
    except service.DrawError:
        raise _not_found(draw_id) from None
    try:
        outcome = service.run_draw(
            session, draw_id=draw_id, actor=viewer.username or viewer.role, outside_value=outside_value
        )
        session.commit()
    except service.DrawError as exc:
        session.rollback()
        return RedirectResponse(f"/draws/{quote(draw_id)}?error={quote(str(exc))}", status_code=303)
    if outcome.status != "drawn":  # the failure is public now: show it on the draw page
        return RedirectResponse(
            f"/draws/{quote(draw_id)}?error={quote(outcome.failure or '')}", status_code=303
        )
    return RedirectResponse(f"/draws/{quote(draw_id)}", status_code=303)


@router.post("/draws/{draw_id}/results", response_class=HTMLResponse)
def draw_result(
    request: Request,
    draw_id: str,
    viewer: Officer,
    subject_id: Annotated[str, Form(max_length=24)] = "",
    result: Annotated[str, Form(max_length=16)] = "",
    inspection_date: Annotated[Day, Form()] = None,
    findings: Annotated[str, Form(max_length=2000)] = "",
    session: Session = DB,
) -> Response:
    """Enter one target's result; it is published as an inspection record (ingest)."""
    try:
        service.get_draw(session, draw_id[:40], scope(viewer))
    except service.DrawError:
        raise _not_found(draw_id) from None
    try:
        day = inspection_date or clock.today()
        service.enter_result(
            request.app.state.engine,
            draw_id=draw_id,
            subject_id=subject_id,
            result=result,
            inspection_date=day,
            findings=findings.strip() or None,
            actor=viewer.username or viewer.role,
            district_code=scope(viewer),
        )
    except ValueError as exc:
        return _draw_page(request, viewer, session, draw_id, error=str(exc), status=422)
    return RedirectResponse(f"/draws/{draw_id}#t-{subject_id}", status_code=303)


# --------------------------------------------------------------------------- public (anonymous)


@router.get("/p/draws", response_class=HTMLResponse)
def public_draws(request: Request, session: Session = DB) -> Response:
    """抽查结果公示列表: every published draw (its commitment is public from the commit), newest first,
    each linking to its result page; only what those pages show (no secret before the draw, no
    inspector or target names)."""
    from xinyong.programmes.service import load_districts

    names = {d.code: d.name for d in load_districts()}
    rows = [
        {
            "draw_id": d["draw_id"],
            "district": names.get(d["district"], d["district"]),
            "department": d["department"],
            "matters": d["items"],
            "as_of": d["as_of"],
            "committed_at": d["committed_at"],
            "status": d["status"],
            "pool_targets": d["pool_targets"],
            "targets": d["targets"],
        }
        for d in service.list_draws(session)
    ]
    return render(request, "draws/public_list.html", draws=rows)


@router.get("/p/draws/{draw_id}", response_class=HTMLResponse)
def public_draw(request: Request, draw_id: str, session: Session = DB) -> Response:
    """The public result page (一公开): anyone, no login; personal data masked."""
    try:
        doc = service.published_document(session, draw_id[:40])
    except service.DrawError:
        raise _not_found(draw_id) from None
    doc.pop("pool", None)
    return render(
        request,
        "draws/public.html",
        d=doc,
        tier_names=tier_names(session, doc),
        targets=_targets(session, draw_id, PUBLIC),
        results=RESULT_LABELS,
    )


@router.get("/p/draws/{draw_id}/document.json")
def public_draw_document(draw_id: str, session: Session = DB) -> JSONResponse:
    """The published document (pool snapshot, plan, commitment; after the draw the secret and targets)."""
    try:
        doc = service.published_document(session, draw_id[:40])
    except service.DrawError:
        raise _not_found(draw_id) from None
    return JSONResponse(
        doc, headers={"Content-Disposition": f'attachment; filename="draw-{draw_id[:40]}.json"'}
    )
