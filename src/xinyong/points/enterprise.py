"""红桥 enterprise points (守信企业晋级行动, 正融科技大厦): points on top of the city comprehensive grade,
a half-yearly ranking, subsidies for the top 20%, blacklisted firms excluded.

Total for a half year = grade points of the latest `city_enterprise` grade as of the period end
(scheme: A 40, B 30, C 20, D 0) + points awarded in the half year (books account
`points:firm:<subject>`, issued from `points:issue:hongqiao`). Firms of the pilot (Subject.pilot)
that are blacklisted as of the period end are left out of the ranking. The top floor(20% × ranked)
firms receive each benefit of the scheme once per period (`record_benefit`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.books import service as books
from xinyong.books.models import BookAccount, BookPosting, BookTransaction
from xinyong.books.service import PostRequest
from xinyong.disclosure.masking import mask_value
from xinyong.disclosure.policy import Viewer
from xinyong.evaluation.models import EvaluationResult
from xinyong.points.models import PointsBenefit
from xinyong.points.service import PointsError, _item, load_scheme
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

SCHEME_ID = "hongqiao_zhengrong"
ISSUE = "points:issue:hongqiao"
FIRM_AWARD = "points.firm_award"


def firm_code(subject_id: str) -> str:
    return f"points:firm:{subject_id}"


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """'2026-H1' → (2026-01-01, 2026-06-30); 'H2' → July–December."""
    try:
        year, half = period.split("-H")
        y, h = int(year), int(half)
        if h not in (1, 2):
            raise ValueError
    except ValueError as exc:
        raise PointsError(
            f"期间格式应为 YYYY-H1/H2：{period}", f"period must be YYYY-H1 or YYYY-H2: {period}", "period"
        ) from exc
    return (dt.date(y, 1, 1), dt.date(y, 6, 30)) if h == 1 else (dt.date(y, 7, 1), dt.date(y, 12, 31))


def is_blacklisted(session: Session, subject_id: str, as_of: dt.date) -> bool:
    """Serious dishonesty as of `as_of` — the one place that decides it. Uses the lists domain's
    check when installed (`xinyong.lists.service.is_serious_dishonest`); until then: a
    `judgment_debtor` (失信被执行人) record or a serious negative record of the subject that
    occurred by `as_of`."""
    try:
        from xinyong.lists.service import is_serious_dishonest  # type: ignore[import-not-found]
    except ImportError:
        is_serious_dishonest = None
    if is_serious_dishonest is not None:
        return bool(is_serious_dishonest(session, subject_id=subject_id, as_of=as_of))
    hit = session.scalar(
        select(Record.id)
        .where(
            Record.subject_id == subject_id,
            Record.occurred_on <= as_of,
            Record.polarity == "negative",
            (Record.kind == "judgment_debtor") | (Record.severity == "serious"),
        )
        .limit(1)
    )
    return hit is not None


def award(
    session: Session,
    *,
    subject_id: str,
    item_id: str,
    viewer: Viewer,
    on: dt.date,
    idempotency_key: str,
    now: dt.datetime | None = None,
) -> books.Posted:
    """Award an item's points to a firm of the pilot (红桥 district officer or city admin)."""
    scheme = load_scheme(SCHEME_ID)
    if not (
        viewer.role == "city_admin"
        or (viewer.role == "district_officer" and viewer.district_code == scheme["district_code"])
    ):
        raise PointsError(
            "只有红桥区诚信办可以加分", "only the 红桥 district office may award points", "actor"
        )
    item = _item(scheme, item_id)
    firm = session.get(Subject, subject_id)
    if firm is None or firm.pilot != scheme["pilot"]:
        raise PointsError(
            "该企业不在正融科技大厦试点内", "this firm is not in the building pilot", "subject_id"
        )
    books.open_account(
        session, code=ISSUE, unit="points", domain="points", floor=None, district_code="120106"
    )
    books.open_account(
        session,
        code=firm_code(subject_id),
        unit="points",
        domain="points",
        floor=0,
        subject_id=subject_id,
        district_code=firm.district_code,
    )
    return books.post(
        session,
        PostRequest(
            idempotency_key=f"points:firm:{idempotency_key}",
            legs=((ISSUE, -int(item["points"])), (firm_code(subject_id), int(item["points"]))),
            kind=FIRM_AWARD,
            actor=viewer.username or viewer.role,
            memo=item_id,
            meta={"item": item_id},
            effective_on=dt.datetime.combine(on, dt.time()),
        ),
        now=now,
    )


@dataclass(frozen=True)
class FirmRank:
    rank: int
    subject_id: str
    name: str
    grade: str | None
    grade_points: int
    earned_points: int
    total: int
    subsidised: bool


