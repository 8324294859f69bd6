"""Helpers of the incentives tests: subjects, records and users written straight to the store."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.accounts.service import create_user
from xinyong.records.models import Record
from xinyong.subjects.models import Subject

T0 = dt.datetime(2025, 1, 1, 8, 0)


def add_subject(
    session: Session,
    sid: str,
    *,
    kind: str = "enterprise",
    district: str = "120101",
    pilot: str | None = None,
    attributes: dict | None = None,
    industry: str | None = None,
) -> Subject:
    subject = Subject(
        id=sid,
        kind=kind,
        name=f"测试{sid}",
        district_code=district,
        pilot=pilot,
        industry=industry,
        attributes=attributes or {},
        source="test",
        first_seen=T0,
        last_seen=T0,
    )
    session.add(subject)
    session.flush()
    return subject


def add_record(
    session: Session,
    rid: str,
    sid: str,
    kind: str,
    occurred: dt.date,
    *,
    severity: str | None = None,
    polarity: str = "negative",
    fields: dict | None = None,
    disclosure: str = "public",
    amount: float | None = None,
) -> None:
    session.add(
        Record(
            id=rid,
            kind=kind,
            subject_id=sid,
            source="test",
            source_record_id=rid,
            occurred_on=occurred,
            severity=severity,
            polarity=polarity,
            disclosure=disclosure,
            amount=amount,
            fields=fields or {},
            original={},
            first_seen=T0,
            last_seen=T0,
        )
    )
    session.flush()


def add_user(session: Session, username: str, role: str, **kw) -> int:
    return create_user(session, username=username, role=role, password="correct-horse-42", now=T0, **kw).id


def bearer(session: Session, username: str, role: str, **kw) -> dict[str, str]:
    """A user with a bearer token; returns the Authorization header."""
    from xinyong.accounts.service import start_session

    user = create_user(session, username=username, role=role, password=None, now=T0, **kw)
    token, _ = start_session(session, user=user, kind="bearer")
    return {"Authorization": f"Bearer {token}"}
