"""Phone-sized console pages: the village committee's approval queue and 积分超市 counter
(/points/counter), a villager's own points (/points/me), the district dashboard (/points/dashboard)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.accounts.deps import db_session, require_console_role
from xinyong.books import service as books
from xinyong.books.service import BooksError
from xinyong.console.templating import render
from xinyong.disclosure.policy import LOGIN_ROLES, Viewer
from xinyong.points import service
from xinyong.subjects.models import Subject

router = APIRouter(include_in_schema=False)
anyone = require_console_role(*LOGIN_ROLES)


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
        "message": message,
        "error": error,
        "pending": [],
        "names": {},
        "items": {},
        "catalogue": [],
        "stock": {},
        "balances": {},
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
    response = render(request, "points_counter.html", **ctx)
    response.status_code = status
    return response


@router.get("/points/counter", response_class=HTMLResponse)
def counter_page(request: Request, viewer: Viewer = Depends(anyone), db: Session = Depends(db_session)):
    return _counter(request, db, viewer)


@router.post("/points/counter/decide", response_class=HTMLResponse)
def counter_decide(
    request: Request,
    claim_id: int = Form(...),
    approve: int = Form(...),
    viewer: Viewer = Depends(anyone),
    db: Session = Depends(db_session),
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
    msg = "已批准 approved" if d.decision == "approved" else "已驳回 rejected"
    return _counter(request, db, viewer, message=f"申报 {claim_id} {msg}")


@router.post("/points/counter/redeem", response_class=HTMLResponse)
def counter_redeem(
    request: Request,
    villager_id: str = Form(..., max_length=64),
    sku: str = Form(..., max_length=64),
    quantity: str = Form(..., max_length=12),
    idempotency_key: str = Form(..., max_length=64),
    viewer: Viewer = Depends(anyone),
    db: Session = Depends(db_session),
):
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
    note = "（重复提交，未重复扣分）" if posted.replayed else ""
    return _counter(request, db, viewer, message=f"兑换成功 redeemed{note}")


@router.get("/points/me", response_class=HTMLResponse)
def my_points(
    request: Request,
    viewer: Viewer = Depends(require_console_role("subject")),
    db: Session = Depends(db_session),
):
    h = service.history(db, viewer.subject_id or "")
    person = db.get(Subject, viewer.subject_id) if viewer.subject_id else None
    labels = {}
    if person is not None and person.parent_id and db.get(service.PointsVillage, person.parent_id):
        scheme = service.scheme_for(db, person.parent_id)
        labels = {i["id"]: i["name_zh"] for i in scheme["items"]} | {
            g["sku"]: "兑换 " + g["name_zh"] for g in scheme["catalogue"]
        }
    return render(request, "points_me.html", balance=h["balance"], movements=h["movements"], labels=labels)


@router.get("/points/dashboard", response_class=HTMLResponse)
def points_dashboard(
    request: Request,
    viewer: Viewer = Depends(require_console_role("city_admin", "district_officer")),
    db: Session = Depends(db_session),
):
    code = viewer.district_code if viewer.role == "district_officer" else None
    return render(
        request, "points_dashboard.html", c=service.district_counts(db, district_code=code), district=code
    )
