"""Credit medical payment (东丽 信用就医): sign-up, charges, repayments, statements, overdue steps.

Scheme parameters are data (scheme.yaml). Money goes through the books only:

* charge:    line −amount, hospital +amount (floor −line: a charge never exceeds the available line;
             the idempotency key is per hospital, so a retry never charges twice, a replay with another
             amount is a ConflictError);
* repayment: repayments −amount, line +amount (never more than is owed).

A month's charges form a statement due on the last day of the next month; repayments pay the oldest
statement first. `process_overdue(as_of)` walks the overdue statements: reminders (notify), then
suspension of the line, then after the grace period a negative record `medical_credit_default`
through `xinyong.ingest.service.ingest_rows`. Every step is an append-only MedicalLineEvent, once.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from xinyong.books import service as books
from xinyong.books.models import BookAccount, BookPosting, BookTransaction
from xinyong.books.service import BooksError, PostRequest, check_amount
from xinyong.disclosure.policy import Viewer
from xinyong.medical.models import MedicalHospital, MedicalLine, MedicalLineEvent
from xinyong.medical.score import person_score
from xinyong.subjects.models import Subject

SCHEME_PATH = Path(__file__).with_name("scheme.yaml")
REPAYMENTS = "medical:repayments"
CHARGE, REPAYMENT = "medical.charge", "medical.repayment"


class MedicalError(BooksError):
    """A refused medical operation (zh, en, field); nothing was written."""

    code = "medical"


@functools.cache
def scheme() -> dict[str, Any]:
    return yaml.safe_load(SCHEME_PATH.read_text(encoding="utf-8"))


def line_for_score(score: int) -> int | None:
    """The line in fen for `score` by band (scheme.yaml), None below the minimum score."""
    s = scheme()
    if score < s["min_score"]:
        return None
    return max(b["line_fen"] for b in s["bands"] if score >= b["min"])


def line_code(subject_id: str) -> str:
    return f"medical:line:{subject_id}"


def hospital_code(subject_id: str) -> str:
    return f"medical:hospital:{subject_id}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def due_date(month: str) -> dt.date:
    """Last day of the month after `month` (YYYY-MM): 次月归还."""
    y, m = (int(p) for p in month.split("-"))
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return dt.date(y, m, calendar.monthrange(y, m)[1])


# ----------------------------------------------------------------------------------- set-up


def register_hospital(session: Session, *, subject_id: str, joined_on: dt.date) -> MedicalHospital:
    """Let the subject (a hospital / health centre) post charges; idempotent."""
    found = session.get(MedicalHospital, subject_id)
    if found is not None:
        return found
    subject = session.get(Subject, subject_id)
    if subject is None:
        raise MedicalError(f"主体不存在：{subject_id}", f"no such subject: {subject_id}", "subject_id")
    books.open_account(
        session,
        code=hospital_code(subject_id),
        unit="fen",
        domain="medical",
        floor=None,
        subject_id=subject_id,
        district_code=subject.district_code,
        name=subject.name,
    )
    row = MedicalHospital(
        subject_id=subject_id, name=subject.name, district_code=subject.district_code, joined_on=joined_on
    )
    session.add(row)
    session.flush()
    return row


def sign_up(
    session: Session, *, subject_id: str, viewer: Viewer, as_of: dt.date, now: dt.datetime | None = None
) -> MedicalLine:
    """Sign `subject_id` up (the person, or the city on their behalf). The line comes from the score
    band; refused without a readable score or below the minimum. Signing up again returns the line."""
    existing = session.scalar(select(MedicalLine).where(MedicalLine.subject_id == subject_id))
    if existing is not None:
        return existing
    subject = session.get(Subject, subject_id)
    if subject is None or subject.kind != "person":
        raise MedicalError("只有自然人可以签约信用就医", "only a natural person can sign up", "subject_id")
    score = person_score(session, subject_id=subject_id, as_of=as_of, viewer=viewer)
    if score is None:
        raise MedicalError(
            "无权读取该人的信用分（须本人或经授权）",
            "the score may be read only by the person or with their authorisation",
            "subject_id",
        )
    line = line_for_score(score)
    if line is None:
        raise MedicalError(
            f"信用分 {score} 低于签约门槛 {scheme()['min_score']}",
            f"score {score} is below the sign-up minimum {scheme()['min_score']}",
            "score",
        )
    now = now or _now()
    books.open_account(session, code=REPAYMENTS, unit="fen", domain="medical", floor=None)
    books.open_account(
        session,
        code=line_code(subject_id),
        unit="fen",
        domain="medical",
        floor=-line,
        subject_id=subject_id,
        district_code=subject.district_code,
    )
    row = MedicalLine(
        subject_id=subject_id,
        district_code=subject.district_code,
        account_code=line_code(subject_id),
        score=score,
        line_fen=line,
        status="active",
        signed_on=as_of,
        created_at=now,
    )
    session.add(row)
    session.flush()
    _event(session, row, "signed_up", "", 0, as_of, {"score": score, "line_fen": line}, now)
    return row


def _event(session, line, event, statement, step, on, detail, now) -> bool:  # noqa: ANN001, PLR0913
    """Append the event once; False when it was already there."""
    exists = session.scalar(
        select(MedicalLineEvent.id).where(
            MedicalLineEvent.line_id == line.id,
            MedicalLineEvent.event == event,
            MedicalLineEvent.statement == statement,
            MedicalLineEvent.step == step,
        )
    )
    if exists is not None:
        return False
    session.add(
        MedicalLineEvent(
            line_id=line.id,
            event=event,
            statement=statement,
            step=step,
            on_date=on,
            detail=detail,
            recorded_at=now or _now(),
        )
    )
    session.flush()
    return True


# ----------------------------------------------------------------------------------- money


@dataclass(frozen=True)
class ChargeResult:
    transaction_id: int
    replayed: bool
    available_fen: int


def _line(session: Session, subject_id: str) -> MedicalLine:
    line = session.scalar(select(MedicalLine).where(MedicalLine.subject_id == subject_id))
    if line is None:
        raise MedicalError("该患者未签约信用就医", "the patient has not signed up", "patient")
    return line


def available(session: Session, line: MedicalLine) -> int:
    """Fen still available on the line (line + balance; balance ≤ 0 is what is owed)."""
    return line.line_fen + books.balance(session, line.account_code)


def charge(
    session: Session,
    *,
    hospital_id: str,
    patient_id: str,
    amount_fen: object,
    idempotency_key: str,
    charged_on: dt.date,
    visit_no: str = "",
    now: dt.datetime | None = None,
) -> ChargeResult:
    """Post a hospital charge on the patient's line. Refused (MedicalError / BooksError, nothing
    written): not a positive integer; unknown hospital; patient not signed up; line suspended; over
    the available line (BelowFloorError); same key with other content (ConflictError). The same key
    and content returns the first result, even after the line was suspended."""
    amount = check_amount(amount_fen, "amount_fen")
    if session.get(MedicalHospital, hospital_id) is None:
        raise MedicalError("该机构未接入信用就医", "this institution is not on the scheme", "hospital")
    line = _line(session, patient_id)
    req = PostRequest(
        idempotency_key=f"medical:charge:{hospital_id}:{idempotency_key}",
        legs=((line.account_code, -amount), (hospital_code(hospital_id), amount)),
        kind=CHARGE,
        actor=hospital_id,
        meta={"patient": patient_id, "visit_no": visit_no, "charged_on": charged_on.isoformat()},
        effective_on=dt.datetime.combine(charged_on, dt.time()),
    )
    known = session.scalar(
        select(BookTransaction.id).where(BookTransaction.idempotency_key == req.idempotency_key)
    )
    if known is None and line.status != "active":
        raise MedicalError("信用就医额度已暂停（存在逾期）", "the line is suspended (overdue)", "patient")
    try:
        posted = books.post(session, req, now=now)
    except books.BelowFloorError as exc:
        raise MedicalError(
            f"超出可用额度：可用 {available(session, line)} 分，本次 {amount} 分",
            f"over the available line: {available(session, line)} fen available, {amount} fen charged",
            "amount_fen",
        ) from exc
    return ChargeResult(posted.transaction_id, posted.replayed, available(session, line))


def repay(
    session: Session,
    *,
    patient_id: str,
    amount_fen: object,
    idempotency_key: str,
    paid_on: dt.date,
    now: dt.datetime | None = None,
) -> books.Posted:
    """Record a repayment (no interest, no fee within the interest-free period). Refused when it
    exceeds what is owed."""
    amount = check_amount(amount_fen, "amount_fen")
    line = _line(session, patient_id)
    req = PostRequest(
        idempotency_key=f"medical:repay:{patient_id}:{idempotency_key}",
        legs=((REPAYMENTS, -amount), (line.account_code, amount)),
        kind=REPAYMENT,
        actor=patient_id,
        meta={"paid_on": paid_on.isoformat()},
        effective_on=dt.datetime.combine(paid_on, dt.time()),
    )
    known = session.scalar(
        select(BookTransaction.id).where(BookTransaction.idempotency_key == req.idempotency_key)
    )
    owed = -books.balance(session, line.account_code)
    if known is None and amount > owed:
        # in 元, as the person typed it and as the page shows what is owed (fen are internal)
        raise MedicalError(
            f"还款 {books.yuan_text(amount)} 元超过欠款 {books.yuan_text(owed)} 元",
            f"repayment of {books.yuan_text(amount)} yuan exceeds the {books.yuan_text(owed)} yuan owed",
            "amount_fen",
        )
    return books.post(session, req, now=now)


# ----------------------------------------------------------------------------------- statements


@dataclass
class Statement:
    month: str
    due_on: dt.date
    charges: list[dict[str, Any]] = field(default_factory=list)
    charged_fen: int = 0
    paid_fen: int = 0
    outstanding_fen: int = 0
    interest_fen: int = 0  # always 0: the scheme charges no interest or fees
    overdue_days: int = 0

    @property
    def status(self) -> str:
        if self.outstanding_fen == 0:
            return "paid"
        return "overdue" if self.overdue_days > 0 else "open"


def _movements(session: Session, account_code: str, as_of: dt.date) -> list[tuple]:
    return session.execute(
        select(
            BookTransaction.kind,
            BookTransaction.effective_on,
            BookPosting.amount,
            BookTransaction.meta,
            BookTransaction.actor,
        )
        .join(BookPosting, BookPosting.transaction_id == BookTransaction.id)
        .join(BookAccount, BookAccount.id == BookPosting.account_id)
        .where(
            BookAccount.code == account_code,
            BookTransaction.effective_on < dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()),
        )
        .order_by(BookTransaction.effective_on, BookTransaction.id)
    ).all()


def statements(session: Session, subject_id: str, as_of: dt.date) -> list[Statement]:
    """Every month with charges up to `as_of`, oldest first; repayments (and reversals) pay the
    oldest statement first."""
    line = _line(session, subject_id)
    by_month: dict[str, Statement] = {}
    credit = 0
    for _kind, on, amount, meta, actor in _movements(session, line.account_code, as_of):
        if amount < 0:
            m = month_of(on.date())
            st = by_month.setdefault(m, Statement(m, due_date(m)))
            st.charges.append(
                {
                    "on": on.date(),
                    "amount_fen": -amount,
                    "hospital": actor,
                    "visit_no": (meta or {}).get("visit_no", ""),
                }
            )
            st.charged_fen += -amount
        else:
            credit += amount
    out = [by_month[m] for m in sorted(by_month)]
    for st in out:
        st.paid_fen = min(st.charged_fen, credit)
        credit -= st.paid_fen
        st.outstanding_fen = st.charged_fen - st.paid_fen
        if st.outstanding_fen and as_of > st.due_on:
            st.overdue_days = (as_of - st.due_on).days
    return out


def statement(session: Session, subject_id: str, month: str, as_of: dt.date) -> Statement:
    for st in statements(session, subject_id, as_of):
        if st.month == month:
            return st
    return Statement(month, due_date(month))


# ----------------------------------------------------------------------------------- overdue


def _notify(
    session: Session, *, kind: str, payload: dict, subject_id: str, district_code: str | None, dedup_key: str
) -> None:
    """Hand the event to the notification outbox when that domain is installed (xinyong.notify.emit);
    the MedicalLineEvent row is the record either way."""
    try:
        from xinyong.notify import emit  # type: ignore[attr-defined]
    except ImportError:
        return
    emit(
        session,
        kind=kind,
        payload=payload,
        subject_id=subject_id,
        district_code=district_code,
        dedup_key=dedup_key,
    )


def process_overdue(engine: Engine, *, as_of: dt.date, now: dt.datetime | None = None) -> dict[str, int]:
    """Apply the overdue steps due by `as_of` to every line; each step happens once. Returns counts of
    the steps taken now: reminded, suspended, reinstated, reported."""
    from xinyong.store.db import session_scope

    rules = scheme()["overdue"]
    counts = {"reminded": 0, "suspended": 0, "reinstated": 0, "reported": 0}
    to_report: list[tuple[MedicalLine, Subject, Statement]] = []
    with session_scope(engine) as session:
        for line in session.scalars(select(MedicalLine).order_by(MedicalLine.id)).all():
            overdue = [s for s in statements(session, line.subject_id, as_of) if s.overdue_days > 0]
            for st in overdue:
                for step, days in enumerate(rules["remind_after_days"]):
                    if st.overdue_days >= days and _event(
                        session,
                        line,
                        "reminded",
                        st.month,
                        step,
                        as_of,
                        {"outstanding_fen": st.outstanding_fen, "due_on": st.due_on.isoformat()},
                        now,
                    ):
                        counts["reminded"] += 1
                        _notify(
                            session,
                            kind="medical.overdue_reminder",
                            payload={
                                "statement": st.month,
                                "outstanding_fen": st.outstanding_fen,
                                "due_on": st.due_on.isoformat(),
                            },
                            subject_id=line.subject_id,
                            district_code=line.district_code,
                            dedup_key=f"medical:{line.id}:{st.month}:remind:{step}",
                        )
                if (
                    st.overdue_days >= rules["suspend_after_days"]
                    and line.status == "active"
                    and _event(
                        session,
                        line,
                        "suspended",
                        st.month,
                        0,
                        as_of,
                        {"outstanding_fen": st.outstanding_fen},
                        now,
                    )
                ):
                    line.status = "suspended"
                    counts["suspended"] += 1
                    _notify(
                        session,
                        kind="medical.line_suspended",
                        payload={"statement": st.month, "outstanding_fen": st.outstanding_fen},
                        subject_id=line.subject_id,
                        district_code=line.district_code,
                        dedup_key=f"medical:{line.id}:{st.month}:suspend",
                    )
                if st.overdue_days >= rules["report_after_days"]:
                    subject = session.get(Subject, line.subject_id)
                    to_report.append((line, subject, st))
            if not overdue and line.status == "suspended":
                n = session.scalar(
                    select(func.count()).where(
                        MedicalLineEvent.line_id == line.id, MedicalLineEvent.event == "reinstated"
                    )
                )
                _event(session, line, "reinstated", "", int(n or 0), as_of, {}, now)
                line.status = "active"
                counts["reinstated"] += 1
    for line, subject, st in to_report:
        counts["reported"] += _report(engine, line, subject, st, as_of, now)
    return counts


def _report(engine, line, subject, st, as_of, now) -> int:  # noqa: ANN001, PLR0913
    """The negative record of a statement still unpaid after the grace period (once)."""
    from xinyong.ingest.service import ingest_rows
    from xinyong.store.db import session_scope

    with session_scope(engine) as session:
        done = session.scalar(
            select(MedicalLineEvent.id).where(
                MedicalLineEvent.line_id == line.id,
                MedicalLineEvent.event == "reported",
                MedicalLineEvent.statement == st.month,
            )
        )
    if done is not None:
        return 0
    rows = [
        {
            "subject_name": subject.name,
            "subject_kind": "person",
            "id_number": subject.id_number,
            "default_no": f"XYJY-{line.id}-{st.month}",
            "statement_month": st.month,
            "due_on": st.due_on.isoformat(),
            "reported_on": as_of.isoformat(),
            "amount": books.yuan_text(st.outstanding_fen),
            "overdue_days": str(st.overdue_days),
        }
    ]
    result = ingest_rows(
        engine=engine,
        rows=rows,
        source=scheme()["record_source"],
        kind="medical_credit_default",
        submitted_by="medical",
        now=now,
    )
    with session_scope(engine) as session:
        line_row = session.get(MedicalLine, line.id)
        _event(
            session,
            line_row,
            "reported",
            st.month,
            0,
            as_of,
            {"batch": result.batch, "records": result.record_ids, "outstanding_fen": st.outstanding_fen},
            now,
        )
    return 1


# ----------------------------------------------------------------------------------- dashboard


def dashboard(session: Session, *, district_code: str | None, as_of: dt.date) -> dict[str, Any]:
    """Counts for a district (None: the city): lines, suspended lines, line total, owed, charges this
    month (fen), overdue lines."""
    q = select(MedicalLine)
    if district_code:
        q = q.where(MedicalLine.district_code == district_code)
    lines = session.scalars(q).all()
    month = month_of(as_of)
    out = {
        "lines": len(lines),
        "suspended": 0,
        "line_total_fen": 0,
        "owed_fen": 0,
        "charged_this_month_fen": 0,
        "overdue_lines": 0,
        "hospitals": 0,
    }
    for line in lines:
        sts = statements(session, line.subject_id, as_of)
        out["suspended"] += line.status == "suspended"
        out["line_total_fen"] += line.line_fen
        out["owed_fen"] += sum(s.outstanding_fen for s in sts)
        out["charged_this_month_fen"] += sum(s.charged_fen for s in sts if s.month == month)
        out["overdue_lines"] += any(s.overdue_days > 0 for s in sts)
    hq = select(func.count()).select_from(MedicalHospital)
    if district_code:
        hq = hq.where(MedicalHospital.district_code == district_code)
    out["hospitals"] = int(session.scalar(hq) or 0)
    return out
