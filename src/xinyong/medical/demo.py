"""Demo step (xinyong.demo.service.DEMO_STEPS): 东丽 residents signed up for credit medical, charges at
天津市东丽医院 and health centres, statements, repayments on time, one patient overdue past the grace
period (negative record) and one suspended. Idempotent: every write has a fixed key."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import Engine, select

from xinyong.books.service import BooksError
from xinyong.disclosure.policy import OPERATOR
from xinyong.medical import service
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

PATIENTS = 40


def seed_demo(*, engine: Engine, as_of: dt.date, now: dt.datetime | None = None) -> dict:
    rng = random.Random(110)
    counts = {"hospitals": 0, "lines": 0, "charges": 0, "repayments": 0}
    with session_scope(engine) as s:
        hospitals = list(
            s.scalars(
                select(Subject.id)
                .where(Subject.pilot == "dongli_credit_medical", Subject.kind.in_(["carrier", "government"]))
                .order_by(Subject.id)
            )
        )
        for h in hospitals:
            service.register_hospital(s, subject_id=h, joined_on=dt.date(2026, 1, 1))
        counts["hospitals"] = len(hospitals)
        people = list(
            s.scalars(
                select(Subject.id)
                .where(Subject.pilot == "dongli_credit_medical", Subject.kind == "person")
                .order_by(Subject.id)
                .limit(PATIENTS)
            )
        )
        lines = []
        for pid in people:
            try:  # noqa: SIM105 - a refusal is part of the demo
                lines.append(
                    service.sign_up(s, subject_id=pid, viewer=OPERATOR, as_of=dt.date(2026, 6, 1), now=now)
                )
            except BooksError:
                pass  # score below the minimum: refused
        counts["lines"] = len(lines)
    if not hospitals:
        return counts
    months = [(2026, 7), (2026, 8), (2026, 9), (2026, 10)]
    for n, line in enumerate(lines):
        with session_scope(engine) as s:
            for y, m in months:
                for k in range(rng.randint(0, 2)):
                    day = dt.date(y, m, rng.randint(1, 28))
                    if day > as_of:
                        continue
                    try:
                        service.charge(
                            s,
                            hospital_id=rng.choice(hospitals),
                            patient_id=line.subject_id,
                            amount_fen=rng.randint(2_000, 40_000),
                            idempotency_key=f"demo-{m}-{k}",
                            charged_on=day,
                            visit_no=f"MZ{y}{m:02d}{k}",
                            now=now,
                        )
                        counts["charges"] += 1
                    except BooksError:
                        pass  # over the line: refused
                if n in (0, 1):
                    continue  # patient 0 never repays (reported), patient 1 neither (suspended/reported)
                due = service.due_date(f"{y}-{m:02d}")
                st = service.statement(s, line.subject_id, f"{y}-{m:02d}", as_of=min(due, as_of))
                if st.outstanding_fen and due <= as_of:
                    service.repay(
                        s,
                        patient_id=line.subject_id,
                        amount_fen=st.outstanding_fen,
                        idempotency_key=f"demo-{y}-{m}",
                        paid_on=due - dt.timedelta(days=rng.randint(0, 20)),
                        now=now,
                    )
                    counts["repayments"] += 1
    counts |= service.process_overdue(engine, as_of=as_of, now=now)
    return counts
