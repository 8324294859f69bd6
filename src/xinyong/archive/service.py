"""Build a subject's credit archive (信用档案, 一户一档) as of a date, for one viewer.

One call, `build_archive`, serves the console page, the JSON API, the CLI and the PDF report, so
every surface shows the same content. What the viewer may see is decided only by
`xinyong.disclosure.policy`: the subject by `subject_filter`, the records by `record_filter`
(SQL, so the store filters, not a Python loop), the values by `present_subject`/`present_record`.

Record status is computed for the as-of date: the record's status events (xinyong.status:
objection 异议中, repaired 已修复, upheld, revoked, erased) when it has any in force, else the date rule —
`expired` when the publicity period (公示期) or validity (有效期) ended before it, `active` otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.archive.schemas import (
    STATUS_LABELS,
    Archive,
    ArchiveRecord,
    ArchiveSection,
    ArchiveVersion,
    FieldLabel,
    GradeView,
    KindGroup,
    RecordStatus,
    SubjectPage,
    SubjectSummary,
    SubjectView,
)
from xinyong.disclosure.policy import (
    Viewer,
    full_archive,
    present_record,
    present_subject,
    record_filter,
    subject_filter,
)
from xinyong.records.models import Record, RecordVersion
from xinyong.records.service import VERSION_CONTENT, version_histories, versions_until
from xinyong.status.models import ACTIVE
from xinyong.subjects.models import SUBJECT_KINDS, Subject

POLARITY_ORDER = {"positive": 0, "negative": 1, "neutral": 2}

# Modules that add a block to the archive (a registration list, like cli.COMMAND_MODULES, so this lower
# domain never imports a higher one). Each defines
# `archive_section(session, *, subject, as_of, viewer) -> dict | None` ({id, title_zh, title_en, items}).
ARCHIVE_SECTIONS: list[str] = [
    "xinyong.supervision.service",
    "xinyong.lists.sections",
    "xinyong.incentives.sections",
]


class SubjectNotFound(LookupError):
    """Unknown subject, or one the viewer may not know of (the two must look the same: 404)."""

    def __init__(self, subject_id: str) -> None:
        super().__init__(subject_id)
        self.subject_id = subject_id

    @property
    def message(self) -> str:
        return f"信用主体不存在 / subject not found: {self.subject_id}"


def date_status(record: Any, as_of: dt.date) -> RecordStatus:
    """Status from the record's own dates: expired once publicity or validity ended before as_of."""
    ends = [d for d in (record.publicity_until, record.valid_until) if d is not None]
    return RecordStatus.expired if any(d < as_of for d in ends) else RecordStatus.active


def record_statuses(session: Session, records: Sequence[Any], as_of: dt.date) -> dict[str, RecordStatus]:
    """{record id: status as of the date}: its status events' status when not `active`, else the date rule."""
    from xinyong.status.service import statuses as event_statuses

    events = event_statuses(session, record_ids=[r.id for r in records], as_of=as_of)
    return {
        r.id: RecordStatus(events[r.id]) if events[r.id] != ACTIVE else date_status(r, as_of) for r in records
    }


def view_level(viewer: Viewer, subject: Any) -> str:
    """Name of the disclosure level an archive was built at (shown on pages and reports)."""
    if full_archive(viewer, subject):
        return "full"
    return {"department": "department", "bank": "bank"}.get(viewer.role, "public")


def visible_subject(session: Session, *, subject_id: str, viewer: Viewer) -> Subject:
    """The subject if the viewer may know of it; otherwise SubjectNotFound (same as unknown)."""
    subject = session.scalar(select(Subject).where(Subject.id == subject_id, subject_filter(viewer)))
    if subject is None:
        raise SubjectNotFound(subject_id)
    return subject


def visible_records_query(viewer: Viewer, subject_id: str, as_of: dt.date):  # noqa: ANN201 - Select
    """The records of one subject the viewer may see as of the date (the policy also drops what
    happened later)."""
    return (
        select(Record)
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.subject_id == subject_id, record_filter(viewer, as_of))
        .order_by(Record.kind, Record.occurred_on.desc(), Record.id)
    )


