"""Subjects, records and users written with an open session (the financing, incentives and evaluation
tests' world): subjects are named 测试<sid>, come from source "test" and were seen at T0 unless told."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from helpers.rows import record_row, subject_row
from xinyong.accounts.service import create_user, start_session
from xinyong.subjects.models import Subject

T0 = dt.datetime(2025, 1, 1, 8, 0)


def add_subject(
    session: Session,
    sid: str,
    *,
    district: str = "120101",
    parent: str | None = None,
    seen: dt.datetime = T0,
    **columns,
) -> Subject:
    """Subject 测试<sid>; other columns (kind, pilot, industry, attributes …) as helpers.rows takes them."""
    subject = subject_row(
        sid, seen=seen, name=f"测试{sid}", district=district, source="test", parent_id=parent, **columns
    )
    session.add(subject)
    session.flush()
    return subject


def add_record(
    session: Session, rid: str, sid: str, kind: str, occurred: dt.date, *, seen: dt.datetime = T0, **columns
) -> None:
    """A public negative record unless told; other columns (severity, polarity, fields, disclosure,
    amount, publicity_until …) as helpers.rows.record_row takes them."""
    session.add(record_row(rid, sid, seen=seen, kind=kind, occurred=occurred, source="test", **columns))
    session.flush()


def add_user(session: Session, username: str, role: str, **kw) -> int:
    return create_user(session, username=username, role=role, password="correct-horse-42", now=T0, **kw).id


def bearer(session: Session, username: str, role: str, **kw) -> dict[str, str]:
    """A user with a bearer token; returns the Authorization header."""
    user = create_user(session, username=username, role=role, password=None, now=T0, **kw)
    token, _ = start_session(session, user=user, kind="bearer")
    return {"Authorization": f"Bearer {token}"}
