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
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Date, and_, bindparam, literal_column, select

from xinyong.archive.schemas import GradeView
from xinyong.archive.service import SubjectNotFound, district_names, kind_order
from xinyong.console.labels import field_value
from xinyong.disclosure.policy import PUBLIC, present_record, present_subject, record_filter, subject_filter
from xinyong.records.models import Record
from xinyong.status.models import ACTIVE, STATUSES
from xinyong.status.service import status_column
from xinyong.subjects.models import SUBJECT_KINDS, Subject

# Record kinds the card lists in its positive and negative sections (others are counted only).
POSITIVE_KINDS = ("commitment", "honour", "licence", "tax_grade")
CARD_LIMIT = 20  # records per section; the archive and the report have the rest

_SUBJECT_COLUMNS = (
    Subject.id,
    Subject.kind,
    Subject.name,
    Subject.uscc,
    Subject.id_number,
    Subject.local_code,
    Subject.division_code,
    Subject.district_code,
    Subject.legal_rep,
    Subject.industry,
    Subject.address,
    Subject.registered_on,
    Subject.pilot,
    Subject.parent_id,
    # The card shows no subject attributes: skip decoding and masking them.
    literal_column("NULL").label("attributes"),
    Subject.source,
)
_RECORD_COLUMNS = (
    Record.id,
    Record.kind,
    Record.subject_id,
    Record.source,
    Record.source_record_id,
    Record.occurred_on,
    Record.publicity_until,
    Record.valid_until,
    Record.severity,
    Record.polarity,
    Record.disclosure,
    Record.amount,
    Record.fields,
    # The card never shows the source row as given; skip decoding and masking it.
    literal_column("NULL").label("original"),
    Record.first_seen,
    Record.last_seen,
)


@dataclass
class CardRecord:
    id: str
    kind: str
    kind_zh: str
    headline: str
    detail: str
    occurred_on: dt.date | None
    publicity_until: dt.date | None
    source: str
    status: str = "active"  # xinyong.status; on the public card only `active` or `objection` (异议中)
    status_zh: str = "有效"


@dataclass
class Card:
    subject: dict[str, Any]
    kind_zh: str
    district_name: str | None
    as_of: dt.date
    positive: list[CardRecord] = field(default_factory=list)
    negative: list[CardRecord] = field(default_factory=list)
    grades: list[GradeView] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    sections: list[dict[str, Any]] = field(default_factory=list)  # blocks of CARD_SECTIONS modules


@lru_cache(maxsize=64)
def _headline_fields(kind: str) -> tuple[tuple[str, ...], str, str]:
    """(field names to show, kind name zh, polarity): the kind's descriptive text fields."""
    from xinyong.archive.service import kind_spec

    spec = kind_spec(kind)
    if spec is None:
        return (), kind, "neutral"
    skip = spec.subject_field_names
    names = tuple(
        f.name for f in spec.fields if f.name not in skip and f.type in ("string", "enum") and not f.personal
    )
    return names, spec.name_zh, spec.polarity


class _Row:
    """A record read from the card query's r_* columns, shaped as present_record expects."""

    __slots__ = tuple(c.key for c in _RECORD_COLUMNS)

    def __init__(self, row: Any) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(row, f"r_{name}"))


def _card_record(rec: _Row, subject: Any, status: str | None) -> CardRecord:
    names, kind_zh, _ = _headline_fields(rec.kind)
    # Only the (at most three) fields the card prints go through the policy's masking.
    fields = rec.fields or {}
    rec.fields = dict(islice(((n, fields[n]) for n in names if fields.get(n) not in (None, "")), 3))
    shown = present_record(PUBLIC, rec, subject)["fields"]
    texts = [str(field_value(rec.kind, n, v)) for n, v in shown.items()]
    status = status or ACTIVE
    return CardRecord(
        id=rec.id,
        kind=rec.kind,
        kind_zh=kind_zh,
        headline=texts[0] if texts else kind_zh,
        detail="；".join(texts[1:3]),
        occurred_on=rec.occurred_on,
        publicity_until=rec.publicity_until,
        source=rec.source,
        status=status,
        status_zh=STATUSES[status][0],
    )