def subject_view(viewer: Viewer, subject: Subject) -> SubjectView:
    shown = present_subject(viewer, subject)
    return SubjectView(
        **{k: shown.get(k) for k in SubjectView.model_fields if k not in ("kind_zh", "district_name")},
        kind_zh=SUBJECT_KINDS.get(subject.kind, subject.kind),
        district_name=district_names().get(subject.district_code or ""),
    )


def build_archive(session: Session, *, subject_id: str, as_of: dt.date, viewer: Viewer) -> Archive:
    """The archive of `subject_id` as of `as_of`, as `viewer` may see it.

    Raises SubjectNotFound for unknown subjects and for subjects the viewer may not know of.
    Callers that serve a non-public view must log it (accounts.deps.log_access); the surfaces in
    this package do.
    """
    subject = visible_subject(session, subject_id=subject_id, viewer=viewer)
    merged_from = None
    if subject.merged_into is not None:  # merged away (主体合并): answer with the subject it stands for
        from xinyong.subjects.merge import resolve

        merged_from, subject_id = subject_id, resolve(session, subject_id)
        try:
            subject = visible_subject(session, subject_id=subject_id, viewer=viewer)
        except SubjectNotFound:
            raise SubjectNotFound(merged_from) from None
    records = list(session.scalars(visible_records_query(viewer, subject_id, as_of)))
    statuses = record_statuses(session, records, as_of)
    histories = version_histories(session, [r.id for r in records if (r.version or 1) > 1])
    by_kind: dict[str, list[ArchiveRecord]] = {}
    for rec in records:
        item = _archive_record(
            viewer, rec, subject, statuses[rec.id], versions_until(histories.get(rec.id, []), as_of)
        )
        by_kind.setdefault(rec.kind, []).append(item)
    groups = [_group(kind, items) for kind, items in by_kind.items()]
    groups.sort(key=lambda g: (POLARITY_ORDER.get(g.polarity, 3), kind_order(g.kind)))
    counts = {s.value: sum(1 for v in statuses.values() if v == s) for s in RecordStatus}
    results = grade_results(session, subject_id=subject_id, as_of=as_of, viewer=viewer)
    archive = Archive(
        subject=subject_view(viewer, subject),
        as_of=as_of,
        view=view_level(viewer, subject),
        groups=groups,
        grades=grade_views(results),
        counts=counts,
        sections=sections_for(session, subject=subject, as_of=as_of, viewer=viewer),
        merged_from=merged_from,
        merged_ids=sorted(session.scalars(select(Subject.id).where(Subject.merged_into == subject_id))),
    )
    archive._grade_results = results  # the one read the console page's grade cards reuse
    return archive


def sections_for(
    session: Session, *, subject: Subject, as_of: dt.date, viewer: Viewer
) -> list[ArchiveSection]:
    """The blocks ARCHIVE_SECTIONS modules add (a module that is not installed adds nothing)."""
    import importlib

    out = []
    for name in ARCHIVE_SECTIONS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        block = module.archive_section(session, subject=subject, as_of=as_of, viewer=viewer)
        if block:
            out.append(ArchiveSection.model_validate(block))
    return out


def _as_version(rec: Record, version: RecordVersion) -> Any:
    """The record as it was in `version` (a plain object: the ORM row is not touched)."""
    from types import SimpleNamespace

    values = {
        c: getattr(rec, c)
        for c in (
            "id",
            "kind",
            "subject_id",
            "source",
            "source_record_id",
            "polarity",
            "disclosure",
            "first_seen",
            "last_seen",
        )
    }
    return SimpleNamespace(**values, **{c: getattr(version, c) for c in VERSION_CONTENT})


