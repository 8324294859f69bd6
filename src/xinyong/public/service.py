"""The public credit card (公开信用卡) of one subject: the hot path of 一扫可查.

A shop-window QR code leads here, so this must be fast at millions of subjects: two indexed
queries (the subject by primary key, its public records by `ix_records_subject_kind`), the
visibility decided in SQL by the disclosure policy for the public viewer, and only the handful of
fields a card shows passed through the policy's masking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, or_, select

from xinyong.archive.service import SubjectNotFound, district_names, grades_for, kind_order
from xinyong.disclosure.policy import PUBLIC, present_record, present_subject, record_filter, subject_filter
from xinyong.records.models import Record
from xinyong.subjects.models import SUBJECT_KINDS, Subject

# Record kinds the card lists in its positive and negative sections (others are counted only).
POSITIVE_KINDS = ("commitment", "honour", "licence", "tax_grade")
CARD_LIMIT = 20  # records per section; the archive and the report have the rest

_SUBJECT_COLUMNS = (Subject.id, Subject.kind, Subject.name, Subject.uscc, Subject.id_number, Subject.local_code,
                    Subject.division_code, Subject.district_code, Subject.legal_rep, Subject.industry,
                    Subject.address, Subject.registered_on, Subject.pilot, Subject.parent_id, Subject.attributes,
                    Subject.source)
_RECORD_COLUMNS = (Record.id, Record.kind, Record.subject_id, Record.source, Record.source_record_id,
                   Record.occurred_on, Record.publicity_until, Record.valid_until, Record.severity,
                   Record.polarity, Record.disclosure, Record.amount, Record.fields, Record.original,
                   Record.first_seen, Record.last_seen)


@dataclass
class CardRecord:
    kind: str
    kind_zh: str
    headline: str
    detail: str
    occurred_on: dt.date | None
    publicity_until: dt.date | None
    source: str


@dataclass
class Card:
    subject: dict[str, Any]
    kind_zh: str
    district_name: str | None
    as_of: dt.date
    positive: list[CardRecord] = field(default_factory=list)
    negative: list[CardRecord] = field(default_factory=list)
    grades: list[Any] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@lru_cache(maxsize=64)
def _headline_fields(kind: str) -> tuple[tuple[str, ...], str, str]:
    """(field names to show, kind name zh, polarity): the kind's descriptive text fields."""
    from xinyong.archive.service import kind_spec

    spec = kind_spec(kind)
    if spec is None:
        return (), kind, "neutral"
    skip = spec.subject_field_names
    names = tuple(f.name for f in spec.fields
                  if f.name not in skip and f.type in ("string", "enum") and not f.personal)
    return names, spec.name_zh, spec.polarity


def _card_record(row: Any, subject: Any) -> CardRecord:
    shown = present_record(PUBLIC, row, subject)
    names, kind_zh, _ = _headline_fields(row.kind)
    texts = [str(shown["fields"][n]) for n in names if shown["fields"].get(n) not in (None, "")]
    return CardRecord(kind=row.kind, kind_zh=kind_zh, headline=texts[0] if texts else kind_zh,
                      detail="；".join(texts[1:3]), occurred_on=row.occurred_on,
                      publicity_until=row.publicity_until, source=row.source)


def build_card(conn: Connection, *, subject_id: str, as_of: dt.date, with_grades: bool = True) -> Card:
    """The public card as of `as_of`. Raises SubjectNotFound when the public may not know the subject."""
    subject = conn.execute(select(*_SUBJECT_COLUMNS).where(Subject.id == subject_id, subject_filter(PUBLIC))).first()
    if subject is None:
        raise SubjectNotFound(subject_id)
    rows = conn.execute(
        select(*_RECORD_COLUMNS)
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.subject_id == subject_id, record_filter(PUBLIC, as_of),
               or_(Record.occurred_on.is_(None), Record.occurred_on <= as_of))
        .order_by(Record.occurred_on.desc(), Record.id)
    ).all()
    card = Card(subject=present_subject(PUBLIC, subject), kind_zh=SUBJECT_KINDS.get(subject.kind, subject.kind),
                district_name=district_names().get(subject.district_code or ""), as_of=as_of)
    for row in rows:
        card.counts[row.polarity] = card.counts.get(row.polarity, 0) + 1
        if row.polarity == "negative" and len(card.negative) < CARD_LIMIT:
            card.negative.append(_card_record(row, subject))
        elif row.kind in POSITIVE_KINDS and len(card.positive) < CARD_LIMIT:
            card.positive.append(_card_record(row, subject))
    card.positive.sort(key=lambda r: kind_order(r.kind))
    if with_grades:
        from sqlalchemy.orm import Session

        with Session(bind=conn) as session:
            card.grades = grades_for(session, subject_id=subject_id, as_of=as_of)
    return card