@lru_cache(maxsize=1)
def _statements() -> tuple[Any, Any]:
    """The card's two queries, built once with bind parameters (statement construction costs more
    than running them). Visibility is the disclosure policy's own SQL for the public viewer with the
    as-of date as a parameter: `subject_filter` in WHERE, `record_filter` in the ON clause of a
    LEFT JOIN, so one round trip returns the subject with its visible records (or no record)."""
    from xinyong.evaluation.models import EvaluationResult, EvaluationRun
    from xinyong.evaluation.privacy import result_filter

    sid, as_of = bindparam("sid"), bindparam("as_of", type_=Date)
    # Whether any grade exists: most subjects have none, and this spares them the grades query.
    graded = (
        select(EvaluationResult.subject_id)
        .where(EvaluationResult.subject_id == sid, EvaluationResult.as_of <= as_of)
        .limit(1)
        .exists()
        .label("graded")
    )
    card = (
        select(
            *_SUBJECT_COLUMNS,
            graded,
            *(c.label(f"r_{c.key}") for c in _RECORD_COLUMNS),
            status_column(as_of).label("r_status"),
        )
        .select_from(Subject)
        .outerjoin(Record, and_(Record.subject_id == Subject.id, record_filter(PUBLIC, as_of)))
        .where(Subject.id == sid, subject_filter(PUBLIC))
        .order_by(Record.occurred_on.desc(), Record.id)
    )
    # Newest result per model with as_of <= the date (as evaluation.service.latest_grades, which
    # the archive and the report use with full explanations; the card needs only the grade).
    grades = (
        select(
            EvaluationResult.model_id,
            EvaluationResult.grade,
            EvaluationResult.score,
            EvaluationResult.as_of,
            EvaluationResult.run_id,
            EvaluationRun.started_at,
        )
        .join(EvaluationRun, EvaluationRun.id == EvaluationResult.run_id)
        .where(
            EvaluationResult.subject_id == sid,
            EvaluationResult.as_of <= as_of,
            # a person's score is never public (evaluation.privacy)
            result_filter(PUBLIC, model_id=EvaluationResult.model_id, subject_id=EvaluationResult.subject_id),
        )
        .order_by(EvaluationResult.as_of.desc(), EvaluationRun.finished_at.desc(), EvaluationRun.id)
    )
    return card, grades


@lru_cache(maxsize=256)
def _run_labels(engine: Any, run_id: str) -> tuple[str, dict[str, str]]:
    """(model name, grade → label) of one evaluation run, read from its stored spec once."""
    from xinyong.evaluation.models import EvaluationRun

    with engine.connect() as conn:
        spec = conn.execute(select(EvaluationRun.spec).where(EvaluationRun.id == run_id)).scalar_one() or {}
    bands = {
        b.get("grade"): b.get("label_zh") for b in spec.get("decision_bands") or [] if isinstance(b, dict)
    }
    return str(spec.get("name_zh") or spec.get("id") or ""), bands


def card_grades(conn: Connection, *, subject_id: str, as_of: dt.date) -> list[GradeView]:
    from xinyong.evaluation.service import stale_since

    seen: dict[str, GradeView] = {}
    for row in conn.execute(_statements()[1], {"sid": subject_id, "as_of": as_of}):
        if row.model_id in seen:
            continue
        name, bands = _run_labels(conn.engine, row.run_id)
        # 评价后有新记录: only changes the public may see (a hidden record's arrival must not show).
        stale = stale_since(conn, subject_id=subject_id, since=row.started_at, viewer=PUBLIC, as_of=as_of)
        seen[row.model_id] = GradeView(
            model=name or row.model_id,
            model_id=row.model_id,
            grade=row.grade,
            grade_label=bands.get(row.grade),
            score=row.score,
            as_of=row.as_of,
            stale_since=stale,
        )
    return [seen[m] for m in sorted(seen)]


def build_card(conn: Connection, *, subject_id: str, as_of: dt.date, with_grades: bool = True) -> Card:
    """The public card as of `as_of`. Raises SubjectNotFound when the public may not know the subject."""
    rows = conn.execute(_statements()[0], {"sid": subject_id, "as_of": as_of}).all()
    if not rows:
        raise SubjectNotFound(subject_id)
    subject = rows[0]
    card = Card(
        subject=present_subject(PUBLIC, subject),
        kind_zh=SUBJECT_KINDS.get(subject.kind, subject.kind),
        district_name=district_names().get(subject.district_code or ""),
        as_of=as_of,
    )
    for row in rows:
        if row.r_id is None:  # LEFT JOIN: the subject has no visible record
            continue
        rec = _Row(row)
        card.counts[rec.polarity] = card.counts.get(rec.polarity, 0) + 1
        if rec.polarity == "negative" and len(card.negative) < CARD_LIMIT:
            card.negative.append(_card_record(rec, subject, row.r_status))
        elif rec.kind in POSITIVE_KINDS and len(card.positive) < CARD_LIMIT:
            card.positive.append(_card_record(rec, subject, row.r_status))
    card.positive.sort(key=lambda r: kind_order(r.kind))
    if with_grades and subject.graded:
        card.grades = card_grades(conn, subject_id=subject_id, as_of=as_of)
    card.sections = card_sections(conn, subject_id=subject_id, as_of=as_of)
    return card


# Modules that add a block to the public card (a registration list, so this lower domain never imports a
# higher one). Each defines `card_section(conn, *, subject_id, as_of) -> dict | None` ({id, title_zh,
# title_en, items: [{label, value, note}], href, href_label}); it decides what the public may see. A block
# with a `template` key is drawn by that template (the domain's own, beside its code) instead of the
# generic list; blocks appear in this order, between the grades and the records.
CARD_SECTIONS: list[str] = [
    "xinyong.lists.sections",  # public credit lists in force (信用名单)
    "xinyong.incentives.sections",  # granted 信易+ scenarios
]


def card_sections(conn: Connection, *, subject_id: str, as_of: dt.date) -> list[dict[str, Any]]:
    import importlib

    blocks = (
        importlib.import_module(name).card_section(conn, subject_id=subject_id, as_of=as_of)
        for name in CARD_SECTIONS
    )
    return [b for b in blocks if b]