def _archive_record(
    viewer: Viewer, rec: Record, subject: Subject, status: RecordStatus, history: Sequence[RecordVersion] = ()
) -> ArchiveRecord:
    """One record as shown; for a corrected record, the version current as of the archive's date
    (the last of `history`) and the versions recorded by then."""
    versions = [
        ArchiveVersion(
            version=v.version,
            recorded_on=v.recorded_at.date(),
            batch_id=v.batch_id,
            content_id=v.content_id,
            occurred_on=v.occurred_on,
            amount=v.amount,
            fields=present_record(viewer, _as_version(rec, v), subject)["fields"],
        )
        for v in history
    ]
    if history:
        rec = _as_version(rec, history[-1])
    shown = present_record(viewer, rec, subject)
    return ArchiveRecord(
        id=rec.id,
        kind=rec.kind,
        status=status,
        status_zh=STATUS_LABELS[status][0],
        polarity=rec.polarity,
        severity=rec.severity,
        disclosure=rec.disclosure,
        occurred_on=rec.occurred_on,
        publicity_until=rec.publicity_until,
        valid_until=rec.valid_until,
        source=rec.source,
        source_record_id=shown["source_record_id"],
        collected_on=rec.first_seen.date(),
        amount=rec.amount,
        fields=shown["fields"],
        version=history[-1].version if history else 1,
        corrected=bool(history) and history[-1].version > 1,
        history=versions if len(versions) > 1 else [],
    )


def _group(kind: str, items: list[ArchiveRecord]) -> KindGroup:
    spec = kind_spec(kind)
    if spec is None:
        labels: list[FieldLabel] = []
        name_zh = name_en = kind
        polarity = items[0].polarity
    else:
        skip = spec.subject_field_names
        labels = [
            FieldLabel(name=f.name, label_zh=f.label_zh, label_en=f.label_en)
            for f in spec.fields
            if f.name not in skip
        ]
        name_zh, name_en, polarity = spec.name_zh, spec.name_en, spec.polarity
    counts = {s.value: sum(1 for r in items if r.status == s) for s in RecordStatus}
    return KindGroup(
        kind=kind,
        name_zh=name_zh,
        name_en=name_en,
        polarity=polarity,
        field_labels=labels,
        records=items,
        counts=counts,
    )


def kind_spec(kind: str) -> Any | None:
    from xinyong.catalogue.service import load_catalogue

    return load_catalogue().kinds.get(kind)


@lru_cache(maxsize=256)
def kind_order(kind: str) -> int:
    from xinyong.catalogue.service import load_catalogue

    kinds = list(load_catalogue().kinds)
    return kinds.index(kind) if kind in kinds else len(kinds)


@lru_cache(maxsize=1)
def district_names() -> dict[str, str]:
    from xinyong.programmes.service import load_districts

    return {d.code: d.name for d in load_districts()}


def pilot_names() -> dict[str, str]:
    """Pilot id → its Chinese name, from the district programmes (programmes/*.yaml)."""
    from xinyong.programmes.service import load_programmes

    out = {}
    for prog in load_programmes():
        pilot = getattr(prog, "pilot", None)
        if pilot is not None and getattr(pilot, "id", None):
            out[pilot.id] = getattr(pilot, "name_zh", None) or pilot.id
    return out


@lru_cache(maxsize=1)
def _latest_grades() -> Callable[..., Any] | None:
    # Looked up once: a failed import is not cached by Python and would hit the disk per request.
    try:
        from xinyong.evaluation.service import latest_grades
    except ImportError:  # the evaluation domain is optional for the archive
        return None
    return latest_grades


def grade_results(
    session: Session, *, subject_id: str, as_of: dt.date, viewer: Viewer | None = None
) -> list[dict[str, Any]]:
    """Latest grades from the evaluation domain as it gives them (evaluation.service.latest_grades: the
    viewer's results only, a personal result read under a grant logged once per call), or [] when that
    domain is not installed. Each says whether the subject's records (as the viewer may see them)
    changed since (stale_since)."""
    latest_grades = _latest_grades()
    if latest_grades is None:
        return []
    return list(latest_grades(session, subject_id, as_of, viewer))


def grade_views(results: list[dict[str, Any]]) -> list[GradeView]:
    """The archive's shape of `grade_results`."""
    return [
        GradeView(
            model=str(g.get("model_name_zh") or g.get("model_id") or ""),
            model_id=str(g.get("model_id") or ""),
            grade=str(g.get("grade") or ""),
            grade_label=g.get("grade_label_zh"),
            score=g.get("score"),
            as_of=g.get("as_of"),
            reasons=[_reason_text(r) for r in g.get("reasons") or []],
            stale_since=g.get("stale_since"),
        )
        for g in results
    ]


