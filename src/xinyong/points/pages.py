"""Phone-sized console pages: the village committee's approval queue and 积分超市 counter
(/points/counter), a villager's own points with the claim form (/points/me, POST /points/me/claim), the district dashboard (/points/dashboard),
a village's public monthly ranking (/points/ranking) and 红桥's half-year firm ranking with its
subsidies (/points/hongqiao). The two rankings are public, names masked as on the public cards."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import DB, require_console_role
from xinyong.books import service as books
from xinyong.books.service import BooksError
from xinyong.console.templating import render
from xinyong.disclosure.policy import LOGIN_ROLES, Viewer
from xinyong.points import enterprise, service
from xinyong.points.models import PointsBenefit, PointsVillage
from xinyong.subjects.models import Subject

router = APIRouter(include_in_schema=False)
anyone = require_console_role(*LOGIN_ROLES)

# What a claim's evidence fields are, for people (the scheme files name them; docs/points.md).
EVIDENCE_LABELS = {
    "description": "事迹说明",
    "activity": "活动名称",
    "sign_in": "签到记录",
    "session": "学习场次",
    "photo": "照片",
}
MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")
PERIOD = re.compile(r"^(19|20)\d\d-H[12]$")


# ----------------------------------------------------------------------------------- menu checks


def is_committee(session: Session, viewer: Viewer) -> bool:
    """积分审批 applies to a member of a village committee (the counter's own check)."""
    return bool(service.committee_villages(session, viewer.username))


def is_villager(session: Session, viewer: Viewer) -> bool:
    """我的积分 applies to a person login whose village is on a points scheme."""
    if viewer.role != "subject" or not viewer.subject_id:
        return False
    person = session.get(Subject, viewer.subject_id)
    return (
        person is not None
        and person.kind == "person"
        and person.parent_id is not None
        and session.get(PointsVillage, person.parent_id) is not None
    )


# ----------------------------------------------------------------------------------- counter


def evidence_text(evidence: dict) -> str:
    """Evidence as people read it: '事迹说明：拾金不昧；照片：IMG_1.jpg'."""
    order = [k for k in EVIDENCE_LABELS if k in evidence] + sorted(
        k for k in evidence if k not in EVIDENCE_LABELS
    )
    return "；".join(
        f"{EVIDENCE_LABELS.get(k, k)}：{evidence[k]}" for k in order if evidence[k] not in (None, "")
    )


def _counter(
    request: Request,
    db: Session,
    viewer: Viewer,
    *,
    message: str = "",
    error: dict | None = None,
    status: int = 200,
):
    villages = service.committee_villages(db, viewer.username)
    ctx: dict = {
        "villages": villages,
        "village_names": dict(
            db.execute(select(Subject.id, Subject.name).where(Subject.id.in_(villages))).all()
        ),
        "message": message,
        "error": error,
        "pending": [],
        "names": {},
        "items": {},
        "catalogue": [],
        "stock": {},
        "balances": {},
        "evidence_text": evidence_text,
        "form_key": uuid.uuid4().hex,
    }
    if villages:
        ctx["pending"] = service.pending_claims(db, villages)
        people = db.execute(
            select(Subject.id, Subject.name)
            .where(Subject.parent_id.in_(villages), Subject.kind == "person")
            .order_by(Subject.name)
        ).all()
        ctx["names"] = dict(people)
        ctx["balances"] = {
            c.rsplit(":", 1)[1]: b
            for c, b in books.balances(db, [service.villager_code(p) for p, _ in people]).items()
        }
        scheme = service.scheme_for(db, villages[0])
        ctx["items"] = {i["id"]: i["name_zh"] for i in scheme["items"]}
        ctx["catalogue"] = scheme["catalogue"]
        stock = books.balances(db, [f"points:stock:{villages[0]}:{g['sku']}" for g in scheme["catalogue"]])
        ctx["stock"] = {c.rsplit(":", 1)[1]: b for c, b in stock.items()}
    elif status == 200:
        status = 403  # the page applies to committee members only (the menu hides it)
    response = render(request, "points_counter.html", **ctx)
    response.status_code = status
    return response


def _result_message(request: Request) -> str:
    """The message of a redirect back to the counter (fixed texts, never echoed input)."""
    q = request.query_params
    if q.get("redeemed") in ("1", "replayed"):
        note = (
            "（重复提交，未重复扣分 / a repeated submission, nothing charged twice）"
            if q["redeemed"] == "replayed"
            else ""
        )
        return f"兑换成功 redeemed{note}"
    claim = q.get("claim", "")
    if claim.isdigit() and q.get("decision") in ("approved", "rejected"):
        return f"申报 {claim} " + ("已批准 approved" if q["decision"] == "approved" else "已驳回 rejected")
    return ""


@router.get("/points/counter", response_class=HTMLResponse)
def counter_page(request: Request, viewer: Viewer = Depends(anyone), db: Session = DB):
    return _counter(request, db, viewer, message=_result_message(request))


@router.post("/points/counter/decide", response_class=HTMLResponse)
def counter_decide(
    request: Request,
    claim_id: int = Form(...),
    approve: int = Form(...),
    viewer: Viewer = Depends(anyone),
    db: Session = DB,
):
    try:
        d = service.decide(
            db,
            claim_id=claim_id,
            actor=viewer.username or "",
            approve=bool(approve),
            decided_on=clock.today(),
        )
    except BooksError as exc:
        db.rollback()  # nothing of a refused request stays
        return _counter(request, db, viewer, error=exc.as_dict(), status=422)
    return RedirectResponse(f"/points/counter?claim={claim_id}&decision={d.decision}", status_code=303)


@router.post("/points/counter/redeem", response_class=HTMLResponse)
def counter_redeem(
    request: Request,
    villager_id: str = Form(..., max_length=64),
    sku: str = Form(..., max_length=64),
    quantity: str = Form(..., max_length=12),
    idempotency_key: str = Form(..., max_length=64),
    viewer: Viewer = Depends(anyone),
    db: Session = DB,
):
    """Redeem goods; 303 back to the counter with the result, or the counter again (422) with the
    reason in Chinese and English and nothing written."""
    try:
        person = db.get(Subject, villager_id)
        if person is None or person.parent_id not in service.committee_villages(db, viewer.username):
            raise service.PointsError(
                "不是本村村民或您不是本村村委会成员", "not a villager of your committee's village", "villager"
            )
        posted = service.redeem(
            db,
            villager_id=villager_id,
            sku=sku,
            quantity=quantity,
            actor=viewer.username or "",
            idempotency_key=idempotency_key,
            on=clock.today(),
        )
    except BooksError as exc:
        db.rollback()  # nothing of a refused request stays
        return _counter(request, db, viewer, error=exc.as_dict(), status=422)
    return RedirectResponse(
        f"/points/counter?redeemed={'replayed' if posted.replayed else '1'}", status_code=303
    )


# ----------------------------------------------------------------------------------- own points


EVIDENCE_MAX = 500  # characters per evidence field of the claim form


def _me(request: Request, db: Session, viewer: Viewer, *, message: str = "", error: dict | None = None):
    if not is_villager(db, viewer):
        raise HTTPException(
            403, detail="仅限积分制村的村民本人 / for a villager of a village on the points scheme only"
        )
    h = service.history(db, viewer.subject_id or "")
    person = db.get(Subject, viewer.subject_id)
    scheme = service.scheme_for(db, person.parent_id)
    labels = {i["id"]: i["name_zh"] for i in scheme["items"]} | {
        g["sku"]: "兑换 " + g["name_zh"] for g in scheme["catalogue"]
    }
    village = db.get(Subject, person.parent_id)
    needed = {k for i in scheme["items"] for k in i.get("evidence", [])}
    response = render(
        request,
        "points_me.html",
        balance=h["balance"],
        movements=h["movements"],
        labels=labels,
        village=village,
        items=[i for i in scheme["items"] if int(i["points"]) > 0],  # deductions are the committee's
        evidence_fields=[k for k in EVIDENCE_LABELS if k in needed] + sorted(needed - set(EVIDENCE_LABELS)),
        evidence_labels=EVIDENCE_LABELS,
        pending=service.pending_claims(db, [person.parent_id], villager_id=person.id),
        form_key=uuid.uuid4().hex,
        message=message,
        error=error,
    )
    if error is not None:
        response.status_code = 422
    return response


@router.get("/points/me", response_class=HTMLResponse)
def my_points(
    request: Request,
    viewer: Viewer = Depends(require_console_role("subject")),
    db: Session = DB,
):
    q = request.query_params.get("claim", "")
    message = f"申报 {q} 已提交，待村委会审批 / claim submitted, pending approval" if q.isdigit() else ""
    return _me(request, db, viewer, message=message)


@router.post("/points/me/claim", response_class=HTMLResponse)
async def my_claim(
    request: Request,
    viewer: Viewer = Depends(require_console_role("subject")),
    db: Session = DB,
):
    """The villager claims a scheme item with its evidence (fields `evidence_<key>`) through the same
    `service.claim` as the API, the form's key making a double submit one claim; 303 back to
    /points/me, or the page again with the reason (422, nothing stored)."""
    if not is_villager(db, viewer):
        raise HTTPException(
            403, detail="仅限积分制村的村民本人 / for a villager of a village on the points scheme only"
        )
    form = await request.form()
    evidence = {
        k.removeprefix("evidence_"): str(v).strip()
        for k, v in form.items()
        if k.startswith("evidence_") and str(v).strip()
    }
    try:
        too_long = [k for k, v in evidence.items() if len(v) > EVIDENCE_MAX]
        if too_long:
            raise service.PointsError(
                f"证明材料过长（每项最多 {EVIDENCE_MAX} 字）：{EVIDENCE_LABELS.get(too_long[0], too_long[0])}",
                f"evidence too long (at most {EVIDENCE_MAX} characters each): {too_long[0]}",
                "evidence",
            )
        key = str(form.get("idempotency_key", ""))
        if not key or len(key) > 64:
            raise service.PointsError(
                "表单已失效，请刷新页面后重试",
                "the form has expired; reload the page and retry",
                "idempotency_key",
            )
        row = service.claim(
            db,
            villager_id=viewer.subject_id or "",
            item_id=str(form.get("item_id", ""))[:64],
            evidence=evidence,
            claimed_on=clock.today(),
            idempotency_key=f"console:{viewer.subject_id}:{key}",
            submitted_by=viewer.username or viewer.role,
        )
    except BooksError as exc:
        db.rollback()  # nothing of a refused request stays
        return _me(request, db, viewer, error=exc.as_dict())
    return RedirectResponse(f"/points/me?claim={row.id}", status_code=303)


@router.get("/points/dashboard", response_class=HTMLResponse)
def points_dashboard(
    request: Request,
    viewer: Viewer = Depends(require_console_role("city_admin", "district_officer")),
    db: Session = DB,
):
    code = viewer.district_code if viewer.role == "district_officer" else None
    return render(
        request, "points_dashboard.html", c=service.district_counts(db, district_code=code), district=code
    )


# ----------------------------------------------------------------------------------- rankings


def _own_village(db: Session, viewer: Viewer) -> str | None:
    """The viewer's village: the committee's, the village login's own, or the villager's."""
    committee = service.committee_villages(db, viewer.username)
    if committee:
        return committee[0]
    if viewer.role == "subject" and viewer.subject_id:
        subject = db.get(Subject, viewer.subject_id)
        if subject is not None:
            return subject.id if subject.kind == "village" else subject.parent_id
    return None


@router.get("/points/ranking", response_class=HTMLResponse)
def ranking_page(
    request: Request,
    village: str | None = Query(None, max_length=64),
    month: str | None = Query(None, max_length=7),
    db: Session = DB,
):
    """A village's monthly ranking (public; names masked). Defaults: the viewer's own village (else
    the first on the scheme) and the current month — or, when the current month has no points yet,
    the latest month that has a ranking, with a note saying so (本月暂无排名，最近一期：YYYY-MM)."""
    from xinyong.accounts.deps import get_auth

    viewer = get_auth(request).viewer
    villages = db.execute(
        select(PointsVillage.village_id, Subject.name)
        .join(Subject, Subject.id == PointsVillage.village_id)
        .order_by(Subject.name, PointsVillage.village_id)
    ).all()
    known = {v for v, _ in villages}
    own = _own_village(db, viewer)  # a parent that is no points village (a hospital's) is ignored
    chosen = village or (own if own in known else None) or (villages[0][0] if villages else None)
    if chosen is not None and chosen not in known:
        raise HTTPException(404, detail=f"该村未实施信用积分制 / village not on the points scheme: {chosen}")
    asked, current = month, clock.today().strftime("%Y-%m")
    month = month or current
    if not MONTH.match(month):
        raise HTTPException(422, detail=f"月份格式应为 YYYY-MM / month must be YYYY-MM: {month}")
    rows = service.monthly_ranking(db, village_id=chosen, month=month) if chosen else []
    empty_current = None  # the current month, when it is empty and an earlier one is shown instead
    if asked is None and not rows and chosen:
        latest = service.latest_ranking_month(db, village_id=chosen, until=current)
        if latest is not None and latest != current:
            empty_current, month = current, latest
            rows = service.monthly_ranking(db, village_id=chosen, month=month)
    return render(
        request,
        "points_ranking.html",
        villages=villages,
        village=chosen,
        month=month,
        rows=rows,
        empty_current=empty_current,
    )


def _periods(today: dt.date) -> list[str]:
    """The current half year and the three before it, newest first."""
    y, h = today.year, 1 if today.month <= 6 else 2
    out = []
    for _ in range(4):
        out.append(f"{y}-H{h}")
        y, h = (y, 1) if h == 2 else (y - 1, 2)
    return out


@router.get("/points/hongqiao", response_class=HTMLResponse)
def hongqiao_page(
    request: Request,
    period: str | None = Query(None, max_length=7),
    db: Session = DB,
):
    """红桥's half-year ranking (public): grade points + earned points, blacklisted firms left out,
    the subsidy result (rank ≤ ⌊20 % × ranked⌋, ties alike) and the benefits recorded."""
    today = clock.today()
    periods = _periods(today)
    period = period or next(
        (p for p in periods if enterprise.period_bounds(p)[1] < today), periods[0]
    )  # the latest finished half year
    if not PERIOD.match(period):
        raise HTTPException(
            422, detail=f"期间格式应为 YYYY-H1/H2 / period must be YYYY-H1 or YYYY-H2: {period}"
        )
    result = enterprise.ranking(db, period=period)
    granted = dict(
        db.execute(
            select(PointsBenefit.subject_id, PointsBenefit.granted_on).where(PointsBenefit.period == period)
        ).all()
    )
    scheme = enterprise.load_scheme(enterprise.SCHEME_ID)
    return render(
        request,
        "points_hongqiao.html",
        periods=sorted({*periods, period}, reverse=True),
        period=period,
        result=result,
        granted=granted,
        benefits=scheme["benefits"],
        grade_points=scheme["grade_points"],
        provisional=enterprise.period_bounds(period)[1] >= today,
    )