def ranking(session: Session, *, period: str) -> dict[str, Any]:
    """The half-year ranking: {"period", "ranked": [FirmRank…], "excluded": [subject ids blacklisted],
    "top_n": ⌊20 % × ranked⌋, "subsidised": firms subsidised}. Order: total desc, then grade points
    desc; firms equal on both share a rank and are all subsidised when that rank ≤ top_n (ties at the
    cut-off are decided for every tied firm alike, never by id); total 0 is never subsidised
    (docs/points.md, "红桥 ties")."""
    scheme = load_scheme(SCHEME_ID)
    start, end = period_bounds(period)
    firms = session.execute(
        select(Subject.id, Subject.name, Subject.kind).where(
            Subject.pilot == scheme["pilot"], Subject.kind.in_(["enterprise", "individual_business"])
        )
    ).all()
    ids = [f.id for f in firms]
    names = {f.id: f.name for f in firms}
    latest = (
        select(EvaluationResult.subject_id, func.max(EvaluationResult.as_of).label("as_of"))
        .where(
            EvaluationResult.model_id == scheme["grade_model"],
            EvaluationResult.as_of <= end,
            EvaluationResult.subject_id.in_(ids),
        )
        .group_by(EvaluationResult.subject_id)
        .subquery()
    )
    grades = (
        dict(
            session.execute(
                select(EvaluationResult.subject_id, EvaluationResult.grade)
                .join(
                    latest,
                    (latest.c.subject_id == EvaluationResult.subject_id)
                    & (latest.c.as_of == EvaluationResult.as_of),
                )
                .where(EvaluationResult.model_id == scheme["grade_model"])
            ).all()
        )
        if ids
        else {}
    )
    earned = (
        dict(
            session.execute(
                select(BookAccount.subject_id, func.sum(BookPosting.amount))
                .join(BookPosting, BookPosting.account_id == BookAccount.id)
                .join(BookTransaction, BookTransaction.id == BookPosting.transaction_id)
                .where(
                    BookAccount.code.like("points:firm:%"),
                    BookTransaction.effective_on >= dt.datetime.combine(start, dt.time()),
                    BookTransaction.effective_on < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
                )
                .group_by(BookAccount.subject_id)
            ).all()
        )
        if ids
        else {}
    )
    rows, excluded = [], []
    for f in firms:
        if is_blacklisted(session, f.id, end):
            excluded.append(f.id)
            continue
        grade = grades.get(f.id)
        gp = int(scheme["grade_points"].get(grade, 0)) if grade else 0
        ep = int(earned.get(f.id) or 0)
        name = mask_value("legal_rep", f.name)  # a person's name (个体户) masked, a firm's kept
        rows.append((f.id, name, grade, gp, ep))
    # Merit decides the order: total, then grade points (a better city grade wins a tie). Firms equal
    # on both share a rank (competition ranking 1, 2, 2, 4); within a shared rank they are listed by
    # name, which decides nothing. A firm is subsidised when its rank ≤ top_n, so firms tied at the
    # cut-off are all subsidised (the count may exceed top_n); a firm with total 0 never is.
    rows.sort(key=lambda r: (-(r[3] + r[4]), -r[3], names[r[0]], r[0]))
    top_n = math.floor(len(rows) * float(scheme["top_share"]))
    ranked: list[FirmRank] = []
    for i, (sid, name, grade, gp, ep) in enumerate(rows):
        prev = ranked[-1] if ranked else None
        tied = prev is not None and (prev.total, prev.grade_points) == (gp + ep, gp)
        rank = prev.rank if tied and prev is not None else i + 1
        ranked.append(FirmRank(rank, sid, name, grade, gp, ep, gp + ep, rank <= top_n and gp + ep > 0))
    return {
        "period": period,
        "ranked": ranked,
        "excluded": sorted(excluded),
        "top_n": top_n,
        "subsidised": sum(r.subsidised for r in ranked),
    }


def record_benefit(
    session: Session, *, subject_id: str, period: str, kind: str, amount_fen: int, rank: int, on: dt.date
) -> bool:
    """Record one benefit (the one place benefits are written; the incentives domain's benefit-use
    recorder can take over here). False when it was already granted."""
    exists = session.scalar(
        select(PointsBenefit.id).where(
            PointsBenefit.subject_id == subject_id, PointsBenefit.period == period, PointsBenefit.kind == kind
        )
    )
    if exists is not None:
        return False
    session.add(
        PointsBenefit(
            scheme_id=SCHEME_ID,
            subject_id=subject_id,
            period=period,
            kind=kind,
            amount_fen=amount_fen,
            rank=rank,
            detail={},
            granted_on=on,
        )
    )
    session.flush()
    return True


def grant_subsidies(session: Session, *, period: str, on: dt.date) -> dict[str, Any]:
    """Compute the ranking and record each benefit for the subsidised firms (once). Returns the
    ranking with `granted` (benefits newly recorded)."""
    scheme = load_scheme(SCHEME_ID)
    result = ranking(session, period=period)
    granted = 0
    for row in result["ranked"]:
        if row.subsidised:
            for b in scheme["benefits"]:
                granted += record_benefit(
                    session,
                    subject_id=row.subject_id,
                    period=period,
                    kind=b["kind"],
                    amount_fen=int(b["amount_fen"]),
                    rank=row.rank,
                    on=on,
                )
    result["granted"] = granted
    return result