def _reason_text(reason: Any) -> str:
    """A reason code as one line: indicator name and the points it cost (evaluation's shape)."""
    if not isinstance(reason, Mapping):
        return str(reason)
    if reason.get("sentence_zh"):
        return str(reason["sentence_zh"])
    name = reason.get("name_zh") or reason.get("indicator") or reason.get("code") or ""
    points = reason.get("points")
    return f"{name}（{points:+g}分）" if isinstance(points, int | float) else str(name)


# --------------------------------------------------------------------------- subject list / search


def list_subjects(
    session: Session,
    *,
    viewer: Viewer,
    q: str | None = None,
    district: str | None = None,
    kind: str | None = None,
    pilot: str | None = None,
    industry: str | None = None,
    grade: str | None = None,
    limit: int = 50,
    offset: int = 0,
    sort: str = "name",
) -> SubjectPage:
    """Subjects the viewer may know of, filtered; `q` matches a name fragment or a code prefix.
    `sort`: name (default), grade or negatives (archive/listing.py)."""
    where = [
        subject_filter(viewer),
        Subject.merged_into.is_(None),
    ]  # a merged-away id is listed as its kept subject
    if q and q.strip():
        text = q.strip()
        code = text.upper()
        where.append(
            or_(
                Subject.name.contains(text, autoescape=True),
                Subject.uscc.startswith(code, autoescape=True),
                Subject.local_code == text,
            )
        )
    for column, value in (
        (Subject.district_code, district),
        (Subject.kind, kind),
        (Subject.pilot, pilot),
        (Subject.industry, industry),
    ):
        if value:
            where.append(column == value)
    if grade:
        where.append(_latest_grade_is(grade, viewer))
    total = session.scalar(select(func.count()).select_from(Subject).where(*where)) or 0
    from xinyong.archive.listing import order_by

    rows = session.scalars(
        select(Subject)
        .where(*where)
        .order_by(*order_by(sort, viewer, clock.today()))
        .limit(limit)
        .offset(offset)
    )
    names = district_names()
    items = []
    for s in rows:
        shown = present_subject(viewer, s)
        items.append(
            SubjectSummary(
                id=s.id,
                kind=s.kind,
                kind_zh=SUBJECT_KINDS.get(s.kind, s.kind),
                name=shown["name"],
                uscc=shown["uscc"],
                district_code=s.district_code,
                district_name=names.get(s.district_code or ""),
                industry=s.industry,
                pilot=s.pilot,
            )
        )
    return SubjectPage(total=total, limit=limit, offset=offset, items=items)


def _latest_grade_is(grade: str, viewer: Viewer) -> Any:
    """The subject's newest evaluation result of some model the viewer may see has this grade (EXISTS,
    indexed by ix_evaluation_results_subject); a person's score counts only for the person or a grant
    holder (evaluation.privacy), so filtering by grade tells nobody else anything."""
    from sqlalchemy import and_, exists
    from sqlalchemy.orm import aliased

    from xinyong.archive.listing import result_filter
    from xinyong.evaluation.models import EvaluationResult

    newer = aliased(EvaluationResult)
    return exists().where(
        EvaluationResult.subject_id == Subject.id,
        EvaluationResult.grade == grade,
        result_filter(viewer),
        ~exists().where(
            and_(
                newer.subject_id == EvaluationResult.subject_id,
                newer.model_id == EvaluationResult.model_id,
                newer.as_of > EvaluationResult.as_of,
            )
        ),
    )


def grade_values(session: Session) -> list[str]:
    from xinyong.evaluation.models import EvaluationResult

    return list(
        session.scalars(select(EvaluationResult.grade).distinct().order_by(EvaluationResult.grade).limit(30))
    )


def facet_values(session: Session, *, viewer: Viewer) -> dict[str, list[str]]:
    """Distinct pilots and industries the viewer may filter by (for the list page's selects)."""
    out = {}
    for name, column in (("pilot", Subject.pilot), ("industry", Subject.industry)):
        rows = session.scalars(
            select(column)
            .where(subject_filter(viewer), column.is_not(None))
            .distinct()
            .order_by(column)
            .limit(200)
        )
        out[name] = list(rows)
    return out
