"""Demo step (xinyong.demo.service.DEMO_STEPS): 东丽 residents signed up for credit medical, charges at
天津市东丽医院 and health centres, monthly statements, repayments within the interest-free period,
one patient overdue past the grace period (reminded, suspended, reported) and one reminded and
suspended but not yet reported. Idempotent: every write has a fixed key.

Residents sign up themselves (the viewer is the person: only they may read their score), so each
line follows the person's score band. The `resident` login (created by the incentives step) is bound
to the first 东丽 person; this step signs them up first and lets them repay on time, so `/medical/me`
shows a line, paid statements and the current open one. A `dongli_hospital` login is bound to the
first hospital: it has no console pages; the demo user obtains its API key with
`xinyong user apikey dongli_hospital` (docs/accounts.md, docs/medical.md).
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import Engine, select

from xinyong.books.service import BooksError
from xinyong.disclosure.policy import Viewer
from xinyong.medical import service
from xinyong.store.db import session_scope
from xinyong.subjects.models import Subject

PATIENTS = 40
SIGN_UP_ON = dt.date(2026, 6, 1)
MONTHS = ((2026, 7), (2026, 8), (2026, 9), (2026, 10))
HOSPITAL_LOGIN = "dongli_hospital"
DEMO_PASSWORD = "xinyong-demo-2023"  # docs/accounts.md


def _hospital_login(session, hospital_id: str, now: dt.datetime | None) -> None:  # noqa: ANN001
    from xinyong.accounts import service as accounts
    from xinyong.accounts.models import User

    if session.scalar(select(User.id).where(User.username == HOSPITAL_LOGIN)) is None:
        accounts.create_user(
            session,
            username=HOSPITAL_LOGIN,
            role="subject",
            subject_id=hospital_id,
            password=DEMO_PASSWORD,
            display_name="天津市东丽医院（演示）",
            now=now,
        )


def _resident_first(session, people: list[str]) -> list[str]:  # noqa: ANN001
    """The `resident` login's person first (when it is among the 东丽 people)."""
    from xinyong.accounts.models import User

    bound = session.scalar(select(User.subject_id).where(User.username == "resident"))
    return [bound, *[p for p in people if p != bound]] if bound in people else people


def seed_demo(*, engine: Engine, as_of: dt.date, now: dt.datetime | None = None) -> dict:
    rng = random.Random(110)
    counts = {"hospitals": 0, "lines": 0, "refused": 0, "charges": 0, "repayments": 0}
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
        if hospitals:
            _hospital_login(s, hospitals[0], now)
        people = list(
            s.scalars(
                select(Subject.id)
                .where(Subject.pilot == "dongli_credit_medical", Subject.kind == "person")
                .order_by(Subject.id)
            )
        )
        lines = []
        for pid in _resident_first(s, people)[:PATIENTS]:
            try:
                lines.append(
                    service.sign_up(
                        s,
                        subject_id=pid,
                        viewer=Viewer(role="subject", subject_id=pid),  # the person signs up
                        as_of=SIGN_UP_ON,
                        now=now,
                    )
                )
            except BooksError:
                counts["refused"] += 1  # score below the minimum: refused, nothing written
        counts["lines"] = len(lines)
    if not hospitals:
        return counts
    defaulters = {line.subject_id for line in lines[1:3]}  # never repay: overdue → suspended (→ reported)
    for n, line in enumerate(lines):
        pid = line.subject_id
        with session_scope(engine) as s:
            for y, m in MONTHS:
                # the defaulters' July/August bills exist for sure; everyone else 0–2 visits a month
                visits = rng.randint(1, 2) if pid in defaulters and m == 7 + n - 1 else rng.randint(0, 2)
                if n == 0:
                    visits = 1  # the resident: one visit a month
                for k in range(visits):
                    day = dt.date(y, m, rng.randint(1, 28))
                    if day > as_of:
                        continue
                    try:
                        service.charge(
                            s,
                            hospital_id=rng.choice(hospitals),
                            patient_id=pid,
                            amount_fen=rng.randint(2_000, min(40_000, line.line_fen // 3)),
                            idempotency_key=f"demo-{pid}-{y}{m:02d}-{k}",
                            charged_on=day,
                            visit_no=f"MZ{y}{m:02d}{n:03d}{k}",
                            now=now,
                        )
                        counts["charges"] += 1
                    except BooksError:
                        pass  # over the line: refused, nothing written
                early = rng.randint(0, 20)  # drawn whatever happens, so a rebuild repeats every key
                due = service.due_date(f"{y}-{m:02d}")
                if pid in defaulters or due > as_of:
                    continue  # a defaulter never pays; not due yet: the statement stays open
                st = service.statement(s, pid, f"{y}-{m:02d}", as_of=due)
                if st.outstanding_fen:
                    service.repay(
                        s,
                        patient_id=pid,
                        amount_fen=st.outstanding_fen,
                        idempotency_key=f"demo-{y}-{m}",
                        paid_on=due - dt.timedelta(days=early),  # within the free period
                        now=now,
                    )
                    counts["repayments"] += 1
    counts |= service.process_overdue(engine, as_of=as_of, now=now)
    return counts
