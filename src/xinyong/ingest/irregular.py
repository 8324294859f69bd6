"""Irregular registered codes (不规范的登记代码): accepted from quarantine by an authorised officer.

A USCC that fails the GB 32100-2015 check stays rejected by default, and its reason offers no
"corrected" code. Some real codes were issued before the check was enforced; an officer who has
seen the registration certificate accepts the row with `accept_irregular_code(…, reason=…)`:

- the row is imported as it is (the code unchanged), in a one-row batch like any quarantine retry;
- the subject carries `attributes["flags"] ∋ "irregular_code"` and `attributes["irregular_code"]`
  = {code, reason, officer, at};
- a transparency-log event `subject.irregular_code_accepted` {subject_id, code, reason, officer,
  quarantine_id} is appended in the same transaction — the judgement is in the ledger.

Who is authorised is the caller's decision (the API and CLI allow the city administrator and
district officers); the service requires an officer name and a reason.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from xinyong.subjects.models import Subject

# Codes accepted as irregular for the duration of one acceptance (read by normalise._id_reason).
ACCEPTED_IRREGULAR: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "accepted_irregular_codes", default=frozenset()
)


class IrregularCodeError(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@contextmanager
def accepting(code: str) -> Iterator[None]:
    token = ACCEPTED_IRREGULAR.set(ACCEPTED_IRREGULAR.get() | {code})
    try:
        yield
    finally:
        ACCEPTED_IRREGULAR.reset(token)


def mark_subject(
    conn: Connection,
    subject_id: str,
    code: str,
    reason: str,
    officer: str,
    quarantine_id: int,
    now: dt.datetime,
) -> None:
    """Flag the subject and log the judgement (inside the caller's transaction)."""
    from xinyong.ledger.service import append_events

    attrs = dict(conn.execute(select(Subject.attributes).where(Subject.id == subject_id)).scalar_one() or {})
    flags = sorted(set(attrs.get("flags", [])) | {"irregular_code"})
    attrs.update(
        flags=flags,
        irregular_code={
            "code": code,
            "reason": reason,
            "officer": officer,
            "at": now.isoformat(timespec="seconds"),
        },
    )
    conn.execute(update(Subject).where(Subject.id == subject_id).values(attributes=attrs))
    session = Session(bind=conn)
    append_events(
        session,
        [
            {
                "type": "subject.irregular_code_accepted",
                "subject_id": subject_id,
                "code": code,
                "reason": reason,
                "officer": officer,
                "quarantine_id": quarantine_id,
            }
        ],
    )
    session.flush()
